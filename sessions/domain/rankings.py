"""Rankings: each person puts a list of items in order on their phone; the room sees the
combined order, a Borda count (borda.py), once the team shows the results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import transaction

from sessions.domain.answers import answer_one
from sessions.domain.borda import is_order
from sessions.domain.permissions import ActionError, Actor
from sessions.models import Interaction, Kind, Response, Run
from slides.content import RANKING_ITEM_MAX, RANKING_ITEMS


def ranking_items_check(items: list[str]) -> None:
    """A ranking's items follow the content format's rule: 2 to 10, each different."""
    fewest, most = RANKING_ITEMS
    if not fewest <= len(items) <= most:
        raise ActionError(f"A ranking needs {fewest} to {most} items, one per line.")
    if any(len(entry) > RANKING_ITEM_MAX for entry in items):
        raise ActionError(f"Keep each item to {RANKING_ITEM_MAX} characters.")
    if len({entry.casefold() for entry in items}) < len(items):
        raise ActionError("Each item must be different: one is there twice.")


def order_clean(item: Interaction, order: list[Any]) -> list[int]:
    """The order someone sent, as it may be stored: every item's index once, the top first.
    ActionError, saying what is wrong, for anything else: nothing is stored."""
    count = len(item.options)
    if is_order(order, count):
        return list(order)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
        raise ActionError("That order names something that isn't one of the items.")
    unknown = [i for i in order if not 0 <= i < count]
    if unknown:
        raise ActionError("That order names an item this ranking doesn't have.")
    if len(set(order)) < len(order):
        raise ActionError("That order has an item twice: put each item in once.")
    raise ActionError(f"Put all {count} items in order before sending: {len(order)} came.")


@dataclass(frozen=True)
class Rank:
    """One person's order of a ranking's items: it replaces their earlier order, so sending
    again (to change it, or after a reconnect) never counts anyone twice."""

    run_id: int
    participant_id: int
    interaction_id: int
    order: tuple

    kinds: ClassVar[tuple[str, ...]] = (Kind.RANKING,)
    refusal: ClassVar[str] = "That one isn't a ranking."
    echoed: ClassVar[tuple[str, ...]] = ()  # repeated in its acknowledgement

    def apply(self, item: Interaction, response: Response) -> None:
        response.choices = order_clean(item, list(self.order))


@transaction.atomic
def answer_rank(*, run: Run, actor: Actor, interaction: int, order: list[int]) -> Response:
    """Send one's order of a ranking's items (sockets go through the batcher, which does the
    same for many answers at once)."""
    return answer_one(
        actor, "answer.rank", Rank(run.pk, actor.participant_id, interaction, tuple(order))
    )
