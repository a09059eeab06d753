"""Which address a request comes from, for login throttling and the join limits.

REMOTE_ADDR is daphne's peer (or, run with `--proxy-headers`, its reading of the proxy's
header). X-Forwarded-For is never believed on its own, since any client can send one; only
behind the site's own TLS-terminating proxy (BEHIND_TLS_PROXY) is its last entry used: the
address that proxy saw and appended (the entries before it are the client's say).
"""

from __future__ import annotations

from django.conf import settings


def known_address(request) -> str | None:
    """The address, or None where there is none (daphne on a Unix socket, say): what login
    throttling stores, in a field that only holds addresses."""
    if settings.CLIENT_IP_FROM_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.META.get("REMOTE_ADDR") or None


def client_address(request) -> str:
    """The address the join limits count by ("unknown" counts as one address)."""
    return known_address(request) or "unknown"
