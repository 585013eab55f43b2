"""What an admin change form posts besides its fields."""


def no_inline_rows(*prefixes: str) -> dict[str, str]:
    """The management forms of the inlines named by ``prefixes``, with no row: every change form with inlines
    (read-only ones included) posts them."""
    return {f"{prefix}-{count}": "0" for prefix in prefixes for count in ("TOTAL_FORMS", "INITIAL_FORMS")}
