"""A fixed-window counter in the cache.

With REDIS_URL the cache is shared by every process. Without it each worker process counts in
its own memory: a person's socket stays with one worker, so chat and question limits hold as
they are; an address's joins are spread over the workers, so up to the limit per worker (a
room behind one address is not refused early).
"""

from __future__ import annotations

import time

from django.core.cache import cache


def _key(scope: str, who: str, window: int) -> str:
    return f"ratelimit:{scope}:{who}:{int(time.time() // window)}"


def allow(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once `who` has made more than `limit` in this window."""
    key = _key(scope, who, window)
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= limit


def over(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Whether `who` has already made `limit` attempts in this window (without counting one)."""
    return (cache.get(_key(scope, who, window)) or 0) >= limit


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"
