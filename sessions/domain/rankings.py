"""Rankings: each person puts a list of items in order on their phone; the room sees the
combined order, a Borda count (borda.py), once the team shows the results."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sessions.domain.answers import answering, current_group
from sessions.domain.borda import is_order
from sessions.domain.permissions import ActionError, Actor, check
from sessions.live import activity
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


@transaction.atomic
def answer_rank(*, run: Run, actor: Actor, interaction: int, order: list[int]) -> Response:
    """Send one's order of a ranking's items. It replaces the person's earlier order, so
    sending again (to change it, or after a reconnect) never counts anyone twice."""
    check("answer.rank", actor)
    refusal = "That one isn't a ranking."
    participant, item = answering(actor, run, interaction, Kind.RANKING, refusal)
    cleaned = order_clean(item, order)
    response, _ = Response.objects.get_or_create(interaction=item, participant=participant)
    response.choices = cleaned
    response.breakout_group = current_group(participant)
    response.save(update_fields=["choices", "breakout_group", "updated_at"])
    activity.changed(run.pk, activity.RESPONSES)
    activity.changed_for(run.pk, participant.pk)
    return response
