"""Reactions over the socket, counted in batches.

A thousand people reacting at once must not mean a thousand transactions. Each socket's
reaction waits a moment for company (as answers do in batching.py) and the batch is counted in
one transaction (reactions.reactions_record); each sender hears "reaction.sent" once it is
committed. Pushing what was counted is reactionpush.py's job.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from channels.db import database_sync_to_async

from sessions.domain import reactions

WINDOW = 0.05  # seconds a reaction waits for company
MAX_BATCH = 1000


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
