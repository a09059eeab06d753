"""Publishing a change to the slides, the agenda or the interactions: the one way services
push the run's state to its audiences (what arrives in numbers goes through activity.py)."""

from __future__ import annotations

from sessions.live import broadcast, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import Run

LIVE_AUDIENCES = (STAFF, PARTICIPANTS, SCREEN)


def publish_live(run: Run, event: str, audiences: tuple[str, ...] = LIVE_AUDIENCES) -> None:
    """Save the run with a new version; after commit, push its state to each audience."""
    claimed = broadcast.claim_versions(run, audiences)
    run.save()
    broadcast.publish(run.pk, event, claimed, lambda audience: fragments.render_live(run, audience))
