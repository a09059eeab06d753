"""The palette in static/css/app.css: every text colour on every background it is used on
reads at 4.5:1 or better (3:1 for large text and for the focus ring and chart bars, which
are not text), as WCAG 2.2 asks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"

# (text or mark, background, the contrast it needs): the pairs the stylesheet uses.
PAIRS = [
    ("ink", "paper", 4.5), ("ink", "canvas", 4.5), ("ink", "wash", 4.5),
    ("ink", "highlight", 4.5), ("ink", "accent-wash", 4.5),
    ("muted", "paper", 4.5), ("muted", "canvas", 4.5), ("muted", "wash", 4.5),
    ("brand", "paper", 4.5), ("brand", "wash", 4.5), ("brand", "highlight", 4.5),
    ("accent", "paper", 4.5), ("accent", "wash", 4.5), ("accent", "accent-wash", 4.5),
    ("accent-ink", "accent", 4.5), ("paper", "brand", 4.5), ("paper", "good", 4.5),
    ("paper", "bad", 4.5),
    ("warn", "warn-wash", 4.5), ("bad", "bad-wash", 4.5), ("good", "good-wash", 4.5),
    ("good", "paper", 4.5),
    ("focus", "paper", 3), ("focus", "wash", 3), ("focus", "canvas", 3),
    ("focus", "accent-wash", 3), ("focus", "warn-wash", 3),
    ("paper", "pressed-off", 4.5),
    ("bar", "bar-track", 3), ("good", "bar-track", 3), ("field-line", "paper", 3),
]  # fmt: skip


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(), re.S).group(1)
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", root))


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("text", "background", "needed"), PAIRS)
def test_text_reads_on_its_background(text, background, needed):
    palette = tokens()
    ratio = contrast(palette[text], palette[background])
    assert ratio >= needed, f"--{text} on --{background}: {ratio:.2f}:1, needs {needed}:1"


def test_the_checker_knows_a_poor_pair_when_it_sees_one():
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#595959", "#ffffff")
