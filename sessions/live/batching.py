"""Answers arrive in storms: write them in batches, acknowledge each after its batch commits.

When a thousand people answer a quiz question within a second, one transaction per answer
means a thousand trips through the database thread. Instead each socket's answer waits a few
milliseconds for others, the batch is written in one transaction, and every answer is
acknowledged only once it is committed: an answer never acknowledged (say, the server died)
is sent again by the browser when it reconnects, so none is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async

from sessions.domain import answers


@dataclass
class Pending:
    item: Any
    future: asyncio.Future


class Batcher:
    """Things sent over many sockets at once, stored together: each waits `window` seconds for
    company (a batch closes early at `max_batch`), then `record` stores the whole batch in one
    transaction on the database thread and returns a result for each, an exception instance
    for one it refused. Each sender gets its own result once the batch has committed; if the
    batch fails as a whole, every sender hears so and none is told it was saved.

    One per process and kind, living on the serving event loop.
    """

    def __init__(self, record: Callable[[list], list], *, window: float, max_batch: int) -> None:
        self.record = record
        self.window = window
        self.max_batch = max_batch
        self.pending: list[Pending] = []
        self.scheduled = False

    async def submit(self, item: Any) -> Any:
        """Store one item with others; returns its result once committed, or raises the
        exception `record` gave for it."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append(Pending(item, future))
        if len(self.pending) >= self.max_batch:
            loop.create_task(self.flush())
        elif not self.scheduled:
            self.scheduled = True
            loop.call_later(self.window, lambda: loop.create_task(self.flush()))
        return await future

    async def flush(self) -> None:
        self.scheduled = False
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            results = await database_sync_to_async(self.record)([p.item for p in batch])
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


# Answers (choices, words, ratings, orders): a few milliseconds' wait, so an acknowledgement
# comes fast; sessions.live.reactions has the reactions' own.
batcher = Batcher(answers.answers_record, window=0.01, max_batch=500)
