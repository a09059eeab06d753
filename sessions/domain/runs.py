"""Everything that changes a run as a whole: creating it and its settings, the agenda runner
(start, pause, the slides and segments, ending and resuming) and keeping data only as long as
promised. Views, the websocket consumer and commands call these functions and nothing else.

Each service checks the actor against the one permission table, changes the database in a
transaction (the run row locked), gives the run a new version and publishes the change to
each audience once, after commit.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions.domain import interactions, selectors
from sessions.domain.guards import lock_run, require_open
from sessions.domain.participants import admit
from sessions.domain.permissions import ActionError, Actor, check
from sessions.live import activity
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.live.publish import publish_live
from sessions.models import (
    BreakoutGroup,
    JoinCard,
    ParticipantStatus,
    RoleInvite,
    Run,
    State,
    Status,
    TeamMember,
)
from slides.models import Deck, Role
from slides.selectors import deck_data

# --- helpers ---------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


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
    "qa_moderated",
    "qa_anonymous",
    "reactions_enabled",
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
        admit(run, run.participants.filter(status=ParticipantStatus.WAITING))
    publish_live(run, "run.updated")
    return run


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
def screen_join(*, run: Run, actor: Actor, shown: bool) -> Run:
    """Show how to join (QR code, address and code) on the shared screen, or hide it. It is
    shown by itself before the start and on the welcome slides until the team says otherwise."""
    run = lock_run(run)
    check("screen.join", actor, run.current_segment)
    require_open(run)
    run.join_card = JoinCard.SHOWN if shown else JoinCard.HIDDEN
    publish_live(run, "screen.join", (STAFF, SCREEN))
    return run


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
            run.interactions.update(hidden_words=[])  # words the team hid are people's words
            run.chat_messages.all().delete()
            run.breakouts.all().delete()
            Run.objects.filter(pk=run.pk).update(purged_at=now)
            purged.append(run)
    return purged
