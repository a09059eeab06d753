"""Markdown to safe HTML, and a slide made ready for a template.

Content and admin input are Markdown. Raw HTML in it is never passed through: markdown-it
escapes it, and nh3 then keeps only the tags and attributes Markdown itself produces, with
http(s) and mailto links only. Whatever an admin types, no script or event handler survives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from slides.content import DeckData, QuestionData, SlideData, VideoData

ALLOWED_TAGS = {
    "a", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
    "h2", "h3", "h4", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}

AGENCY_PLACEHOLDER = "[Agency name]"
INITIATIVES_PLACEHOLDER = "Example initiatives are added for each run."

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
_INITIATIVES_PARAGRAPH = re.compile(r"<p>\s*\{initiatives\}\s*</p>")


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> SafeString:
    """Markdown -> sanitised HTML. Cached: the same text renders once per process."""
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        # A link on a slide opens beside the live page, not in its place.
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def _bare(url: str) -> str:
    """An address as people read it aloud: no scheme, no trailing slash."""
    return re.sub(r"^https?://", "", url.strip()).rstrip("/")


@dataclass(frozen=True)
class RunContext:
    """What a run fills into a deck's tokens. The default is the deck preview's placeholders."""

    agency: str = ""
    initiatives: tuple[str, ...] = ()

    def fill_text(self, text: str) -> str:
        return text.replace("{agency}", self.agency or AGENCY_PLACEHOLDER)

    def fill_html(self, html: str) -> SafeString:
        if self.initiatives:
            items = "".join(f"<li>{escape(item)}</li>" for item in self.initiatives)
            initiatives = f'<ul class="initiatives">{items}</ul>'
        else:
            initiatives = f'<p class="placeholder">{escape(INITIATIVES_PLACEHOLDER)}</p>'
        html = _INITIATIVES_PARAGRAPH.sub(lambda _: initiatives, html)
        html = html.replace("{initiatives}", escape(", ".join(self.initiatives)))
        return mark_safe(html.replace("{agency}", escape(self.agency or AGENCY_PLACEHOLDER)))


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def letter(index: int) -> str:
    """How a choice is named aloud and on every screen: A, B, C..."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


@dataclass
class ChoiceView:
    index: int
    text: str
    correct: bool

    @property
    def letter(self) -> str:
        return letter(self.index)


@dataclass
class QuestionView:
    key: str
    text: str
    multiple: bool
    explanation: str
    choices: list[ChoiceView]

    @classmethod
    def from_data(cls, question: QuestionData) -> QuestionView:
        return cls(
            key=question.key,
            text=question.text,
            multiple=question.multiple,
            explanation=question.explanation,
            choices=[
                ChoiceView(index=i, text=choice.text, correct=choice.correct)
                for i, choice in enumerate(question.choices)
            ],
        )

    @property
    def correct_choices(self) -> list[ChoiceView]:
        return [choice for choice in self.choices if choice.correct]


@dataclass
class SlideView:
    """One slide, filled in and rendered, as the slide templates show it."""

    number: int
    count: int
    title: str
    body_html: SafeString
    notes_html: SafeString
    videos: list[VideoData] = field(default_factory=list)
    question: QuestionView | None = None
    answer: QuestionView | None = None

    @property
    def video_addresses(self) -> list[str]:
        """Where the slide's videos are, each address once and without its scheme: the shared
        screen names them as text (a link there would only help whoever holds the mouse)."""
        seen: list[str] = []
        for video in self.videos:
            address = _bare(video.url or video.page)
            if address and address not in seen:
                seen.append(address)
        return seen

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def slide_view(deck: DeckData, slide: SlideData, context: RunContext | None = None) -> SlideView:
    context = context or RunContext()
    asked = deck.question_asked_on(slide.number)
    answered = deck.question_answered_on(slide.number)
    return SlideView(
        number=slide.number,
        count=len(deck.slides),
        title=context.fill_text(slide.title),
        body_html=context.fill_html(render_markdown(slide.body)),
        notes_html=context.fill_html(render_markdown(slide.notes)),
        videos=slide.videos,
        question=QuestionView.from_data(asked) if asked else None,
        answer=QuestionView.from_data(answered) if answered else None,
    )
