"""The parts of a portal page that every section repeats:

- ``{% section "anchor" _("Heading") classes="mb-5" %}…{% endsection %}``: a section named by its heading (the
  ``aria-labelledby`` of the section and the ``id`` of its ``h2`` are the same anchor, written once);
- ``{% list_or_empty items classes="list-unstyled" empty=_("Nothing yet.") %}…{% endlist_or_empty %}``: the items
  (the ``<li>`` the block draws) in a ``<ul>`` (``tag="ol"``: an ``<ol>``), or the ``empty`` sentence when there are
  none (``items`` may also be a plain yes or no).
"""

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


@register.simple_block_tag
def list_or_empty(content: str, items, *, classes: str, empty: str, tag: str = "ul") -> str:
    if items:
        return format_html('<{} class="{}">{}</{}>', tag, classes, content, tag)
    return format_html("<p>{}</p>", empty)
