"""Reactions pushed to the team and the shared screen a few times a second, whatever the rate.

What was counted (sessions/domain/reactions.py) is pushed at most once per REACTION_PUSH_DELAY
seconds: the live slide's counts (the page's state, as a fresh snapshot shows them) and, in
the event's metadata, how many of each were sent since the last push, which the screen floats
up (static/js/reactions.js).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from sessions.domain.reactioncounts import Emoji, reactions_context
from sessions.live import broadcast
from sessions.live.coalesce import Coalescer
from sessions.models import Run

logger = logging.getLogger(__name__)

AUDIENCES = (broadcast.STAFF, broadcast.SCREEN)
PARTIALS = "runs/_reactions.html"

_sent: dict[int, Counter[str]] = {}
_lock = threading.Lock()


def render(run: Run, audience: str) -> str:
    partial = "reactions_staff" if audience == broadcast.STAFF else "reactions_screen"
    context = {"run": run} | reactions_context(run)
    return render_to_string(f"{PARTIALS}#{partial}", context)


def _flush(run_id: int) -> None:
    with _lock:
        sent = _sent.pop(run_id, Counter())
    if not sent:
        return
    with transaction.atomic():
        run = Run.objects.select_for_update().defer("deck_snapshot").filter(pk=run_id).first()
        if run is None:
            return
        claimed = broadcast.claim_versions(run, AUDIENCES)
        Run.objects.filter(pk=run.pk).update(
            version=run.version, audience_versions=run.audience_versions
        )
        # The count of each sent since the last push, for the screen to float up.
        extra = {"sent": {emoji: sent[emoji] for emoji in Emoji.values if sent[emoji]}}

        def send_all() -> None:
            messages = []
            for audience, (version, prev) in claimed.items():
                try:
                    html = render(run, audience)
                except Exception:  # a broken render must not lose the other audience's push
                    logger.exception("rendering reactions for %s failed", audience)
                    continue
                text = broadcast.envelope(
                    "reactions.changed", html, version=version, prev=prev, extra=extra
                )
                messages.append((broadcast.run_group_name(run_id, audience), text))
            broadcast.send_all_now(messages)

        transaction.on_commit(send_all)


_push = Coalescer("reactions", _flush, delay=lambda: settings.REACTION_PUSH_DELAY)


def sent(run_id: int, counts: Counter[str]) -> None:
    """Reactions were counted (and committed): push them, with others, in a moment."""
    with _lock:
        _sent.setdefault(run_id, Counter()).update(counts)
    _push.touch(run_id)
