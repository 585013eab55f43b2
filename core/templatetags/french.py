"""Template filters for French typography (English unaffected): ``{% load french %}``.

``{{ day|date_words:"l j F Y" }}`` « samedi 1er février 2027 », ``{{ association|of_name }}`` « des Claviers »,
``{{ association|to_name }}`` « aux Claviers », ``{{ days|duration_words }}`` « 3 ans », ``{{ t|time_words }}``
« 9 h 30 ».
"""

from django import template

from core import words

register = template.Library()


@register.filter
def date_words(value, fmt: str = "j F Y") -> str:
    return words.date_words(value, fmt)


@register.filter
def of_name(value) -> str:
    return words.of_name(value)


@register.filter
def to_name(value) -> str:
    return words.to_name(value)


@register.filter
def duration_words(value) -> str:
    if value in (None, ""):
        return ""
    return words.duration_words(value)


@register.filter
def time_words(value) -> str:
    return words.time_words(value)


@register.simple_tag
def period_words(start, end, fallback="") -> str:
    """``{% period_words period_start period_end period as period %}``: ``fallback`` for an older email."""
    return words.period_words(start, end) or fallback
