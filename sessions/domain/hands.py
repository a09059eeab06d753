"""Raised hands: a participant raises or lowers theirs, the team lowers them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sessions.domain.guards import participant_in_room, require_open
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.ratelimit import allow
from sessions.live import activity
from sessions.models import Participant, Run

HAND_CHANGES = 6  # raising or lowering one's hand, per HAND_WINDOW seconds, per person
HAND_WINDOW = 30


@transaction.atomic
def hand_raise(*, run: Run, actor: Actor, raised: bool) -> None:
    check("hand.raise", actor)
    participant = participant_in_room(actor)
    require_open(participant.run)
    if raised == (participant.hand_raised_at is not None):
        # Already so (a double tap, or the message sent twice): nothing new for the team; the
        # person's own page is brought up to date in case it showed otherwise.
        activity.changed_for(run.pk, participant.pk)
        return
    # Each change is a push to the team: a hand waved up and down is held back.
    if not allow(f"hand:{run.pk}", str(participant.pk), limit=HAND_CHANGES, window=HAND_WINDOW):
        raise ActionError(
            "You've raised and lowered your hand several times in a few seconds: wait a "
            "moment, then try again."
        )
    participant.hand_raised_at = timezone.now() if raised else None
    participant.save(update_fields=["hand_raised_at"])
    activity.changed_for(run.pk, participant.pk)
    activity.changed(run.pk, activity.HANDS)


@transaction.atomic
def hand_lower(*, run: Run, actor: Actor, participant: int | None = None) -> int:
    """The team lowers one person's hand, or everyone's."""
    check("hand.lower", actor)
    people = run.participants.filter(hand_raised_at__isnull=False)
    if participant is not None:
        people = people.filter(pk=participant)
    ids = list(people.values_list("pk", flat=True))
    Participant.objects.filter(pk__in=ids).update(hand_raised_at=None)
    for person in ids:
        activity.changed_for(run.pk, person)
    activity.changed(run.pk, activity.HANDS)
    return len(ids)
