"""What an admin change form posts besides its fields."""

from django.urls import reverse


def no_inline_rows(*prefixes: str) -> dict[str, str]:
    """The management forms of the inlines named by ``prefixes``, with no row: every change form with inlines
    (read-only ones included) posts them."""
    return {f"{prefix}-{count}": "0" for prefix in prefixes for count in ("TOTAL_FORMS", "INITIAL_FORMS")}


def admin_action(client, changelist: str, action: str, objects, *, follow: bool = False, **data):
    """Posts ``action`` on ``objects`` from the admin list named ``changelist``, as its action bar does; ``data``: the
    action's own fields."""
    selected = [obj.pk for obj in objects]
    return client.post(
        reverse(changelist), {"action": action, "_selected_action": selected, "index": "0", **data}, follow=follow
    )
