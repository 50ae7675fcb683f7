"""QR codes as inline SVG: markup of our own (no style attributes, which the
Content-Security-Policy refuses, and no image file, so no Pillow), drawn from the modules
the ``qrcode`` library computes. Always dark on white, whatever the colour scheme: phone
cameras read that best."""

from __future__ import annotations

import qrcode
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

#: The quiet zone around the code, in modules (the standard asks for 4).
BORDER = 4


def svg(data: str, label: str) -> SafeString:
    """An ``<svg role="img">`` of the QR code of ``data``, named ``label`` for screen
    readers (its ``<title>`` and ``aria-label``)."""
    code = qrcode.QRCode(border=BORDER, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    rows = code.get_matrix()
    side = len(rows)
    # One path of unit squares: the only variable part is numbers we computed.
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(rows) for x, dark in enumerate(row) if dark
    )
    return format_html(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        'role="img" aria-label="{label}" shape-rendering="crispEdges"><title>{label}</title>'
        '<rect width="{side}" height="{side}" fill="#fff"/><path d="{path}" fill="#000"/></svg>',
        side=side,
        label=label,
        path=mark_safe(path),  # noqa: S308 - digits and letters of our own, nothing typed
    )
