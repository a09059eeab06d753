"""SQLite, with the process's writers taking turns in Python rather than in SQLite.

SQLite allows one writer at a time. When hundreds of request threads want to write at once
(a thousand people joining), SQLite's own wait is a sleep-and-retry loop: the lock sits idle
while everyone sleeps, some wait for many seconds, and some give up with "database is
locked". Here each transaction first takes a process-wide lock, so writers queue in memory
and each starts the moment the last one commits. Reads are unaffected (WAL mode).
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_writers = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        _writers.acquire()
        self._holds_write_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writers()
            raise

    def _release_writers(self):
        if self._holds_write_lock:
            self._holds_write_lock = False
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
