"""Everything that changes a run. Every way the agenda, the slides or the room can change is
here: views, the websocket consumer and commands call these functions and nothing else.

Each service checks the actor against the one permission table, changes the database in a
transaction (the run row locked), gives the run a new version and publishes the change to
each audience once, after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions import activity, broadcast, fragments, hotsql, interactions, selectors
from sessions.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.interactions import lock_run, require_open
from sessions.models import (
    AudienceQuestion,
    BreakoutGroup,
    JoinCard,
    Participant,
    ParticipantStatus,
    Presence,
    RoleInvite,
    Run,
    State,
    Status,
    TeamMember,
)
from sessions.permissions import ActionError, Actor, check
from sessions.roster import roster_changed
from slides.models import Deck, Role
from slides.selectors import deck_data

LIVE_AUDIENCES = (STAFF, PARTICIPANTS, SCREEN)


# --- helpers ---------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def publish_live(run: Run, event: str, audiences: tuple[str, ...] = LIVE_AUDIENCES) -> None:
    """Save the run with a new version; after commit, push its state to each audience."""
    claimed = broadcast.claim_versions(run, audiences)
    run.save()
    broadcast.publish(run.pk, event, claimed, lambda audience: fragments.render_live(run, audience))


def _bank_time(run: Run, now: datetime) -> None:
    """Move the running stretch into the current segment's accumulated seconds."""
    actuals = list(run.actuals) + [0.0] * (len(run.segments) - len(run.actuals))
    if run.running_since is not None:
        actuals[run.segment_index] += max(0.0, (now - run.running_since).total_seconds())
        run.running_since = now
    run.actuals = actuals


def _show_slide(run: Run, number: int) -> None:
    """Make `number` the live slide. What the team put on the shared screen for the slide
    before (a question from the room, the scoreboard) comes off: the room sees the new slide."""
    previous = run.slide_number
    run.slide_number = number
    run.max_slide_shown = max(run.max_slide_shown, number)
    if number != previous:
        run.scoreboard_shown = False
        if run.questions.filter(on_screen=True).update(on_screen=False):
            activity.changed(run.pk, activity.QUESTIONS)  # the team's list says it's off
    interactions.follow_slide(run, previous)


def _set_segment(run: Run, index: int, now: datetime, *, slide: int | None = None) -> None:
    """Move the agenda to segment `index`; breakout summaries come off the shared screen."""
    _bank_time(run, now)
    if index != run.segment_index:
        BreakoutGroup.objects.filter(breakout__run=run, summary_shown=True).update(
            summary_shown=False
        )
    run.segment_index = index
    segment = run.segments[index]
    if slide is not None:
        _show_slide(run, slide)
    elif not segment.covers(run.slide_number):
        _show_slide(run, segment.first_slide)


def _team_changed(run: Run, user_id: int) -> None:
    """A member's roles changed: their open sockets re-read them; the roster is re-sent."""
    for audience in (STAFF, SCREEN):
        broadcast.send_to_group(
            broadcast.run_group_name(run.pk, audience), {"type": "team.changed", "user_id": user_id}
        )
    roster_changed(run.pk)


# --- creating and setting up a run -----------------------------------------------------------


RUN_SETTINGS = (
    "title",
    "scheduled_at",
    "agency_name",
    "agency_initiatives",
    "mode",
    "platform",
    "plan",
    "waiting_room",
    "chat_enabled",
    "chat_to_everyone",
    "poll_results_visible",
    "quiz_scoreboard",
    "takes_notes",
    "takes_photos",
    "takes_recordings",
    "recordings_audience",
    "retention_days",
)


@transaction.atomic
def run_create(
    *, deck: Deck, facilitator, title: str, scheduled_at: datetime, token: str = "", **settings
) -> Run:
    """A new run of `deck`, owned by `facilitator`, with the deck frozen as it is now.

    `token` comes from the new-run form (made in the browser): the same form posted twice
    gets the run the first post made.
    """
    unknown = set(settings) - set(RUN_SETTINGS)
    if unknown:
        raise TypeError(f"Unknown run settings: {', '.join(sorted(unknown))}")
    if token:
        made = Run.objects.filter(facilitator=facilitator, creation_token=token).first()
        if made is not None:
            return made
    data = deck_data(deck)
    try:
        with transaction.atomic():
            run = Run.objects.create(
                deck=deck,
                deck_snapshot=data.to_dict(),
                title=title,
                scheduled_at=scheduled_at,
                facilitator=facilitator,
                actuals=[0.0] * len(data.segments),
                creation_token=token,
                **settings,
            )
    except IntegrityError:
        if not token:
            raise
        # The other post of the pair got there first (both looked before either wrote).
        return Run.objects.get(facilitator=facilitator, creation_token=token)
    TeamMember.objects.create(run=run, user=facilitator, role=Role.FACILITATOR)
    interactions.sync_deck_interactions(run)
    return run


@transaction.atomic
def run_update(*, run: Run, actor: Actor, **changes) -> Run:
    """Change a run's settings. The plan and agency details reach every screen at once."""
    check("run.edit", actor)
    unknown = set(changes) - set(RUN_SETTINGS)
    if unknown:
        raise TypeError(f"Unknown run settings: {', '.join(sorted(unknown))}")
    run = lock_run(run)
    require_open(run)
    waiting_room_was_on = run.waiting_room
    for name, value in changes.items():
        setattr(run, name, value)
    if waiting_room_was_on and not run.waiting_room:
        _admit(run, run.participants.filter(status=ParticipantStatus.WAITING))
    publish_live(run, "run.updated")
    return run


@transaction.atomic
def team_add(
    *, run: Run, actor: Actor, user, role: str, segments: Iterable[str] = ()
) -> TeamMember:
    check("team.manage", actor)
    if role not in Role.values:
        raise ActionError(f"Unknown role '{role}'.")
    keys = {segment.key for segment in run.segments}
    wanted = [key for key in segments if key in keys] if role == Role.PRESENTER else []
    member, _ = TeamMember.objects.update_or_create(
        run=run, user=user, role=role, defaults={"segments": wanted}
    )
    _team_changed(run, user.pk)
    return member


@transaction.atomic
def team_remove(*, run: Run, actor: Actor, member: TeamMember) -> None:
    check("team.manage", actor)
    if member.run_id != run.pk:
        raise ActionError("That person is not on this run's team.")
    if member.role == Role.FACILITATOR and member.user_id == run.facilitator_id:
        raise ActionError("The run's facilitator keeps the facilitator role.")
    member.delete()
    _team_changed(run, member.user_id)


def invite_create(*, run: Run, actor: Actor, role: str) -> RoleInvite:
    check("team.manage", actor)
    if role not in Role.values:
        raise ActionError(f"Unknown role '{role}'.")
    return RoleInvite.objects.create(run=run, role=role, created_by_id=actor.user_id)


def invite_revoke(*, run: Run, actor: Actor, invite: RoleInvite) -> None:
    check("team.manage", actor)
    if invite.run_id != run.pk:
        raise ActionError("That invite belongs to another run.")
    RoleInvite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(revoked_at=_now())


@transaction.atomic
def invite_accept(*, invite: RoleInvite, user) -> TeamMember:
    """Grant the invite's role to the logged-in user (no change if they already hold it)."""
    invite = (
        RoleInvite.objects.select_for_update()
        .select_related("run")
        .defer("run__deck_snapshot")
        .get(pk=invite.pk)
    )
    if not invite.is_active:
        raise ActionError("This invite link is no longer valid: ask the facilitator for a new one.")
    member, created = TeamMember.objects.get_or_create(run=invite.run, user=user, role=invite.role)
    if created:
        RoleInvite.objects.filter(pk=invite.pk).update(uses=invite.uses + 1)
        _team_changed(invite.run, user.pk)
    return member


# --- participants ------------------------------------------------------------------------------


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
    now = _now()
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


def _admit(run: Run, participants) -> list[int]:
    ids = list(participants.values_list("pk", flat=True))
    if ids:
        Participant.objects.filter(pk__in=ids).update(
            status=ParticipantStatus.ADMITTED, admitted_at=_now()
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
    _admit(run, Participant.objects.filter(pk=participant.pk))
    participant.refresh_from_db()
    return participant


@transaction.atomic
def participant_admit_all(*, run: Run, actor: Actor) -> int:
    check("participant.admit_all", actor)
    run = lock_run(run)
    require_open(run)
    return len(_admit(run, run.participants.filter(status=ParticipantStatus.WAITING)))


@transaction.atomic
def participant_remove(*, run: Run, actor: Actor, participant_id: int) -> Participant:
    check("participant.remove", actor)
    run = lock_run(run)
    participant = _participant(run, participant_id)
    if participant.refused or participant.status == ParticipantStatus.LEFT:
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


# --- the agenda runner -------------------------------------------------------------------------


@transaction.atomic
def run_start(*, run: Run, actor: Actor) -> Run:
    """Start the clock on the current segment; the deck is frozen as it is now."""
    check("run.start", actor)
    run = lock_run(run)
    require_open(run)
    if run.status == Status.LIVE:
        raise ActionError("The workshop has already started.")
    now = _now()
    # From here on the run keeps the deck as it is now: later admin edits don't reach it.
    data = deck_data(run.deck)
    run.deck_snapshot = data.to_dict()
    run.deck_revision += 1
    run.segment_index = min(run.segment_index, len(data.segments) - 1)
    run.max_slide_shown = min(run.max_slide_shown, len(data.slides))
    interactions.sync_deck_interactions(run)
    first = min(run.slide_number, len(data.slides))
    run.slide_number = 0  # so the first slide's prompt or poll opens with the start
    _show_slide(run, first)
    run.status = Status.LIVE
    run.started_at = now
    run.running_since = now
    run.actuals = [0.0] * len(run.segments)
    publish_live(run, "run.started")
    return run


@transaction.atomic
def run_pause(*, run: Run, actor: Actor) -> Run:
    run = lock_run(run)
    check("run.pause", actor, run.current_segment)
    if run.status != Status.LIVE or run.running_since is None:
        raise ActionError("The clock is not running.")
    _bank_time(run, _now())
    run.running_since = None
    publish_live(run, "run.paused", (STAFF,))
    return run


@transaction.atomic
def run_resume(*, run: Run, actor: Actor) -> Run:
    run = lock_run(run)
    check("run.resume", actor, run.current_segment)
    if run.status != Status.LIVE or run.running_since is not None:
        raise ActionError("The clock is already running.")
    run.running_since = _now()
    publish_live(run, "run.resumed", (STAFF,))
    return run


@transaction.atomic
def run_end(*, run: Run, actor: Actor) -> Run:
    check("run.end", actor)
    run = lock_run(run)
    require_open(run)
    now = _now()
    _bank_time(run, now)
    run.running_since = None
    run.status = Status.ENDED
    run.ended_at = now
    RoleInvite.objects.filter(run=run, revoked_at__isnull=True).update(revoked_at=now)
    run.interactions.filter(state=State.OPEN).update(
        state=State.CLOSED, closes_at=None, closed_with_slide=False
    )
    publish_live(run, "run.ended", (STAFF, PARTICIPANTS, SCREEN, WAITING))
    return run


@transaction.atomic
def run_reopen(*, run: Run, actor: Actor) -> Run:
    """Resume a workshop ended by mistake (the same day): everyone's pages come back to the
    slides, invite links that ending revoked work again, and the clock waits to be resumed."""
    check("run.reopen", actor)
    run = lock_run(run)
    if run.status != Status.ENDED:
        raise ActionError("The workshop hasn't ended.")
    if selectors.reopen_until(run) is None:
        raise ActionError("A workshop can only be resumed on the day it ended.")
    RoleInvite.objects.filter(run=run, revoked_at=run.ended_at).update(revoked_at=None)
    run.status = Status.LIVE
    run.ended_at = None
    run.running_since = None
    publish_live(run, "run.reopened", (STAFF, PARTICIPANTS, SCREEN, WAITING))
    return run


@transaction.atomic
def segment_next(*, run: Run, actor: Actor) -> Run:
    run = lock_run(run)
    check("segment.next", actor, run.current_segment)
    require_open(run)
    if run.segment_index + 1 >= len(run.segments):
        raise ActionError("This is the last segment of the agenda.")
    _set_segment(run, run.segment_index + 1, _now())
    publish_live(run, "segment.changed")
    return run


@transaction.atomic
def segment_previous(*, run: Run, actor: Actor) -> Run:
    run = lock_run(run)
    check("segment.previous", actor, run.current_segment)
    require_open(run)
    if run.segment_index == 0:
        raise ActionError("This is the first segment of the agenda.")
    _set_segment(run, run.segment_index - 1, _now())
    publish_live(run, "segment.changed")
    return run


@transaction.atomic
def slide_next(*, run: Run, actor: Actor) -> Run:
    """Next slide. At the end of a segment's slides this hands over to the next segment."""
    run = lock_run(run)
    check("slide.next", actor, run.current_segment)
    require_open(run)
    segment = run.current_segment
    if run.slide_number < segment.last_slide:
        _show_slide(run, run.slide_number + 1)
        publish_live(run, "slide.changed")
    elif run.segment_index + 1 < len(run.segments):
        following = run.segments[run.segment_index + 1]
        _set_segment(
            run, run.segment_index + 1, _now(), slide=max(following.first_slide, run.slide_number)
        )
        publish_live(run, "segment.changed")
    else:
        raise ActionError("This is the last slide.")
    return run


@transaction.atomic
def slide_previous(*, run: Run, actor: Actor) -> Run:
    """Previous slide. At the start of a segment's slides this goes back a segment."""
    run = lock_run(run)
    check("slide.previous", actor, run.current_segment)
    require_open(run)
    segment = run.current_segment
    if run.slide_number > segment.first_slide:
        _show_slide(run, run.slide_number - 1)
        publish_live(run, "slide.changed")
    elif run.segment_index > 0:
        previous = run.segments[run.segment_index - 1]
        _set_segment(
            run, run.segment_index - 1, _now(), slide=min(previous.last_slide, run.slide_number)
        )
        publish_live(run, "segment.changed")
    else:
        raise ActionError("This is the first slide.")
    return run


@transaction.atomic
def slide_goto(*, run: Run, actor: Actor, number: int) -> Run:
    """Jump to any slide (facilitator); the agenda follows to a segment that covers it."""
    check("slide.goto", actor)
    run = lock_run(run)
    require_open(run)
    if not 1 <= number <= run.slide_count:
        raise ActionError(f"There is no slide {number}: the deck has {run.slide_count}.")
    segments = run.segments
    if not segments[run.segment_index].covers(number):
        covering = [i for i, s in enumerate(segments) if s.covers(number)]
        after = [i for i in covering if i > run.segment_index]
        _set_segment(run, (after or covering)[0], _now(), slide=number)
        event = "segment.changed"
    else:
        _show_slide(run, number)
        event = "slide.changed"
    publish_live(run, event)
    return run


@transaction.atomic
def run_show_join_card(*, run: Run, actor: Actor, shown: bool) -> Run:
    """Show how to join (QR code, address and code) on the shared screen, or hide it. It is
    shown by itself before the start and on the welcome slides until the team says otherwise."""
    run = lock_run(run)
    check("screen.join", actor, run.current_segment)
    require_open(run)
    run.join_card = JoinCard.SHOWN if shown else JoinCard.HIDDEN
    publish_live(run, "screen.join", (STAFF, SCREEN))
    return run


# --- who of the team is connected ------------------------------------------------------------


def presence_enter(*, run: Run, user_id: int, channel_name: str, view: str) -> None:
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"run": run, "user_id": user_id, "view": view, "seen_at": _now()},
    )
    roster_changed(run.pk)


def presence_seen(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(seen_at=_now())


def presence_leave(*, run: Run, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()
    roster_changed(run.pk)


# --- keeping data only as long as promised ---------------------------------------------------


@transaction.atomic
def runs_purge_expired(*, now: datetime | None = None) -> list[Run]:
    """Delete participants' data from runs whose retention period has passed.

    Participants (and with them their answers, responses, chat lines, questions and votes),
    the team's chat lines and breakout summaries go. The run, its agenda timings and the
    interactions' anonymous hand counts stay for the facilitator's records.
    """
    now = now or _now()
    purged = []
    for run in Run.objects.filter(
        status=Status.ENDED, ended_at__isnull=False, purged_at__isnull=True
    ):
        if run.purge_after <= now:
            run.participants.all().delete()
            run.chat_messages.all().delete()
            run.breakouts.all().delete()
            Run.objects.filter(pk=run.pk).update(purged_at=now)
            purged.append(run)
    return purged
