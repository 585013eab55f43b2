"""What the inventory app announces to the apps above it (core.hooks); they subscribe in their AppConfig.ready()."""

from core.hooks import Hook

lot_page_panels = Hook(
    "inventory.lot_page_panels",
    """A lot's admin page is shown: the apps above add panels to it (the after-sales' fault rates, the donor's
    documents).

    Keyword arguments: ``lot`` (the lot, already scoped to the user) and ``request``. Each subscriber returns
    None (nothing to show to this user) or a dict with ``template`` (the panel's template) and its context; it
    reads in a fixed number of queries.""",
)
