"""Which address a request comes from, for login throttling and the join limits.

REMOTE_ADDR is daphne's peer (or, run with `--proxy-headers`, its reading of the proxy's
header). X-Forwarded-For is never believed on its own, since any client can send one; only
behind the site's own TLS-terminating proxy (BEHIND_TLS_PROXY), and only on a request that
came from that proxy (its address in TRUSTED_PROXIES), is its last entry used: the address
that proxy saw and appended (the entries before it are the client's say). A client that
reaches daphne past the proxy is counted by its own address, whatever header it sends.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _from_trusted_proxy(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in settings.TRUSTED_PROXY_NETWORKS)


def known_address(request) -> str | None:
    """The address, or None where there is none (daphne on a Unix socket, say): what login
    throttling stores, in a field that only holds addresses."""
    peer = request.META.get("REMOTE_ADDR") or None
    if settings.CLIENT_IP_FROM_X_FORWARDED_FOR and peer and _from_trusted_proxy(peer):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded[:64]
    return peer


def client_address(request) -> str:
    """The address the join limits count by ("unknown" counts as one address)."""
    return known_address(request) or "unknown"
