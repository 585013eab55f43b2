"""The portal's URLs, one module per namespace. The names and namespaces are the apps' (templates and tests
reverse them): where an app keeps pages of its own in a namespace (certificates' verification page, impact's
public figures), the portal's module extends that app's patterns."""
