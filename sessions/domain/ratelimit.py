"""Fixed-window counters every server process sees.

A person's sockets may be served by different processes, and a room's joins by all of them,
so a count kept in one process's memory lets through a multiple of the limit. Counts are
kept where every process reads them:

- with REDIS_URL, in the shared cache (Redis' INCR, atomic);
- without it, in the database: one row per key and window, added to in a single
  INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which SQLite and PostgreSQL both run
  atomically. A count taken inside a service's transaction goes with it: an action that
  fails and rolls back was not counted.

The database store is written by hand because Django's database cache can't count atomically
(its `incr` reads, then writes, so two processes can both see 4 and both write 5), and the
in-memory cache is one per process; tests/sessions/test_ratelimit.py races two processes.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from sessions.models import RateCount

# Expired windows are swept every this many counts, per process.
SWEEP_EVERY = 500
_counted = itertools.count(1)


def _window(scope: str, who: str, window: int) -> tuple[str, float]:
    """The key of the current window and when it ends (seconds since the epoch). A long
    `who` (an address from a header, say) is hashed to fit."""
    number = int(time.time() // window)
    if len(who) > 64:
        who = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()
    return f"ratelimit:{scope[:64]}:{who}:{number}", float((number + 1) * window)


@functools.cache
def _upsert_sql() -> str:
    """The one statement the ORM can't write: add one, or start at one, and say the total."""
    quote = connection.ops.quote_name
    table = quote(RateCount._meta.db_table)
    key, count, expires = (
        quote(RateCount._meta.get_field(name).column) for name in ("key", "count", "expires_at")
    )
    return (
        f"INSERT INTO {table} ({key}, {count}, {expires}) VALUES (%s, 1, %s) "
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {count}"
    )


def _count_in_database(key: str, ends: float) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [key, ends])
        (total,) = cursor.fetchone()
    if next(_counted) % SWEEP_EVERY == 0:
        RateCount.objects.filter(expires_at__lt=time.time()).delete()
    return total


def _read_from_database(key: str) -> int:
    return RateCount.objects.filter(key=key).values_list("count", flat=True).first() or 0


def _count_in_cache(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return 1


def _shared_cache() -> bool:
    return bool(settings.REDIS_URL)


def allow(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once `who` has made more than `limit` in this window."""
    key, ends = _window(scope, who, window)
    count = _count_in_cache(key, window) if _shared_cache() else _count_in_database(key, ends)
    return count <= limit


def over(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Whether `who` has already made `limit` attempts in this window (without counting one)."""
    key, _ = _window(scope, who, window)
    count = (cache.get(key) or 0) if _shared_cache() else _read_from_database(key)
    return count >= limit


def retry_after(window: int) -> int:
    """Seconds until the current window ends (for a Retry-After header)."""
    return max(1, int(window - time.time() % window) + 1)
