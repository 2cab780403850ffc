"""The printed page: its size and margins, in one place for the print
stylesheet (translate/templates/print.css, through render/pdf.py) and for the
layout check that measures a published PDF against them
(translate.publishing.checks.layout)."""

from __future__ import annotations

PT_PER_MM = 72 / 25.4

# CSS order: top, right, bottom, left. The running header sits in the top
# margin, page numbers and the notice in the bottom one.
MARGINS_MM = (22, 24, 24, 24)


def css_margin() -> str:
    """The @page margin of print.css."""
    return " ".join(f"{mm}mm" for mm in MARGINS_MM)


def content_box(width_pt: float, height_pt: float) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the text area of a page of that size, in PDF
    coordinates (points, origin at the bottom left)."""
    top, right, bottom, left = (mm * PT_PER_MM for mm in MARGINS_MM)
    return left, bottom, width_pt - right, height_pt - top
