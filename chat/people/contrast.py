"""Whether an accent colour stays readable wherever the stylesheet uses it (WCAG 2.1 AA:
a contrast of at least 4.5:1 for text).

``static/chat/chat.css`` defines ``--accent`` twice, for the light and the dark scheme, and
uses it as the colour of links and of secondary buttons' text on the page, on cards, on my
own messages and on messages that mention me, and as the background of buttons under
``--on-accent`` text. One colour cannot be read on both a near-white and a near-black page
(a colour dark enough for the first is too dark for the second), so the colour chosen is
the light scheme's accent, and the dark scheme's is that colour mixed with white
(``DARK_MIX``), as the stylesheet's own dark accent is a lighter version of its light one.
Both are checked against the colours they meet; the colours are the stylesheet's (a test
reads them from it, so the two cannot drift apart).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: "#rrggbb", the only spelling accepted.
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: WCAG 2.1 AA for normal text.
LEAST_CONTRAST = 4.5
#: How much white the dark scheme's accent holds (the stylesheet's #1f5bd6 gives #84a5e9,
#: near its own dark #7aa2ff).
DARK_MIX = 0.45

#: What the accent is read against in each scheme (static/chat/chat.css, ":root" and its
#: dark block): the name the refusal uses, and the custom property it comes from.
MET = {
    "light": {
        "the page background": ("--bg", "#f6f7f9"),
        "cards and forms": ("--surface", "#ffffff"),
        "your own messages": ("--mine-bg", "#e8f0ff"),
        "messages that mention you": ("--mention-bg", "#fff3c4"),
        "the text of buttons": ("--on-accent", "#ffffff"),
    },
    "dark": {
        "the page background": ("--bg", "#0f1218"),
        "cards and forms": ("--surface", "#181c24"),
        "your own messages": ("--mine-bg", "#1c2a45"),
        "messages that mention you": ("--mention-bg", "#3a2f00"),
        "the text of buttons": ("--on-accent", "#0b1020"),
    },
}


@dataclass(frozen=True)
class Failure:
    """Where an accent is too faint: the scheme, what it meets there, and the ratio."""

    scheme: str
    against: str
    colour: str
    ratio: float

    def __str__(self) -> str:
        return (
            f"This accent is hard to read in the {self.scheme} scheme: its contrast with "
            f"{self.against} ({self.colour}) is {shown(self.ratio)}:1, and at least "
            f"{LEAST_CONTRAST}:1 is needed. Choose a colour that is "
            f"{'darker' if self.scheme == 'light' else 'lighter'}."
        )


def shown(value: float) -> str:
    """A ratio rounded down to two decimals: 4.497 must not read as the 4.50 it misses."""
    return f"{math.floor(value * 100) / 100:.2f}"


def rgb(colour: str) -> tuple[int, int, int]:
    """The red, green and blue of "#rrggbb" (0-255)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def hex_of(red: float, green: float, blue: float) -> str:
    """"#rrggbb" of three channels (0-255), rounded."""
    return "#" + "".join(f"{round(channel):02x}" for channel in (red, green, blue))


def luminance(colour: str) -> float:
    """The relative luminance of "#rrggbb" (WCAG 2.1)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ratio(first: str, second: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def dark_variant(accent: str) -> str:
    """The dark scheme's accent for the light scheme's ``accent``: mixed with white."""
    return hex_of(*(c + (255 - c) * DARK_MIX for c in rgb(accent)))


def schemes(accent: str) -> dict[str, str]:
    """The accent of each scheme for ``accent`` ("#rrggbb", lower case)."""
    accent = accent.lower()
    return {"light": accent, "dark": dark_variant(accent)}


def failure(accent: str) -> Failure | None:
    """The worst place ``accent`` is too faint (light scheme first), or None if it passes
    everywhere it is used."""
    for scheme, colour in schemes(accent).items():
        worst = min(
            (ratio(colour, value), name, value) for name, (_, value) in MET[scheme].items()
        )
        if worst[0] < LEAST_CONTRAST:
            return Failure(scheme, worst[1], worst[2], worst[0])
    return None
