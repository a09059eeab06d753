"""Which address a request comes from, for login throttling and the join limits.

REMOTE_ADDR is daphne's peer. X-Forwarded-For is never believed on its own, since any client
can send one; only behind the site's own TLS-terminating proxy (BEHIND_TLS_PROXY), and only
on a request that came from that proxy (its address in TRUSTED_PROXIES), is its last entry
used: the address that proxy saw and appended (the entries before it are the client's say).
A client that reaches daphne past the proxy is counted by its own address, whatever header
it sends. daphne must not run with `--proxy-headers`: it would set REMOTE_ADDR from the
header's first entry, which the client writes.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`text` as an address (an IPv4 address written as IPv6, ::ffff:a.b.c.d, as IPv4)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return ipaddress.IPv6Address(int(address))  # without a %scope (no field holds one)
    return address


def _from_trusted_proxy(peer: str) -> bool:
    address = _address(peer)
    return address is not None and any(address in network for network in settings.TRUSTED_PROXIES)


def known_address(request) -> str | None:
    """The address, or None where there is none (daphne on a Unix socket, say): what login
    throttling stores, in a field that only holds addresses."""
    peer = request.META.get("REMOTE_ADDR") or None
    if settings.CLIENT_IP_FROM_X_FORWARDED_FOR and peer and _from_trusted_proxy(peer):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        address = _address(forwarded)
        if address is not None:  # not "unix:", an address with a port, or anything else
            return str(address)
    return peer


def client_address(request) -> str:
    """The address the join limits count by ("unknown" counts as one address)."""
    return known_address(request) or "unknown"
