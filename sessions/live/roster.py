"""The team's view of the room (waiting room, participants, who of the team is connected),
pushed to the staff audience at most a few times a second, however fast people join."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from sessions.live import fragments
from sessions.live.broadcast import STAFF, envelope, run_group_name, send_now
from sessions.live.coalesce import Coalescer
from sessions.models import Run


def _flush(run_id: int) -> None:
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        return
    html = fragments.render_roster(run)
    send_now(run_group_name(run_id, STAFF), envelope("roster.changed", html))


_roster = Coalescer("roster", _flush, delay=lambda: settings.ROSTER_PUSH_DELAY)


def roster_changed(run_id: int) -> None:
    """Ask for the team's roster to be re-sent once the current transaction commits."""
    transaction.on_commit(lambda: _roster.touch(run_id))
