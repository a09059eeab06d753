"""Rendering what each audience sees: once per audience per change, never per recipient.

The same partials (templates/runs/partials.html) render pages, snapshots and pushes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.html import escape

from sessions.domain import selectors
from sessions.live import activity, broadcast
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.models import Participant, Run, Status

PARTIALS = "runs/partials.html"
NO_GROUP_BOARD = (
    '<section id="group-board" class="card group-board" aria-labelledby="group-board-heading" '
    'hx-swap-oob="true" hidden></section>'
)


def render(partial: str, context: dict) -> str:
    return render_to_string(f"{PARTIALS}#{partial}", context)


# --- the parts, each rendered for one audience -----------------------------------------------


def _activity(audience: str) -> Callable[[Run], str]:
    if audience == SCREEN:
        # The shared screen's stage is one piece: what is on it decides how it is laid out.
        return lambda run: render(
            "screen_stage", selectors.screen_context(run) | selectors.activity_context(run, SCREEN)
        )
    partial = {STAFF: "staff_activity", PARTICIPANTS: "activity"}
    return lambda run: render(partial[audience], selectors.activity_context(run, audience))


def _chat(audience: str) -> Callable[[Run], str]:
    return lambda run: render("chat_log", selectors.chat_context(run, audience))


def _questions(audience: str) -> Callable[[Run], str]:
    def questions(run: Run) -> str:
        context = selectors.questions_context(run, audience)
        html = render("qa_list", context)
        return html + render("questions_badge", context) if audience == STAFF else html

    return questions


def _hands(run: Run) -> str:
    context = selectors.hands_context(run)
    return render("hands", context) + render("hands_badge", context)


def _join(parts: list[Callable[[Run], str]]) -> Callable[[Run], str]:
    return lambda run: "".join(part(run) for part in parts)


def activity_parts(run: Run, areas: set[str]) -> dict[str, Callable[[Run], str]]:
    """For each audience that must hear about the changed areas, how to render its push.

    Participants hear about answers only while some result is visible to them: a thousand
    quiz answers change nothing on their phones until the reveal.
    """
    parts: dict[str, list] = {STAFF: [], PARTICIPANTS: [], SCREEN: []}
    if activity.QUESTIONS in areas and run.questions.filter(on_screen=True).exists():
        areas = areas | {activity.SCREEN}
    if areas & {activity.RESPONSES, activity.BREAKOUTS, activity.SCREEN}:
        parts[STAFF].append(_activity(STAFF))
        parts[SCREEN].append(_activity(SCREEN))
    if areas & {activity.RESPONSES, activity.BREAKOUTS}:
        current = selectors.current_interactions(run)
        if run.scoreboard_shown or any(
            view.public_results or view.responses
            for view in (selectors.interaction_view(i, audience=PARTICIPANTS) for i in current)
        ):
            parts[PARTICIPANTS].append(_activity(PARTICIPANTS))
    if activity.CHAT in areas:
        parts[STAFF].append(_chat(STAFF))
        parts[PARTICIPANTS].append(_chat(PARTICIPANTS))
    if activity.HANDS in areas:
        parts[STAFF].append(_hands)
    if activity.QUESTIONS in areas:
        parts[STAFF].append(_questions(STAFF))
        parts[PARTICIPANTS].append(_questions(PARTICIPANTS))
    return {audience: _join(found) for audience, found in parts.items() if found}


def push_group_boards(run: Run, areas: set[str]) -> None:
    """Each breakout group's board, to its members (one render per group)."""
    if activity.BREAKOUTS not in areas:
        return
    breakout = run.breakouts.filter(ended_at__isnull=True).first()
    if breakout is None:
        return
    messages = []
    for group in breakout.groups.prefetch_related("members"):
        html = render("group_board", selectors.group_board_context(group))
        text = broadcast.envelope("group.board", html)
        messages += [
            (broadcast.participant_group_name(run.pk, member.pk), text)
            for member in group.members.all()
        ]
    broadcast.send_all_now(messages)


def render_personal(participant: Participant) -> str:
    """A participant's own answers, hand, votes (and team-only chat lines): theirs alone."""
    context = selectors.personal_context(participant)
    html = (
        render("my_state", context)
        if not context["run"].chat_to_everyone
        # The common case, built without a template: it goes out on every connect.
        else (
            f'<div id="my-state" hidden hx-swap-oob="true" data-state="{escape(context["state"])}">'
            "</div>"
        )
    )
    if context["group"] is not None:
        return html + render("group_board", selectors.group_board_context(context["group"]))
    return html + NO_GROUP_BOARD


# --- after a change to the slides or the agenda --------------------------------------------


def render_live(run: Run, audience: str) -> str:
    """The fragments an audience needs after a change to the slides, agenda or interactions."""
    if audience == STAFF:
        context = selectors.staff_context(run) | selectors.activity_context(run, STAFF)
        return render("staff_live", context)
    if audience == PARTICIPANTS:
        context = selectors.participant_context(run) | selectors.activity_context(run, PARTICIPANTS)
        return render("participant_live", context)
    if audience == SCREEN:
        context = selectors.screen_context(run) | selectors.activity_context(run, SCREEN)
        return render("screen_live", context)
    return render("waiting_live", selectors.participant_context(run))


def render_roster(run: Run) -> str:
    context = selectors.roster_context(run)
    return render("roster", context) + render("roster_badge", context)


# --- snapshots -------------------------------------------------------------------------------

_snapshots: dict[tuple, str] = {}


def render_snapshot(run: Run, audience: str) -> str:
    """Everything an audience's page shows, for a socket that (re)connects.

    Participants' and projectors' snapshots don't depend on the clock or the person, so each
    is rendered once per run version: a reconnect storm renders it once, not a thousand times.
    (Each participant's own state follows in a personal message.)
    """
    if audience == STAFF:
        return (
            render_live(run, STAFF)
            + render_roster(run)
            + _chat(STAFF)(run)
            + _hands(run)
            + _questions(STAFF)(run)
        )
    if audience == WAITING:
        context = selectors.participant_context(run) | {
            "state": "gone" if run.status == Status.ENDED else "waiting",
            "gone_message": "The workshop has ended.",
        }
        return render("participant_main", context)
    key = (run.pk, audience, run.version, run.deck_revision)
    html = _snapshots.get(key)
    if html is None:
        if len(_snapshots) > 1024:
            _snapshots.clear()
        if audience == SCREEN:
            html = render_live(run, SCREEN)
        else:
            context = selectors.participant_context(run) | selectors.activity_context(run, audience)
            context |= selectors.chat_context(run, PARTICIPANTS)
            context |= selectors.questions_context(run, PARTICIPANTS)
            context["state"] = "live"
            html = render("participant_main", context) + render("announcer", context)
        _snapshots[key] = html
    return html
