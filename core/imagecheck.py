"""What an uploaded picture may be: a JPEG or PNG, bounded in pixels before any is decoded, not cut short.

``checked_image`` is the one check of uploaded pictures (the print desk's signatures and scans, the
associations' photos attached to messages). It raises ``ImageRefused`` with a reason ("unreadable",
"too_large" or "truncated"); the caller turns it into a French message for its own field.
"""

from __future__ import annotations

import io

# A photo or scan of one A4 page: 600 dpi is 4961 x 7016 pixels (35 megapixels); a phone's photo is 12 to 50.
MAX_PHOTO_SIDE = 10_000
MAX_PHOTO_PIXELS = 40_000_000


class ImageRefused(Exception):
    """Why an uploaded picture is refused: ``reason`` is "unreadable", "too_large" or "truncated"."""

    def __init__(self, reason: str, size: tuple[int, int] = (0, 0)):
        super().__init__(reason)
        self.reason = reason
        self.size = size


def _ends_properly(content: bytes, kind: str) -> bool:
    """A JPEG has its end-of-image marker after the start of its data; a PNG ends with IEND."""
    if kind == "JPEG":
        start = content.find(b"\xff\xda")
        return start != -1 and content.rfind(b"\xff\xd9") > start
    if kind == "PNG":
        return content.rstrip(b"\x00\r\n ").endswith(b"IEND\xaeB`\x82")
    return True


def checked_image(content: bytes, *, formats: tuple[str, ...], max_side: int, max_pixels: int):
    """Open ``content`` as one of ``formats``, bounded before any pixel is decoded, then fully decoded.

    The declared size is read from the header (a 68-byte PNG may declare 20000 x 20000 pixels) and
    refused above the bounds, so that Pillow's decompression-bomb guard is never what answers; a
    picture whose data stops before its last pixel is refused too. Returns the decoded image.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns above its own limit: the bounds below refuse such a picture with its size.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(content))
        except Image.DecompressionBombError:
            raise ImageRefused("too_large") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ImageRefused("unreadable") from None
        if picture.format not in formats:
            raise ImageRefused("unreadable")
        width, height = picture.size
        if max(width, height) > max_side or width * height > max_pixels:
            raise ImageRefused("too_large", (width, height))
        # Pillow's "load truncated images" switch is process-wide, and WeasyPrint turns it on when
        # it is imported (in every worker): the end of the data is checked here, whatever it says.
        if not _ends_properly(content, picture.format):
            raise ImageRefused("truncated")
        try:
            if picture.format == "JPEG":
                # Decoding at 1/8 scale still reads every byte of the data (a truncated file fails).
                picture.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            picture.load()
        except Image.DecompressionBombError:
            raise ImageRefused("too_large", (width, height)) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise ImageRefused("truncated") from None
    return picture
