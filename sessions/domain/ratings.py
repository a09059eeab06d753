"""Rating scales: each person rates one or more statements on a scale (1 to 5 unless the
deck sets another range, with labelled ends); the room sees each statement's distribution
and mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.db import transaction

from sessions.domain.answers import answer_one
from sessions.domain.permissions import ActionError, Actor
from sessions.models import Interaction, Kind, Response, Run


def scale_check(low: int, high: int) -> None:
    """A scale the app can show: whole numbers from 0 to 10, low below high."""
    if not 0 <= low < high <= 10:
        raise ActionError("A scale runs from a lower to a higher whole number, 0 to 10.")


@dataclass(frozen=True)
class Rate:
    """One statement rated: sets that statement's rating (sending it again stores the same)."""

    run_id: int
    participant_id: int
    interaction_id: int
    statement: int
    rating: int

    kinds: ClassVar[tuple[str, ...]] = (Kind.RATING,)
    refusal: ClassVar[str] = "That one isn't a rating scale."
    echoed: ClassVar[tuple[str, ...]] = ("statement",)  # repeated in its acknowledgement

    def apply(self, item: Interaction, response: Response) -> None:
        if not 0 <= self.statement < len(item.options):
            raise ActionError("No such statement.")
        if not item.scale_low <= self.rating <= item.scale_high:
            raise ActionError(f"Rate it from {item.scale_low} to {item.scale_high}.")
        ratings = item.ratings_in(response.choices)
        ratings[self.statement] = self.rating
        response.choices = ratings


@transaction.atomic
def answer_rate(*, run: Run, actor: Actor, interaction: int, statement: int, rating: int):
    """Rate one statement of a rating scale (sockets go through the batcher)."""
    return answer_one(
        actor, "answer.rate", Rate(run.pk, actor.participant_id, interaction, statement, rating)
    )
