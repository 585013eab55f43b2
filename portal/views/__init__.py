"""The public pages and the association space. Thin: reads through the apps' selectors, writes through services."""
