"""Coalescing: however often something changes, act on it at most a few times a second.

A join storm of 1,000 people must not mean 1,000 renders of the team's participant list, and
1,000 quiz answers must not mean 1,000 tally pushes. `Coalescer.touch(key)` asks for
`flush(key)` to run once `delay` seconds later; touches in the meantime are absorbed. Flushes
run on one background thread per coalescer, which closes its database connection when idle.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from django.db import close_old_connections

logger = logging.getLogger(__name__)


class Coalescer:
    def __init__(self, name: str, flush: Callable[[Hashable], None], delay: Callable[[], float]):
        self.name = name
        self.flush = flush
        self._delay = delay
        self._due: dict[Hashable, float] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def delay(self) -> float:
        return self._delay()

    def touch(self, key: Hashable) -> None:
        if self.delay <= 0:
            # Synchronous mode (tests, or a setting of 0): flush right away.
            self._run(key)
            return
        with self._cond:
            if key not in self._due:
                self._due[key] = time.monotonic() + self.delay
                self._cond.notify()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name=f"coalesce-{self.name}", daemon=True
                )
                self._thread.start()

    def _run(self, key: Hashable) -> None:
        try:
            self.flush(key)
        except Exception:
            logger.exception("%s: flushing %r failed", self.name, key)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._due:
                    close_old_connections()
                    self._cond.wait()
                key, due = min(self._due.items(), key=lambda item: item[1])
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                del self._due[key]
            self._run(key)

    def pending(self) -> int:
        with self._cond:
            return len(self._due)
