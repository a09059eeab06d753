"""Reactions: a participant sends one of five (👍 ❤️ 😂 😮 👏) at any time the run allows it;
the shared screen shows them briefly, the team sees the current slide's counts, the report
a table of them per slide.

Only counts are kept (a Reaction row per run, slide and emoji), never who sent one. A room
reacting at once is one storm of tiny writes: sockets go through the batcher in
sessions/live/reactions.py, which hands `reactions_record` many sends at once, written as one
increment per emoji per slide; the screen's push is coalesced there too.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from sessions.domain import ratelimit
from sessions.domain.permissions import ActionError, Actor, check
from sessions.models import Participant, ParticipantStatus, Reaction, Run, Status

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


class RateLimited(ActionError):
    """Sent faster than a person may: `retry_after` seconds until the next is taken."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        unit = "second" if retry_after == 1 else "seconds"
        super().__init__(
            f"That's a lot of reactions at once: you can send another in {retry_after} {unit}."
        )


def emoji_from(value: object) -> str:
    """The reaction a payload names, or ValueError (an unknown emoji is refused)."""
    if not isinstance(value, str):
        raise ValueError
    value = ALIASES.get(value, value)
    if value not in Emoji.values:
        raise ValueError
    return value


def _rate_check(run_id: int, participant_id: int) -> None:
    """Count one send against the person's limit (in the shared cache, so every socket and
    every process counts together); RateLimited once they are over it."""
    window = settings.REACTION_RATE_WINDOW
    if not ratelimit.allow(
        "reaction", f"{run_id}:{participant_id}", limit=settings.REACTION_RATE_LIMIT, window=window
    ):
        raise RateLimited(max(1, math.ceil(window - time.time() % window)))


def _refusal(run: Run | None, person: Participant | None, run_id: int) -> ActionError | None:
    if person is None or person.run_id != run_id or person.status != ParticipantStatus.ADMITTED:
        return ActionError("Only participants in the workshop can do that.")
    if run is None:
        return ActionError("Only participants in the workshop can do that.")
    if not run.reactions_enabled:
        return ActionError("Reactions are off for this workshop.")
    if run.status == Status.ENDED:
        return ActionError("This workshop has ended.")
    if run.status != Status.LIVE:
        return ActionError("Reactions open when the workshop starts.")
    if person.muted:
        return ActionError("The team has muted you, so you can't send reactions for now.")
    return None


@transaction.atomic
def reactions_record(sends: list[tuple[int, int, str]]) -> list[Exception | None]:
    """Count many reactions (run, participant, emoji) in one transaction, each on its run's
    current slide: one increment per run, slide and emoji, whatever the number sent.

    Returns, for each, None (counted) or the ActionError saying why not. Callers have checked
    each actor may send reactions and that each emoji is one of the five.
    """
    run_ids = {run_id for run_id, _, _ in sends}
    runs = {
        run.pk: run
        for run in Run.objects.filter(pk__in=run_ids).only(
            "pk", "status", "reactions_enabled", "slide_number"
        )
    }
    people = {
        person.pk: person
        for person in Participant.objects.filter(pk__in={p for _, p, _ in sends}).only(
            "pk", "run_id", "status", "muted"
        )
    }
    counts: Counter[tuple[int, int, str]] = Counter()
    results: list[Exception | None] = []
    for run_id, participant_id, emoji in sends:
        run = runs.get(run_id)
        refusal = _refusal(run, people.get(participant_id), run_id)
        if refusal is None:
            try:
                _rate_check(run_id, participant_id)
            except RateLimited as exc:
                refusal = exc
        if refusal is not None:
            results.append(refusal)
            continue
        counts[(run_id, run.slide_number, emoji)] += 1
        results.append(None)
    for (run_id, slide_number, emoji), number in counts.items():
        _increment(run_id, slide_number, emoji, number)
    if counts:
        from sessions.live import reactions as live  # live renders with this module's reads

        sent: dict[int, Counter[str]] = {}
        for (run_id, _, emoji), number in counts.items():
            sent.setdefault(run_id, Counter())[emoji] += number
        transaction.on_commit(lambda: [live.sent(run_id, n) for run_id, n in sent.items()])
    return results


def _increment(run_id: int, slide_number: int, emoji: str, number: int) -> None:
    """Add to one count in the database (F(): another process adding at once isn't lost)."""
    rows = Reaction.objects.filter(run_id=run_id, slide_number=slide_number, emoji=emoji)
    if rows.update(count=F("count") + number):
        return
    try:
        with transaction.atomic():
            Reaction.objects.create(
                run_id=run_id, slide_number=slide_number, emoji=emoji, count=number
            )
    except IntegrityError:  # made by another process a moment ago
        rows.update(count=F("count") + number)


def reaction_send(*, run: Run, actor: Actor, emoji: str) -> None:
    """Send one reaction on the slide that is live now: counted, never recorded against the
    person. Refused when the run has reactions off, hasn't started or has ended, when the
    person isn't in the room or is muted, and past their rate limit (RateLimited).
    (Sockets go through reaction_send_batched, which counts many sends at once.)"""
    check("reaction.send", actor)
    (result,) = reactions_record([(run.pk, actor.participant_id or 0, emoji_from(emoji))])
    if result is not None:
        raise result


async def reaction_send_batched(*, run: Run, actor: Actor, emoji: str, batcher) -> None:
    """reaction_send for a socket: the same check, then counted together with other sends by
    `batcher` (sessions.live.reactions, which calls reactions_record); returns once committed."""
    check("reaction.send", actor)
    await batcher.submit(run_id=run.pk, participant_id=actor.participant_id, emoji=emoji)


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


def reactions_total(run: Run) -> int:
    return Reaction.objects.filter(run=run).aggregate(n=Sum("count"))["n"] or 0
