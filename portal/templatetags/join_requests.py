"""``{% join_requests_panel as panel %}``: the requests to join an association, for the space (one query)."""

from django import template

from associations.selectors import join_requests_panel as panel_for

register = template.Library()


@register.simple_tag(takes_context=True)
def join_requests_panel(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"to_decide": [], "mine": []}
    return panel_for(user)
