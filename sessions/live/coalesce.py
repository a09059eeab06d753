"""Coalescing: however often something changes, act on it at most a few times a second.

A join storm of 1,000 people must not mean 1,000 renders of the team's participant list, and
1,000 quiz answers must not mean 1,000 tally pushes. `Coalescer.touch(key)` asks for
`flush(key)` to run `delay` seconds later; touches in the meantime are absorbed.

Flushes are scheduled on the server's event loop (the one the websockets live on), and the
flush itself (database reads and rendering) runs in a worker thread, so a push sent from it
reaches the channel layer from the loop that owns it. Where no loop is serving sockets
(tests, management commands) or the delay is 0, the flush runs at once in the caller's thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Hashable

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from dpup_workshop.fastpath.eventloop import call_soon, serving_loop

logger = logging.getLogger(__name__)


class Coalescer:
    def __init__(self, name: str, flush: Callable[[Hashable], None], delay: Callable[[], float]):
        self.name = name
        self.flush = flush
        self._delay = delay
        self._pending: set[Hashable] = set()
        self._lock = threading.Lock()

    @property
    def delay(self) -> float:
        return self._delay()

    def touch(self, key: Hashable) -> None:
        loop = serving_loop()
        if self.delay <= 0 or loop is None:
            self._run(key)
            return
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        call_soon(loop, self._schedule, loop, key)

    def _schedule(self, loop: asyncio.AbstractEventLoop, key: Hashable) -> None:
        loop.call_later(self.delay, lambda: loop.create_task(self._flush_async(key)))

    async def _flush_async(self, key: Hashable) -> None:
        with self._lock:
            self._pending.discard(key)
        await sync_to_async(self._run_in_thread, thread_sensitive=False)(key)

    def _run_in_thread(self, key: Hashable) -> None:
        try:
            self._run(key)
        finally:
            close_old_connections()

    def _run(self, key: Hashable) -> None:
        try:
            self.flush(key)
        except Exception:
            logger.exception("%s: flushing %r failed", self.name, key)
