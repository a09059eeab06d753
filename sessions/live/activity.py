"""Coalesced pushes of the run's busy areas: answers and tallies, chat, hands, questions and
breakout boards.

A thousand answers in a second must not mean a thousand renders and a thousand pushes to a
thousand sockets. Services call `changed(run_id, area)`; at most every ACTIVITY_PUSH_DELAY
seconds the run's changed areas are rendered once per audience and pushed with one version.
Each participant's own state (their answers, hand, votes) goes to them alone, on their action.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from sessions.domain import selectors
from sessions.live import broadcast, fragments
from sessions.live.coalesce import Coalescer
from sessions.models import Participant, Run

RESPONSES = "responses"
CHAT = "chat"
HANDS = "hands"
QUESTIONS = "questions"
QUEUE = "queue"  # the moderation queue of the Q&A: the team's list only
BREAKOUTS = "breakouts"
SCREEN = "screen"  # what the shared screen shows (and the team's "On the shared screen")

_pending: dict[int, set[str]] = {}
_lock = threading.Lock()


def _join(parts: list[Callable[[Run], str]]) -> Callable[[Run], str]:
    return lambda run: "".join(part(run) for part in parts)


def activity_parts(run: Run, areas: set[str]) -> dict[str, Callable[[Run], str]]:
    """For each audience that must hear about the changed areas, how to render its push.

    Participants hear about answers only while some result is visible to them: a thousand
    quiz answers change nothing on their phones until the reveal.
    """
    parts: dict[str, list] = {broadcast.STAFF: [], broadcast.PARTICIPANTS: [], broadcast.SCREEN: []}
    if QUESTIONS in areas and run.questions.filter(on_screen=True).exists():
        areas = areas | {SCREEN}
    if areas & {RESPONSES, BREAKOUTS, SCREEN}:
        parts[broadcast.STAFF].append(fragments.activity_part(broadcast.STAFF))
        parts[broadcast.SCREEN].append(fragments.activity_part(broadcast.SCREEN))
    if areas & {RESPONSES, BREAKOUTS}:
        current = selectors.current_interactions(run)
        if run.scoreboard_shown or any(
            view.public_results or view.responses
            for view in (
                selectors.interaction_view(i, audience=broadcast.PARTICIPANTS) for i in current
            )
        ):
            parts[broadcast.PARTICIPANTS].append(fragments.activity_part(broadcast.PARTICIPANTS))
    if CHAT in areas:
        parts[broadcast.STAFF].append(fragments.chat_part(broadcast.STAFF))
        parts[broadcast.PARTICIPANTS].append(fragments.chat_part(broadcast.PARTICIPANTS))
    if HANDS in areas:
        parts[broadcast.STAFF].append(fragments.hands_part)
    if areas & {QUESTIONS, QUEUE}:
        parts[broadcast.STAFF].append(fragments.questions_part(broadcast.STAFF))
    if QUESTIONS in areas:
        parts[broadcast.PARTICIPANTS].append(fragments.questions_part(broadcast.PARTICIPANTS))
    return {audience: _join(found) for audience, found in parts.items() if found}


def push_group_boards(run: Run, areas: set[str]) -> None:
    """Each breakout group's board, to its members (one render per group)."""
    if BREAKOUTS not in areas:
        return
    breakout = run.breakouts.filter(ended_at__isnull=True).first()
    if breakout is None:
        return
    messages = []
    for group in breakout.groups.prefetch_related("members"):
        html = fragments.render("group_board", selectors.group_board_context(group))
        text = broadcast.envelope("group.board", html)
        messages += [
            (broadcast.participant_group_name(run.pk, member.pk), text)
            for member in group.members.all()
        ]
    broadcast.send_all_now(messages)


def _flush(run_id: int) -> None:
    with _lock:
        areas = _pending.pop(run_id, set())
    if not areas:
        return
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return
        parts = activity_parts(run, areas)
        claimed = broadcast.claim_versions(run, tuple(parts))
        Run.objects.filter(pk=run.pk).update(
            version=run.version, audience_versions=run.audience_versions
        )
        broadcast.publish(
            run.pk, "activity.changed", claimed, lambda audience: parts[audience](run)
        )
    push_group_boards(run, areas)


_activity = Coalescer("activity", _flush, delay=lambda: settings.ACTIVITY_PUSH_DELAY)


def changed(run_id: int, area: str) -> None:
    """Ask for `area` of the run to be re-sent to its audiences once this transaction commits."""

    def mark() -> None:
        with _lock:
            _pending.setdefault(run_id, set()).add(area)
        _activity.touch(run_id)

    transaction.on_commit(mark)


def changed_for(run_id: int, participant_id: int) -> None:
    """Send one participant their own state (answers, hand, votes) once this commits."""

    def send() -> None:
        participant = (
            Participant.objects.select_related("run")
            .defer("run__deck_snapshot")
            .filter(pk=participant_id)
            .first()
        )
        if participant is None:
            return
        broadcast.send_now(
            broadcast.participant_group_name(run_id, participant_id),
            broadcast.envelope("personal", fragments.render_personal(participant)),
        )

    transaction.on_commit(send)


def acknowledge(run_id: int, participant_id: int, event: str, **about) -> None:
    """Tell one participant, once this commits, that what they sent was saved (so their
    browser can clear the box they typed it in: nothing typed is lost on an error). `about`
    goes in the metadata (a chat line's id, so their page can label it "You")."""
    text = broadcast.envelope(event, "", extra=about or None)
    group = broadcast.participant_group_name(run_id, participant_id)
    transaction.on_commit(lambda: broadcast.send_now(group, text))
