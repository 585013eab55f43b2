"""``{% section "anchor" _("Heading") classes="mb-5" %}…{% endsection %}``: a section of a portal page, named by its
heading (the ``aria-labelledby`` of the section and the ``id`` of its ``h2`` are the same anchor, written once)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_block_tag
def section(content: str, anchor: str, heading: str, *, classes: str) -> str:
    return format_html(
        '<section aria-labelledby="{}" class="{}">\n  <h2 id="{}" class="h4">{}</h2>{}</section>',
        anchor,
        classes,
        anchor,
        heading,
        content,
    )
