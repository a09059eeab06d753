"""Everything that changes a run's participants: joining, naming themselves, leaving with
their data, and the waiting room (admitting, turning away, removing)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sessions.domain import hotsql, selectors
from sessions.domain.guards import lock_run, require_open
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.wordclouds import hidden_words_prune
from sessions.live import activity, broadcast
from sessions.live.broadcast import WAITING
from sessions.live.roster import roster_changed
from sessions.models import AudienceQuestion, Participant, ParticipantStatus, Run


@transaction.atomic
def participant_join(
    *, run: Run, display_name: str = "", show_name: bool = False, token: str | None = None
) -> Participant:
    """A new participant: waiting if the run has a waiting room, otherwise admitted.

    `token` comes from the join page, made in the browser (the page is cached for everyone,
    so the server can't hand out one per page): a second post of the same form, a double
    click, is the same person joining, and gets the participant the first one made. It is kept
    on the participant, not in the cache, because two posts may reach two worker processes.
    """
    # Only what a join needs, with the run's row locked so numbers don't collide (nor two
    # posts with one token).
    run = selectors.run_for_joining(run.pk)
    require_open(run)
    if token:
        joined = selectors.participant_by_join_token(run.pk, token)
        if joined is not None:
            return joined
    last = selectors.last_participant_number(run.pk)
    now = timezone.now()
    admitted = not run.waiting_room
    participant = hotsql.insert(
        Participant(
            run=run,
            number=last + 1,
            display_name=display_name.strip(),
            show_name=show_name and bool(display_name.strip()),
            status=ParticipantStatus.ADMITTED if admitted else ParticipantStatus.WAITING,
            admitted_at=now if admitted else None,
            join_token=token or "",
        )
    )
    roster_changed(run.pk)
    return participant


@transaction.atomic
def participant_update(
    *, participant: Participant, display_name: str, show_name: bool
) -> Participant:
    """A participant changes how they are named; takes effect on every screen.

    The quiz scoreboard names people, so someone who stops showing their name leaves it (as
    only the named may join it); the board, hands, questions, chat and responses follow at
    once on every screen.
    """
    # As it is now, not as this copy was read: they may have joined the board since.
    was_on_scoreboard = (
        Participant.objects.select_for_update()
        .filter(pk=participant.pk)
        .values_list("on_scoreboard", flat=True)
        .get()
    )
    participant.display_name = display_name.strip()
    participant.show_name = show_name and bool(participant.display_name)
    participant.on_scoreboard = was_on_scoreboard and participant.named_on_screens
    participant.save(update_fields=["display_name", "show_name", "on_scoreboard"])
    # Their name is on more than the roster where they took part: raised hands, questions,
    # chat lines, responses (and the scoreboard). Only those lists are sent again: a rename
    # must not re-send the whole chat to a thousand phones when they never wrote in it.
    named_in = {
        activity.HANDS: participant.hand_raised_at is not None,
        activity.QUESTIONS: participant.questions.exists(),
        activity.CHAT: participant.chat_messages.exists(),
        activity.RESPONSES: was_on_scoreboard or participant.responses.exists(),
    }
    for area, named in named_in.items():
        if named:
            activity.changed(participant.run_id, area)
    activity.changed_for(participant.run_id, participant.pk)  # their scoreboard button
    roster_changed(participant.run_id)
    return participant


@transaction.atomic
def participant_leave(*, participant: Participant) -> None:
    """The participant leaves and their personal data goes: name, choices, answers, responses,
    chat lines, questions, votes, and a breakout group summary they were the last to write
    (emptied and taken off the projector). Only a numbered, empty row stays, so others'
    numbers hold. Someone the host removed or turned away stays so (their data goes all the
    same): deleting it is not a way back in."""
    summaries = participant.breakout_summaries.update(
        summary="", summary_shown=False, summary_by=None
    )
    participant.responses.all().delete()
    hidden_words_prune(participant.run)
    participant.chat_messages.all().delete()
    if participant.questions.filter(on_screen=True).exists():
        activity.changed(participant.run_id, activity.SCREEN)  # it leaves the room's screen too
    participant.questions.all().delete()
    for question in participant.upvoted.all():
        question.voters.remove(participant)
        AudienceQuestion.objects.filter(pk=question.pk).update(votes=question.voters.count())
    participant.breakout_groups.clear()
    participant.display_name = ""
    participant.show_name = False
    participant.on_scoreboard = False
    participant.hand_raised_at = None
    participant.join_token = ""
    if not participant.refused:
        participant.status = ParticipantStatus.LEFT
    participant.save(
        update_fields=[
            "display_name", "show_name", "on_scoreboard", "hand_raised_at", "join_token", "status"
        ]
    )  # fmt: skip
    for area in (activity.RESPONSES, activity.CHAT, activity.HANDS, activity.QUESTIONS):
        activity.changed(participant.run_id, area)
    if summaries:
        activity.changed(participant.run_id, activity.BREAKOUTS)  # their group's boards too
    broadcast.send_to_group(
        broadcast.participant_group_name(participant.run_id, participant.pk),
        {"type": "participant.gone", "reason": "left"},
    )
    roster_changed(participant.run_id)


def admit(run: Run, participants) -> list[int]:
    ids = list(participants.values_list("pk", flat=True))
    if ids:
        Participant.objects.filter(pk__in=ids).update(
            status=ParticipantStatus.ADMITTED, admitted_at=timezone.now()
        )
        # One message to the waiting room names everyone admitted: no per-person sends.
        broadcast.send_to_group(
            broadcast.run_group_name(run.pk, WAITING),
            {"type": "participants.admitted", "ids": ids},
        )
        roster_changed(run.pk)
    return ids


@transaction.atomic
def participant_admit(*, run: Run, actor: Actor, participant_id: int) -> Participant:
    check("participant.admit", actor)
    run = lock_run(run)
    require_open(run)
    participant = _participant(run, participant_id)
    if participant.status != ParticipantStatus.WAITING:
        raise ActionError(f"{participant.team_label} is not in the waiting room.")
    admit(run, Participant.objects.filter(pk=participant.pk))
    participant.refresh_from_db()
    return participant


@transaction.atomic
def participant_admit_all(*, run: Run, actor: Actor) -> int:
    check("participant.admit_all", actor)
    run = lock_run(run)
    require_open(run)
    return len(admit(run, run.participants.filter(status=ParticipantStatus.WAITING)))


@transaction.atomic
def participant_remove(*, run: Run, actor: Actor, participant_id: int) -> Participant:
    check("participant.remove", actor)
    run = lock_run(run)
    participant = _participant(run, participant_id)
    if participant.gone:
        raise ActionError(f"{participant.team_label} has already gone.")
    _refuse(run, participant, ParticipantStatus.REMOVED)
    return participant


@transaction.atomic
def participant_deny(*, run: Run, actor: Actor, participant_id: int) -> Participant:
    """Turn away someone in the waiting room: they are told, and can't join again from that
    browser (as with someone removed)."""
    check("participant.deny", actor)
    run = lock_run(run)
    participant = _participant(run, participant_id)
    if participant.status != ParticipantStatus.WAITING:
        raise ActionError(f"{participant.team_label} is not in the waiting room.")
    _refuse(run, participant, ParticipantStatus.DENIED)
    return participant


def _refuse(run: Run, participant: Participant, status: str) -> None:
    participant.status = status
    participant.save(update_fields=["status"])
    broadcast.send_to_group(
        broadcast.participant_group_name(run.pk, participant.pk),
        {"type": "participant.gone", "reason": status},
    )
    roster_changed(run.pk)


def _participant(run: Run, participant_id) -> Participant:
    try:
        return run.participants.get(pk=int(participant_id))
    except (Participant.DoesNotExist, TypeError, ValueError):
        raise ActionError("No such participant in this run.") from None
