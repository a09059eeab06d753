"""Reactions over the socket: counted in batches, pushed to the screen a few times a second.

A thousand people reacting at once must not mean a thousand transactions or a thousand
pushes. Each socket's reaction waits a moment for company (ReactionBatcher, as answers do in
batching.py) and the batch is counted in one transaction; each sender hears "reaction.sent"
once it is committed. What was counted is pushed to the team and the shared screen at most
once per REACTION_PUSH_DELAY seconds: the live slide's counts (the page's state, as a fresh
snapshot shows them) and, in the event's metadata, how many of each were sent since the last
push, which the screen floats up (static/js/reactions.js).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from sessions.domain import reactions
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.live import broadcast
from sessions.live.coalesce import Coalescer
from sessions.models import Run

logger = logging.getLogger(__name__)

WINDOW = 0.05  # seconds a reaction waits for company
MAX_BATCH = 1000
AUDIENCES = (broadcast.STAFF, broadcast.SCREEN)
PARTIALS = "runs/_reactions.html"


@dataclass
class PendingReaction:
    run_id: int
    participant_id: int
    emoji: str
    future: asyncio.Future


class ReactionBatcher:
    """One per process, living on the serving event loop."""

    def __init__(self) -> None:
        self.pending: list[PendingReaction] = []
        self.scheduled = False

    async def submit(self, *, run_id: int, participant_id: int, emoji: str) -> None:
        """Count one reaction; returns once it is committed, or raises ActionError."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append(PendingReaction(run_id, participant_id, emoji, future))
        if len(self.pending) >= MAX_BATCH:
            loop.create_task(self.flush())
        elif not self.scheduled:
            self.scheduled = True
            loop.call_later(WINDOW, lambda: loop.create_task(self.flush()))
        await future

    async def flush(self) -> None:
        self.scheduled = False
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            results = await database_sync_to_async(reactions.reactions_record)(
                [(r.run_id, r.participant_id, r.emoji) for r in batch]
            )
        except Exception as exc:  # the whole batch failed: nobody is told it was counted
            for reaction in batch:
                if not reaction.future.done():
                    reaction.future.set_exception(exc)
            return
        for reaction, result in zip(batch, results, strict=True):
            if reaction.future.done():
                continue
            if result is None:
                reaction.future.set_result(None)
            else:
                reaction.future.set_exception(result)


batcher = ReactionBatcher()


async def receive(caller, payload: dict) -> str:
    """One participant's `reaction.send` from their socket: the message to send them back
    ("reaction.sent", or an error; a rate limit's says how long to wait)."""
    from sessions.live import actions  # the registry imports this module's service
    from sessions.live.consumers import error_message

    spec = actions.REGISTRY["reaction.send"]
    try:
        fields = spec.clean(payload)
        await reactions.reaction_send_batched(
            run=caller.run, actor=caller.actor, batcher=batcher, **fields
        )
    except actions.PayloadError as exc:
        return error_message(exc.code, str(exc), spec.name)
    except PermissionDenied as exc:
        return error_message("forbidden", str(exc), spec.name)
    except reactions.RateLimited as exc:
        about = {"retry_after": exc.retry_after}
        return error_message("rate_limited", str(exc), spec.name, about)
    except ActionError as exc:
        return error_message("not_now", str(exc), spec.name)
    except Exception:  # the batch didn't commit: nothing was counted
        logger.exception("counting a reaction failed")
        return error_message(
            "not_saved", "Your reaction couldn't be sent just now. Please try again.", spec.name
        )
    return broadcast.envelope("reaction.sent", "", extra={"emoji": fields["emoji"]})


# --- the coalesced push -------------------------------------------------------------------------

_sent: dict[int, Counter[str]] = {}
_lock = threading.Lock()


def render(run: Run, audience: str) -> str:
    partial = "reactions_staff" if audience == broadcast.STAFF else "reactions_screen"
    context = {"run": run} | reactions.reactions_context(run)
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
        extra = {"sent": {emoji: sent[emoji] for emoji in reactions.Emoji.values if sent[emoji]}}

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
