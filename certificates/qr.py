"""QR codes of the verification address, as SVG data URIs that WeasyPrint embeds as vectors."""

import segno


def qr_svg_data_uri(url: str, *, scale: int = 4) -> str:
    """The QR code of ``url`` (error correction M, a quiet zone of 4 modules), black on white."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=scale, border=4, dark="#000", light="#fff")
