"""Answers arrive in storms: write them in batches, acknowledge each after its batch commits.

When a thousand people answer a quiz question within a second, one transaction per answer
means a thousand trips through the database thread. Instead each socket's answer waits a few
milliseconds for others, the batch is written in one transaction, and every answer is
acknowledged only once it is committed: an answer never acknowledged (say, the server died)
is sent again by the browser when it reconnects, so none is lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from channels.db import database_sync_to_async

from sessions.domain import answers

WINDOW = 0.01  # seconds an answer waits for company
MAX_BATCH = 500


@dataclass
class PendingAnswer:
    run_id: int
    participant_id: int
    interaction_id: int
    choice: int
    selected: bool
    future: asyncio.Future


class AnswerBatcher:
    """One per process, living on the serving event loop."""

    def __init__(self) -> None:
        self.pending: list[PendingAnswer] = []
        self.scheduled = False

    async def submit(
        self, *, run_id: int, participant_id: int, interaction_id: int, choice: int, selected: bool
    ) -> list[int]:
        """Record one answer; returns the choices stored, or raises ActionError."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append(
            PendingAnswer(run_id, participant_id, interaction_id, choice, selected, future)
        )
        if len(self.pending) >= MAX_BATCH:
            loop.create_task(self.flush())
        elif not self.scheduled:
            self.scheduled = True
            loop.call_later(WINDOW, lambda: loop.create_task(self.flush()))
        return await future

    async def flush(self) -> None:
        self.scheduled = False
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            results = await database_sync_to_async(answers.answers_record)(
                [
                    (a.run_id, a.participant_id, a.interaction_id, a.choice, a.selected)
                    for a in batch
                ]
            )
        except Exception as exc:  # the whole batch failed: nobody is told it was saved
            for answer in batch:
                if not answer.future.done():
                    answer.future.set_exception(exc)
            return
        for answer, result in zip(batch, results, strict=True):
            if answer.future.done():
                continue
            if isinstance(result, Exception):
                answer.future.set_exception(result)
            else:
                answer.future.set_result(result)


batcher = AnswerBatcher()
