"""Reactions: a participant sends one of five (👍 ❤️ 😂 😮 👏) at any time the run allows it;
the shared screen shows them briefly, the team sees the current slide's counts, the report
a table of them per slide.

Only counts are kept (a Reaction row per run, slide and emoji), never who sent one. A room
reacting at once is one storm of tiny writes: sockets go through the batcher in
sessions/live/reactions.py, which hands `reactions_record` many sends at once, written as one
increment per emoji per slide; the screen's push is coalesced in sessions/live/reactionpush.py.
What each audience reads of them is in reactioncounts.py.
"""

from __future__ import annotations

import math
import time
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from sessions.domain import ratelimit
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.reactioncounts import CHOICES, Emoji, emoji_from
from sessions.live import reactionpush
from sessions.models import Participant, ParticipantStatus, Reaction, Run, Status

__all__ = ["CHOICES", "Emoji", "RateLimited", "emoji_from", "reaction_send", "reactions_record"]


class RateLimited(ActionError):
    """Sent faster than a person may: `retry_after` seconds until the next is taken."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        unit = "second" if retry_after == 1 else "seconds"
        super().__init__(
            f"That's a lot of reactions at once: you can send another in {retry_after} {unit}."
        )


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
        sent: dict[int, Counter[str]] = {}
        for (run_id, _, emoji), number in counts.items():
            sent.setdefault(run_id, Counter())[emoji] += number
        transaction.on_commit(lambda: [reactionpush.sent(r, n) for r, n in sent.items()])
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
    await batcher.submit((run.pk, actor.participant_id, emoji))
