"""SQLite, with the process's writers taking turns in Python rather than in SQLite.

SQLite allows one writer at a time. When hundreds of request threads want to write at once
(a thousand people joining), SQLite's own wait is a sleep-and-retry loop: the lock sits idle
while everyone sleeps, some wait for many seconds, and some give up with "database is
locked". Here each transaction first takes a process-wide lock, so writers queue in memory
and each starts the moment the last one commits. Reads are unaffected (WAL mode).

With several worker processes (`serve --workers N`) the turn is also taken across processes,
with an exclusive lock on a file beside the database (`<name>-writers`).
"""

from __future__ import annotations

import threading

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process (workers need SO_REUSEPORT)
    fcntl = None

from django.conf import settings
from django.db.backends.sqlite3 import base

_writers = threading.Lock()
_process_lock_files: dict[str, object] = {}


def _process_lock(name: str):
    """The file other worker processes lock to write to the database `name`, or None."""
    if fcntl is None or settings.WORKERS < 2 or name == ":memory:" or name.startswith("file:"):
        return None
    lock = _process_lock_files.get(name)
    if lock is None:
        lock = _process_lock_files[name] = open(f"{name}-writers", "a")  # noqa: SIM115
    return lock


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False
    _process_lock = None

    def _start_transaction_under_autocommit(self):
        _writers.acquire()
        self._holds_write_lock = True
        try:
            self._process_lock = _process_lock(str(self.settings_dict["NAME"]))
            if self._process_lock is not None:
                fcntl.flock(self._process_lock, fcntl.LOCK_EX)
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writers()
            raise

    def _release_writers(self):
        if self._holds_write_lock:
            self._holds_write_lock = False
            if self._process_lock is not None:
                fcntl.flock(self._process_lock, fcntl.LOCK_UN)
                self._process_lock = None
            _writers.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writers()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writers()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writers()
