"""Breakout groups: splitting the room for a prompt, moving people, and each group's summary."""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from sessions.domain.answers import RESPONSE_MAX
from sessions.domain.guards import get_interaction, lock_run, require_open
from sessions.domain.interactions import open_interaction
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.selectors import agenda_for
from sessions.live import activity
from sessions.live.publish import publish_live
from sessions.models import (
    Breakout,
    BreakoutGroup,
    Kind,
    Participant,
    ParticipantStatus,
    Response,
    Run,
    State,
)

BREAKOUT_MIN_SECONDS = 5 * 60


def breakout_time_left(run: Run) -> float:
    """Seconds left in the current segment: breakouts fit only if there are enough."""
    return agenda_for(run).remaining


@transaction.atomic
def breakout_start(
    *, run: Run, actor: Actor, interaction: int, groups: int, seed: int | None = None
) -> Breakout:
    """Split the admitted participants at random into `groups` groups for a prompt."""
    run = lock_run(run)
    check("breakout.start", actor)
    require_open(run)
    item = get_interaction(run, interaction)
    if item.kind != Kind.PROMPT:
        raise ActionError("Breakout groups discuss a share-out prompt.")
    if run.breakouts.filter(ended_at__isnull=True).exists():
        raise ActionError("Breakout groups are already running: end them first.")
    if breakout_time_left(run) < BREAKOUT_MIN_SECONDS:
        raise ActionError(
            "There isn't enough time left in this segment for breakout groups (they need 5 "
            "minutes): move on, or go back to a segment with time to spare."
        )
    people = list(run.participants.filter(status=ParticipantStatus.ADMITTED).order_by("number"))
    if len(people) < 2 or not 2 <= groups <= len(people):
        raise ActionError(
            f"Choose between 2 and {max(2, len(people))} groups for {len(people)} people "
            "(breakout groups need at least 2 people in the room)."
        )
    random.Random(seed).shuffle(people)
    breakout = Breakout.objects.create(run=run, interaction=item)
    made = BreakoutGroup.objects.bulk_create(
        BreakoutGroup(breakout=breakout, number=n + 1) for n in range(groups)
    )
    Member = BreakoutGroup.members.through
    Member.objects.bulk_create(
        Member(breakoutgroup_id=made[index % groups].pk, participant_id=person.pk)
        for index, person in enumerate(people)
    )
    for person in people:
        activity.changed_for(run.pk, person.pk)
    if item.state != State.OPEN:
        open_interaction(item, timezone.now())
    publish_live(run, "breakout.started")
    activity.changed(run.pk, activity.BREAKOUTS)
    return breakout


@transaction.atomic
def breakout_move(*, run: Run, actor: Actor, participant: int, group: int) -> None:
    """Move one person to another group, by hand."""
    check("breakout.start", actor)
    breakout = run.breakouts.filter(ended_at__isnull=True).first()
    if breakout is None:
        raise ActionError("No breakout groups are running.")
    target = breakout.groups.filter(number=group).first()
    person = run.participants.filter(pk=participant, status=ParticipantStatus.ADMITTED).first()
    if target is None or person is None:
        raise ActionError("No such group or participant.")
    for existing in breakout.groups.filter(members=person):
        existing.members.remove(person)
    target.members.add(person)
    # What they wrote moves with them, to their new group's board.
    Response.objects.filter(interaction=breakout.interaction, participant=person).update(
        breakout_group=target
    )
    activity.changed_for(run.pk, person.pk)
    activity.changed(run.pk, activity.BREAKOUTS)


@transaction.atomic
def breakout_end(*, run: Run, actor: Actor) -> None:
    run = lock_run(run)
    check("breakout.start", actor)
    breakout = run.breakouts.filter(ended_at__isnull=True).first()
    if breakout is None:
        raise ActionError("No breakout groups are running.")
    breakout.ended_at = timezone.now()
    breakout.save(update_fields=["ended_at"])
    breakout.groups.update(summary_shown=False)  # the room's screen goes back to the slides
    for member in Participant.objects.filter(breakout_groups__breakout=breakout):
        activity.changed_for(run.pk, member.pk)
    publish_live(run, "breakout.ended")


@transaction.atomic
def breakout_summary(*, run: Run, actor: Actor, group: int, text: str) -> BreakoutGroup:
    """A group's summary, written by one of its members or the team."""
    check("breakout.summary", actor)
    target = BreakoutGroup.objects.filter(
        breakout__run=run, breakout__ended_at__isnull=True, number=group
    ).first()
    if target is None:
        raise ActionError("No such group.")
    if actor.participant_id and not target.members.filter(pk=actor.participant_id).exists():
        raise ActionError("You can only write your own group's summary.")
    if len(text) > RESPONSE_MAX:
        raise ActionError(f"Keep it under {RESPONSE_MAX} characters.")
    target.summary = text.strip()
    target.summary_by_id = actor.participant_id
    target.summary_by_user_id = None if actor.participant_id else actor.user_id
    target.save(update_fields=["summary", "summary_by", "summary_by_user"])
    activity.changed(run.pk, activity.BREAKOUTS)
    return target


@transaction.atomic
def breakout_show(*, run: Run, actor: Actor, group: int, shown: bool) -> None:
    check("breakout.show", actor)
    updated = (
        BreakoutGroup.objects.filter(breakout__run=run, number=group)
        .filter(breakout=run.breakouts.order_by("-started_at").first())
        .update(summary_shown=shown)
    )
    if not updated:
        raise ActionError("No such group.")
    activity.changed(run.pk, activity.BREAKOUTS)
