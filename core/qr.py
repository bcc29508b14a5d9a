"""QR codes drawn on the server as inline SVG (segno): no image service sees the links.

The SVG has a viewBox and no width or height, so the page's CSS sizes it (a card, a
sheet, the member page) and it stays sharp at any printer resolution.
"""

import io
from functools import lru_cache

import segno
from django.utils.safestring import SafeString, mark_safe

# A quiet zone of 4 modules is what the QR standard asks for; scanners need it on paper.
BORDER = 4


def qr_code(text: str) -> segno.QRCode:
    """The QR code of `text` (error correction M: a crease or a smudge on a card still
    reads). Raises segno's DataOverflowError past what a QR code can hold."""
    return segno.make_qr(text, error="m", boost_error=False)


def qr_svg(text: str, *, label: str = "") -> SafeString:
    """`text` as an inline `<svg class="qr">` element (str in, safe HTML out). `label`
    becomes the SVG's title, read by screen readers."""
    return mark_safe(_svg(str(text), str(label)))  # noqa: S308 - segno's own markup; label escaped by segno


# Drawing a code costs about 3.6 ms of CPU, a sixth of the member page's own time, and a
# member's link never changes: each process keeps the last codes it drew (~4 KB each).
@lru_cache(maxsize=1024)
def _svg(text: str, label: str) -> str:
    buffer = io.BytesIO()
    qr_code(text).save(
        buffer,
        kind="svg",
        border=BORDER,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        nl=False,
        svgclass="qr",
        lineclass=None,
        title=label or None,
        dark="#000",
        light="#fff",
    )
    return buffer.getvalue().decode()
