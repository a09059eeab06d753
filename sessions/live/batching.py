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
    answer: answers.Answer
    future: asyncio.Future


class AnswerBatcher:
    """One per process, living on the serving event loop."""

    def __init__(self) -> None:
        self.pending: list[PendingAnswer] = []
        self.scheduled = False

    async def submit(self, answer: answers.Answer) -> answers.Stored:
        """Record one answer (a choice, words, a rating, an order); returns what is stored for
        it once committed, or raises the ActionError saying why not."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append(PendingAnswer(answer, future))
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
                [pending.answer for pending in batch]
            )
        except Exception as exc:  # the whole batch failed: nobody is told it was saved
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        for pending, result in zip(batch, results, strict=True):
            if pending.future.done():
                continue
            if isinstance(result, Exception):
                pending.future.set_exception(result)
            else:
                pending.future.set_result(result)


batcher = AnswerBatcher()
