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
