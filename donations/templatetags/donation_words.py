"""Donations in the reader's words, for emails rendered in their recipient's language: ``{% load donation_words %}``.

An email's context is kept as data (numbers, ISO dates) in the outbox, and put in words when it is rendered, in
the recipient's language: never a sentence written beforehand in French.
"""

from django import template
from django.utils.translation import gettext as _

from donations.planner import explain_quantity

register = template.Library()


@register.simple_tag
def quantity_words(quantity, granted, elsewhere=0, set_by_team="") -> str:
    """« 12 ordinateurs dans cette vague ; 13 restent à attribuer dans une prochaine vague » ("" unless numbers)."""
    try:
        numbers = [int(value or 0) for value in (quantity, granted, elsewhere)]
    except (TypeError, ValueError):
        return ""
    quantity, granted, elsewhere = numbers
    return explain_quantity(quantity=quantity, granted=granted, elsewhere=elsewhere, set_by_team=str(set_by_team or ""))


@register.simple_tag
def wave_label(number=None, final_lot=False, name="", fallback="") -> str:
    """« Vague 2 », « Lot final », with the wave's name if it has one; ``fallback`` for an older email."""
    if not number:
        return fallback
    label = _("Lot final") if final_lot else _("Vague %(number)s") % {"number": number}
    return f"{label} – {name}" if name else label
