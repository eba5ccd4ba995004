"""Colour contrast by the WCAG 2.x definitions, so the dashboard's colours can be checked by tests.

The dashboard is read on shared committee-room projectors, which wash colours out, so every colour that carries
meaning is held to WCAG 2.2 AA: text at 4.5:1 against its background (3:1 when large), and lines, bars, bubbles and
map fills that must be told from their background at 3:1 (success criterion 1.4.11, non-text contrast).

Only the standard library: the app can import this at run time. The colour-vision deficiency simulation the tests
use (``colorspacious``) is a development requirement and lives in ``tests/core/test_accessibility.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# WCAG 2.2 success criteria 1.4.3 (text) and 1.4.11 (non-text), level AA.
TEXT_AA = 4.5
LARGE_TEXT_AA = 3.0
NON_TEXT_AA = 3.0
# "Large" text is at least 18 point, or 14 point bold; in CSS pixels (1 pt = 4/3 px) 24 px, or 18.66 px bold.
LARGE_TEXT_PX = 24.0
LARGE_BOLD_TEXT_PX = 18.66

Colour = str | Sequence[int]
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_NAMED = {"white": "#ffffff", "black": "#000000"}


def rgb(colour: Colour) -> tuple[int, int, int]:
    """A colour as 0-255 red, green, blue: from "#rrggbb", "#rgb", "white"/"black" or an RGB(A) list (alpha ignored).

    To account for alpha, blend first with ``over``.
    """
    if isinstance(colour, str):
        text = _NAMED.get(colour.strip().lower(), colour.strip())
        match = _HEX.fullmatch(text)
        if match is None:
            raise ValueError(f"not a hex colour: {colour!r}")
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    if len(colour) not in (3, 4) or not all(0 <= int(c) <= 255 for c in colour):
        raise ValueError(f"not an RGB(A) colour: {colour!r}")
    return int(colour[0]), int(colour[1]), int(colour[2])


def to_hex(colour: Colour) -> str:
    """A colour as lower-case "#rrggbb" (alpha ignored)."""
    return "#" + "".join(f"{c:02x}" for c in rgb(colour))


def over(colour: Colour, background: Colour = "#ffffff", opacity: float | None = None) -> str:
    """The colour as seen drawn over ``background``: alpha-blended by ``opacity``, or by the colour's own alpha
    (the fourth item of an RGBA list, 0 to 255) when ``opacity`` is None; fully opaque otherwise.
    """
    if opacity is None:
        opacity = colour[3] / 255 if not isinstance(colour, str) and len(colour) == 4 else 1.0
    if not 0 <= opacity <= 1:
        raise ValueError(f"opacity must be between 0 and 1, not {opacity}")
    front, back = rgb(colour), rgb(background)
    return to_hex([round(f * opacity + b * (1 - opacity)) for f, b in zip(front, back, strict=True)])


def _linear(channel: int) -> float:
    """An sRGB channel (0-255) as linear light, with the WCAG 2.x threshold of 0.04045."""
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: Colour) -> float:
    """WCAG 2.x relative luminance: 0 for black, 1 for white."""
    red, green, blue = (_linear(c) for c in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(a: Colour, b: Colour) -> float:
    """WCAG 2.x contrast ratio of two opaque colours, from 1 (same) to 21 (black on white); order does not matter."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_threshold(size_px: float, bold: bool = False) -> float:
    """The AA contrast text of this size needs: 3:1 when large (24 px, or 18.66 px bold), 4.5:1 otherwise."""
    large = size_px >= LARGE_TEXT_PX or (bold and size_px >= LARGE_BOLD_TEXT_PX)
    return LARGE_TEXT_AA if large else TEXT_AA
