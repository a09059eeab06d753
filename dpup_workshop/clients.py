"""Which address a request comes from, for login throttling and the join limits.

REMOTE_ADDR is daphne's peer (or, run with `--proxy-headers`, its reading of the proxy's
header). X-Forwarded-For is never believed on its own, since any client can send one; only
behind the site's own TLS-terminating proxy (BEHIND_TLS_PROXY) is its last entry used: the
address that proxy saw and appended (the entries before it are the client's say).
"""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    if settings.CLIENT_IP_FROM_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or "unknown"
