"""A fixed-window counter in the cache (shared by every process when REDIS_URL is set)."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once `who` has made more than `limit` in this window."""
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{who}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= limit


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"
