"""A fixed-window counter in the cache.

With REDIS_URL the cache is shared by every process. Without it each worker process counts in
its own memory; the kernel spreads an address's connections evenly over the workers, so each
allows its share of the limit.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def allow(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once `who` has made more than `limit` in this window."""
    if settings.WORKERS > 1 and not settings.REDIS_URL:
        limit = -(-limit // settings.WORKERS)
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
