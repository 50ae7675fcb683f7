"""The accent's contrast check (``chat.people.contrast``): WCAG's arithmetic, and the
colours it checks against are the stylesheet's own, in both schemes."""

from __future__ import annotations

import re

import pytest

from chat.people import contrast
from tests.support import REPO

CSS = (REPO / "static" / "chat" / "chat.css").read_text()


def declared(block: str) -> dict[str, str]:
    """The custom properties a block of the stylesheet declares, as "#rrggbb"."""
    found = {}
    for name, value in re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", block):
        if len(value) == 4:
            value = "#" + "".join(c * 2 for c in value[1:])
        found[name] = value.lower()
    return found


def test_the_colours_checked_are_the_stylesheets():
    light = declared(CSS.split("@media (prefers-color-scheme: dark)")[0])
    dark = declared(CSS.split("@media (prefers-color-scheme: dark)")[1].split("}\n}")[0])

    for scheme, colours in (("light", light), ("dark", dark)):
        for prop, value in contrast.MET[scheme].values():
            assert colours[prop] == value, (scheme, prop)


def test_the_stylesheets_own_accents_pass():
    assert contrast.failure("#1f5bd6") is None
    # Its dark accent is close to what mixing gives.
    assert contrast.ratio(contrast.dark_variant("#1f5bd6"), "#7aa2ff") < 1.1


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("#000000", "#ffffff", 21.0), ("#777777", "#ffffff", 4.48), ("#ffffff", "#ffffff", 1.0)],
)
def test_ratios_are_wcags(first, second, expected):
    assert round(contrast.ratio(first, second), 2) == expected


def test_a_ratio_just_under_the_limit_does_not_read_as_passing():
    failure = contrast.Failure("light", "cards and forms", "#ffffff", 4.4999)

    assert "4.49:1" in str(failure)
