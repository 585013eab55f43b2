"""What an uploaded PDF may be: a PDF from its first byte, readable, not encrypted, with no active content.

``pdf_problem`` parses the file with pypdf and walks every object reachable from the trailer (with a
budget, so that a crafted file cannot make the walk endless). It answers None for a plain document,
or the reason to refuse it:

- ``not_pdf``: ``%PDF-`` is not at byte 0 (an HTML or SVG page carrying a PDF further down);
- ``unreadable``: pypdf cannot read it, or it has no page;
- ``encrypted``: a password or encryption (its content cannot be checked);
- ``active``: JavaScript (a ``/JS`` or ``/JavaScript`` entry, a JavaScript names tree, an action of
  type JavaScript, Launch, ImportData, Rendition or SubmitForm, whether in ``/OpenAction``, ``/AA``
  or a link).

A file whose object graph is larger than the budget is answered ``unreadable``.

The caller turns the reason into a French message for its own field.
"""

from __future__ import annotations

import io

ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/Rendition", "/SubmitForm", "/GoToE"}
ACTIVE_KEYS = {"/JS", "/JavaScript"}
MAX_OBJECTS = 50_000


def pdf_problem(data: bytes) -> str | None:
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if not data.startswith(b"%PDF-"):
        return "not_pdf"
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "encrypted"
        if len(reader.pages) < 1:
            return "unreadable"
        seen: set[tuple[int, int]] = set()
        stack = [reader.trailer]
        walked = 0
        while stack:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in seen:
                    continue
                seen.add(key)
                node = node.get_object()
            walked += 1
            if walked > MAX_OBJECTS:
                return "unreadable"
            if isinstance(node, DictionaryObject):
                if ACTIVE_KEYS & set(node.keys()):
                    return "active"
                if node.get("/S") in ACTIVE_ACTIONS:
                    return "active"
                stack.extend(value for name, value in node.items() if name not in ("/Parent", "/P"))
            elif isinstance(node, ArrayObject):
                stack.extend(node)
    except Exception:  # pypdf raises many kinds of errors on a damaged file: all mean "unreadable"
        return "unreadable"
    return None
