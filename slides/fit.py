"""Whether a slide fits its stage: an estimate of the room its content takes.

The shared screen lays every slide out on a 16:9 stage whose sizes are all in units of the
stage's height (see `.stage` in static/css/app.css; this module mirrors those numbers). In
the browser, static/js/stage.js steps the text down until the slide fits; body text may go
down to 3% of the stage's height (fit level 4, a scale of 0.72) and no further without the
slide being reported. The loader, the deck preview and the admin use this estimate to report
a slide that won't fit even then, before anyone projects it. The estimate wraps each block's
words with the font's own character widths, as a browser does, and leaves a small margin;
tests/e2e check it against what Chromium does with every slide of the shipped deck.

Units: 1 = 1% of the stage's height (the CSS `cqh`); the stage is 177.8 wide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html.parser import HTMLParser

from slides.fontmetrics import BOLD_RATIO, REGULAR

STAGE_WIDTH = 100 * 16 / 9
PAD_X = 6 * 16 / 9  # 6cqw each side
SPLIT_GAP = 4 * 16 / 9
SPLIT_MAIN = 1.7 / 2.7  # the slide's share of the width beside how to join
SPLIT_POLL = 1.35 / 2.35  # and beside a poll's results
FIT_SCALES = [1, 0.93, 0.86, 0.79, 0.72]  # data-fit-level 0 to 4 (the smallest body size)
BODY = 4.2  # body text at level 0
LINE = 1.3  # line height
SAFETY = 1.04  # browsers wrap a little differently: leave room
AVERAGE_WIDTH = sum(REGULAR.values()) / len(REGULAR) / 1000


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    width = sum(REGULAR.get(ord(ch), AVERAGE_WIDTH * 1000) for ch in text) / 1000 * size
    return width * (BOLD_RATIO if bold else 1)


def line_count(runs: list[tuple[str, bool]], size: float, width: float) -> int:
    """Lines a run of text takes when wrapped at `width`, a word at a time, as browsers do."""
    space = text_width(" ", size)
    lines, used = 1, 0.0
    for text, bold in runs:
        for word in text.split():
            word_width = text_width(word, size, bold=bold)
            if used and used + space + word_width > width:
                lines, used = lines + 1, word_width
            else:
                used += (space if used else 0) + word_width
            while used > width:  # a word longer than the line breaks anywhere
                lines, used = lines + 1, used - width
    return lines if any(text.strip() for text, _ in runs) else 0


@dataclass
class Block:
    kind: str  # "p", "li", "h", "pre"
    runs: list[tuple[str, bool]]
    depth: int = 0  # list nesting


class _Blocks(HTMLParser):
    """The block-level pieces of rendered Markdown, each with its text and what is bold."""

    BLOCKS = {"p", "li", "h2", "h3", "h4", "pre", "tr", "blockquote"}

    def __init__(self):
        super().__init__()
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.bold = 0
        self.lists = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.lists += 1
        if tag in ("strong", "b", "th") or tag in ("h2", "h3", "h4"):
            self.bold += 1
        if tag in self.BLOCKS:
            kind = "li" if tag == "li" else "h" if tag[0] == "h" and tag != "hr" else tag
            self.current = Block(kind, [], depth=self.lists)
            self.blocks.append(self.current)
        if tag == "br" and self.current is not None:
            self.current.runs.append(("\n", False))

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self.lists -= 1
        if tag in ("strong", "b", "th") or tag in ("h2", "h3", "h4"):
            self.bold = max(0, self.bold - 1)

    def handle_data(self, data):
        if not data.strip():
            return
        if self.current is None:
            self.current = Block("p", [])
            self.blocks.append(self.current)
        self.current.runs.append((data, self.bold > 0))


def blocks_of(html: str) -> list[Block]:
    parser = _Blocks()
    parser.feed(html)
    return [block for block in parser.blocks if any(t.strip() for t, _ in block.runs)]


def _body_height(html: str, scale: float, width: float) -> float:
    size = BODY * scale
    height = 0.0
    for block in blocks_of(html):
        if block.kind == "li":
            indent = (1.15 + 0.15) * size * max(1, block.depth)
            height += line_count(block.runs, size, width - indent) * size * LINE + 0.38 * size
        elif block.kind == "h":
            height += line_count(block.runs, size * 1.1, width) * size * 1.1 * LINE + 0.6 * size
        else:
            height += line_count(block.runs, size, width) * size * LINE + 0.6 * size
    return height


def _choices_height(choices: list[str], scale: float, width: float) -> float:
    size = BODY * scale
    inner = width - 1.2 * size - 0.5 - 0.8 * 1.9 * size - 0.6 * size  # padding, border, letter
    height = 0.0
    for text in choices:
        text_lines = line_count([(text, False)], size, inner)
        height += max(1.9 * 0.8 * size, text_lines * size * LINE) + 0.7 * size + 0.5 + 0.5 * size
    return height


def _join_card_height(scale: float) -> float:
    """How to join (see .join-card): heading, QR code, how (three lines, for a long address),
    the code."""
    size = 2.8 * scale
    return (
        2 * 2.4 * scale
        + 4 * 1.2 * scale
        + size * 1.4 * 1.2
        + 34 * scale
        + 3 * size * LINE
        + (size * 1.9 * 1.2)
    )


def _chart_height(choices: list[str], scale: float, width: float) -> float:
    size = BODY * scale
    inner = width - 0.8 * 1.9 * size - 2.4 - 4 * size  # letter, gaps, the count beside
    height = 0.0
    for text in choices:
        lines = line_count([(text + " ✓ Correct answer", True)], size, inner)
        height += lines * size * LINE + 0.5 + 3.2 + 1.6
    return height


@dataclass
class SlideFit:
    """How full a slide is on its stage: `room` is the share of its room the content needs at
    the smallest body size (over 1: it can't fit), `level` the fit level the browser will use."""

    number: int
    title: str
    room: float
    level: int

    @property
    def fits(self) -> bool:
        return self.room <= 1


def measure(
    *,
    number: int,
    title: str,
    body_html: str,
    question: tuple[str, list[str], bool] | None = None,
    answer: tuple[str, list[str], str] | None = None,
    videos: str = "",
    band: str | None = None,
    split: bool = False,
    poll: tuple[str, list[str]] | None = None,
) -> SlideFit:
    """The room a slide's content needs on the stage, in the given layout.

    `question` is a quiz question (its text, its choices, whether several may be chosen);
    `answer` a revealed one (text, choices, explanation: its chart, the larger of its two
    forms); `videos` the line naming the slide's videos; `band` the words of an open prompt
    or poll named below the slide ("" for a quiz question, whose words are the slide's own);
    `split` a column beside the slide with how to join; `poll` a poll (question, options)
    whose results may take that column's place.
    """
    width = STAGE_WIDTH - 2 * PAD_X
    if split:
        width = (width - SPLIT_GAP) * SPLIT_MAIN

    def poll_card(scale: float) -> float:
        size = BODY * scale * 0.9
        question, options = poll
        inner = (STAGE_WIDTH - 2 * PAD_X - SPLIT_GAP) * (1 - SPLIT_POLL) - 4 * 16 / 9
        return (
            2.4 + 4 + line_count([(question, True)], size, inner) * size * 1.2 + 0.6 * size
            + _chart_height(options, scale * 0.9, inner) + size * 0.85 * LINE * 2
        )  # fmt: skip

    def content_at(scale: float, width: float) -> float:
        """The slide's own content at this fit level, in a column this wide."""
        size = BODY * scale
        content = _body_height(body_html, scale, width)
        if question:
            text, choices, several = question
            content += line_count([(text, True)], size * 1.15, width) * size * 1.15 * 1.25
            content += 0.8 * size + _choices_height(choices, scale, width)
            if several:  # "Choose all that apply."
                content += 0.75 * size * LINE + 0.5 * size
        if answer:
            text, choices, explanation = answer
            content += line_count([(text, True)], size * 1.15, width) * size * 1.15 * 1.25
            content += 0.8 * size + _chart_height(choices, scale, width)
            if explanation:
                explained = line_count([(explanation, False)], size, width - 0.6 - 0.7 * size)
                content += explained * size * LINE + 0.6 * size
        if videos:
            small = size * 0.8
            content += line_count([(videos, False)], small, width) * small * LINE + 0.6 * size
        return content

    needed: list[float] = []
    for scale in FIT_SCALES:
        title_size = max(4.6, 7 * scale)
        head = (
            1.4
            + 4.2
            + line_count([(title, True)], title_size, STAGE_WIDTH - 2 * PAD_X) * (title_size * 1.12)
            + 2.4
        )
        foot = 1.4 + 1.8 + 2.3 * LINE + 0.2
        band_height = 0.0
        if band is not None:
            # Its kind, its words (if the slide doesn't show them) and its count, each a line.
            band_size = 3.1 * scale
            inner = STAGE_WIDTH - 2 * PAD_X - 4 * 16 / 9
            lines = 1 + (line_count([(band, True)], band_size, inner) + 1 if band else 0)
            band_height = min(30.0, 2.4 + lines * band_size * LINE + 0.4 * lines) + 1.6
        room = 100 - head - foot - band_height
        content = content_at(scale, width)
        if split:
            # Beside it, how to join or a poll's results (how to join then goes to the foot).
            content = max(content, _join_card_height(scale))
            if poll:
                beside_poll = content_at(scale, (STAGE_WIDTH - 2 * PAD_X - SPLIT_GAP) * SPLIT_POLL)
                content = max(content, beside_poll, poll_card(scale))
        needed.append(content * SAFETY / room if room > 0 else math.inf)
    level = next((i for i, share in enumerate(needed) if share <= 1), len(FIT_SCALES))
    return SlideFit(
        number=number,
        title=title,
        room=needed[-1],
        level=level,
    )


def slide_fit(deck, slide, context=None) -> SlideFit:
    """The slide in the fullest layout a run can give it."""
    from slides.rendering import slide_view

    view = slide_view(deck, slide, context)
    question = answer = None
    if view.question:
        question = (
            view.question.text,
            [choice.text for choice in view.question.choices],
            view.question.multiple,
        )
    # Once revealed, a quiz question's results take the place of its choices on both its
    # slides: a chart of every choice and the explanation.
    revealed = view.answer or view.question
    if revealed:
        answer = (
            revealed.text,
            [choice.text for choice in revealed.choices],
            revealed.explanation,
        )
    videos = ""
    if view.videos:
        videos = "Videos: " + " · ".join(video.title for video in view.videos)
        videos += " at " + ", ".join(view.video_addresses)
    band = None
    if slide.prompt:
        band = slide.prompt.text
    elif slide.poll:
        band = slide.poll.question
    elif view.question:
        band = ""
    # The team can show how to join beside any slide, and a poll's results go beside it: the
    # fullest layout is a column beside the slide with its open activity named below.
    fields = {
        "number": slide.number, "title": view.title, "body_html": str(view.body_html),
        "videos": videos, "band": band, "split": True,
        "poll": (slide.poll.question, slide.poll.options) if slide.poll else None,
    }  # fmt: skip
    forms = [measure(**fields, answer=answer)]
    if question:
        forms.append(measure(**fields, question=question))
    return max(forms, key=lambda fit: (fit.room, fit.level))


def deck_problems(deck, context=None) -> list[SlideFit]:
    """The deck's slides that can't fit their stage even at the smallest body size."""
    return [fit for slide in deck.slides if not (fit := slide_fit(deck, slide, context)).fits]


def describe(fit: SlideFit) -> str:
    return (
        f"slide {fit.number} ({fit.title}) is too full for the shared screen: at the smallest "
        f"text size (3% of the screen's height) it needs about {round(100 * fit.room)}% of the "
        "room there is. Shorten it, or split it into two slides."
    )
