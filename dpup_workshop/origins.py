"""The websocket's Origin check: the same comparison Django's CSRF check makes for forms.

A browser opening the run's socket says which page it came from in its Origin header. Only
the site's own pages may open it: the origin must match, in scheme, host and port, either the
request's own (the Host it was sent to, on the scheme the site is served on) or one of
CSRF_TRUSTED_ORIGINS. Channels' AllowedHostsOriginValidator compares the host alone, so a
page on any port or scheme of an allowed host (another app on the same machine, say) could
open a staff socket with the staff member's cookie.
"""

from __future__ import annotations

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.http.request import split_domain_port, validate_host


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return ""


def served_scheme(scope) -> str:
    """The scheme the page that opens this socket was served on."""
    if scope.get("scheme") in ("wss", "https") or settings.SECURE_SSL_REDIRECT:
        return "https"
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, value = proxy
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        if _header(scope, name).split(",")[0].strip() == value:
            return "https"
    return "http"


def allowed_origins(scope) -> list[str]:
    """The request's own origin (if its Host is allowed) and the trusted ones."""
    # Channels marks "a domain and its subdomains" with a leading dot where Django uses "*.".
    origins = [origin.replace("://*.", "://.") for origin in settings.CSRF_TRUSTED_ORIGINS]
    host = _header(scope, b"host")
    domain, _ = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        origins.append(f"{served_scheme(scope)}://{host}")
    return origins


class SameOriginValidator:
    """ASGI middleware: refuse a websocket whose Origin is not the site's own (see above)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        validator = OriginValidator(self.application, allowed_origins(scope))
        return await validator(scope, receive, send)
