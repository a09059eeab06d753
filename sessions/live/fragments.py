"""Rendering what each audience sees: once per audience per change, never per recipient.

The same partials (templates/runs/partials.html) render pages, snapshots and pushes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.html import escape

from sessions.domain import selectors
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.models import Participant, Run, Status

PARTIALS = "runs/partials.html"
NO_GROUP_BOARD = (
    '<section id="group-board" class="card group-board" aria-labelledby="group-board-heading" '
    'hx-swap-oob="true" hidden></section>'
)
NO_UNLISTED_QUESTIONS = (
    '<div id="my-questions" class="my-questions" hx-swap-oob="true" hidden></div>'
)


def render(partial: str, context: dict) -> str:
    return render_to_string(f"{PARTIALS}#{partial}", context)


def page_context(run: Run, audience: str) -> dict:
    """Everything one audience's page shows of the run: its page (sessions/web/views.py) and
    its snapshot are rendered from this one context (the team's snapshot from its parts)."""
    context = selectors.activity_context(run, audience)
    if audience == STAFF:
        context |= selectors.staff_context(run) | selectors.roster_context(run)
        context |= selectors.hands_context(run)
    elif audience == SCREEN:
        return context | selectors.screen_context(run)
    else:
        context |= selectors.participant_context(run)
    context |= selectors.chat_context(run, audience) | selectors.questions_context(run, audience)
    return context


# --- the parts, each rendered for one audience -----------------------------------------------


def activity_part(audience: str) -> Callable[[Run], str]:
    if audience == SCREEN:
        # The shared screen's stage is one piece: what is on it decides how it is laid out.
        return lambda run: render(
            "screen_stage", selectors.screen_context(run) | selectors.activity_context(run, SCREEN)
        )
    partial = {STAFF: "staff_activity", PARTICIPANTS: "activity"}
    return lambda run: render(partial[audience], selectors.activity_context(run, audience))


def chat_part(audience: str) -> Callable[[Run], str]:
    return lambda run: render("chat_log", selectors.chat_context(run, audience))


def questions_part(audience: str) -> Callable[[Run], str]:
    def questions(run: Run) -> str:
        context = selectors.questions_context(run, audience)
        html = render("qa_list", context)
        return html + render("questions_badge", context) if audience == STAFF else html

    return questions


def hands_part(run: Run) -> str:
    context = selectors.hands_context(run)
    return render("hands", context) + render("hands_badge", context)


def render_personal(participant: Participant) -> str:
    """A participant's own answers, hand, votes, questions only the team sees (and team-only
    chat lines): theirs alone."""
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
    # Their questions still in a moderated run's queue, or not taken up: usually none.
    html += render("my_questions", context) if context["own_unlisted"] else NO_UNLISTED_QUESTIONS
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
            + chat_part(STAFF)(run)
            + hands_part(run)
            + questions_part(STAFF)(run)
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
            context = page_context(run, PARTICIPANTS) | {"state": "live"}
            html = render("participant_main", context) + render("announcer", context)
        _snapshots[key] = html
    return html
