"""Reactions as the room sees them: the five on offer, and the counts per slide (each
audience's view, the report and the exports read them here)."""

from __future__ import annotations

from dataclasses import dataclass

from sessions.models import Reaction, Run

Emoji = Reaction.Emoji
# The heart arrives without its variation selector from some keyboards: the same reaction.
ALIASES = {"❤": Emoji.HEART.value}


@dataclass(frozen=True)
class Choice:
    """One of the reactions as the phone's bar offers it."""

    emoji: str
    label: str

    @property
    def slug(self) -> str:
        """An ASCII name for ids and classes."""
        return Emoji(self.emoji).name.lower().replace("_", "-")


CHOICES = tuple(Choice(value, label) for value, label in Emoji.choices)


def emoji_from(value: object) -> str:
    """The reaction a payload names, or ValueError (an unknown emoji is refused)."""
    if not isinstance(value, str):
        raise ValueError
    value = ALIASES.get(value, value)
    if value not in Emoji.values:
        raise ValueError
    return value


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    choice: Choice
    count: int


def slide_counts(run: Run, slide_number: int | None = None) -> list[Count]:
    """Each reaction's count on one slide (the live one unless given), in the bar's order."""
    number = run.slide_number if slide_number is None else slide_number
    found = dict(
        Reaction.objects.filter(run=run, slide_number=number).values_list("emoji", "count")
    )
    return [Count(choice, found.get(choice.emoji, 0)) for choice in CHOICES]


def reactions_context(run: Run) -> dict:
    """What the team's card and the shared screen show: the live slide's counts."""
    counts = slide_counts(run)
    return {"reaction_counts": counts, "reaction_total": sum(c.count for c in counts)}


@dataclass(frozen=True)
class SlideReactions:
    number: int
    title: str
    counts: list[int]  # in CHOICES' order

    @property
    def total(self) -> int:
        return sum(self.counts)


def reactions_by_slide(run: Run, titles: dict[int, str]) -> list[SlideReactions]:
    """Every slide that had a reaction, in order, with each reaction's count (the report's
    table and the exports)."""
    by_slide: dict[int, dict[str, int]] = {}
    for number, emoji, count in (
        Reaction.objects.filter(run=run, count__gt=0)
        .order_by("slide_number")
        .values_list("slide_number", "emoji", "count")
    ):
        by_slide.setdefault(number, {})[emoji] = count
    return [
        SlideReactions(number, titles.get(number, ""), [found.get(c.emoji, 0) for c in CHOICES])
        for number, found in sorted(by_slide.items())
    ]
