"""Fixed-window counters, in Django's cache.

Embedded, the one server process keeps them in its memory (LocMemCache, whose `incr` holds a
lock); scaled out, every process counts in Redis (INCR, atomic), so a person whose sockets
are on two processes, or a room joined through all of them, is held to one limit.
A count is kept even when the action it let through then fails.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, who: str, window: int) -> str:
    """The current window's key. A long `who` (an address from a header, say) is hashed."""
    number = int(time.time() // window)
    if len(who) > 64:
        who = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()
    return f"ratelimit:{scope[:64]}:{who}:{number}"


def allow(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once `who` has made more than `limit` in this window."""
    key = _key(scope, who, window)
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # it expired between add and incr: this is a new window's first
        cache.add(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def over(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Whether `who` has already made `limit` attempts in this window (without counting one)."""
    return (cache.get(_key(scope, who, window)) or 0) >= limit


def retry_after(window: int) -> int:
    """Seconds until the current window ends (for a Retry-After header)."""
    return max(1, int(window - time.time() % window) + 1)
