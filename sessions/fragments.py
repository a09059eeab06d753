"""Rendering what each audience sees: once per audience per change, never per recipient.

The same partials (templates/runs/partials.html) render pages, snapshots and pushes.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from sessions import selectors
from sessions.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.models import Run, Status

PARTIALS = "runs/partials.html"
_LIVE = {
    STAFF: ("staff_live", selectors.staff_context),
    PARTICIPANTS: ("participant_live", selectors.participant_context),
    SCREEN: ("screen_live", selectors.screen_context),
    WAITING: ("waiting_live", selectors.participant_context),
}


def render(partial: str, context: dict) -> str:
    return render_to_string(f"{PARTIALS}#{partial}", context)


def render_live(run: Run, audience: str) -> str:
    """The fragments an audience needs after a change to the slides or the agenda."""
    partial, context = _LIVE[audience]
    return render(partial, context(run))


def render_roster(run: Run) -> str:
    return render("roster", selectors.roster_context(run))


_snapshots: dict[tuple, str] = {}


def render_snapshot(run: Run, audience: str) -> str:
    """Everything an audience's page shows, for a socket that (re)connects.

    Participants' and projectors' snapshots don't depend on the clock or the person, so each
    is rendered once per run version: a reconnect storm renders it once, not a thousand times.
    """
    if audience == STAFF:
        context = selectors.staff_context(run)
        return render("staff_live", context) + render_roster(run)
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
        context = selectors.participant_context(run) | {"state": "live"}
        if audience == SCREEN:
            html = render("screen_live", context)
        else:
            html = render("participant_main", context) + render("announcer", context)
        _snapshots[key] = html
    return html
