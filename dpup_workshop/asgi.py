"""ASGI entry point: websockets through Channels; HTTP through Django's WSGI handler.

HTTP requests run the whole Django stack (middleware and view) in one hop to the worker
thread. Django's ASGI handler, with middleware that is partly sync-only (WhiteNoise), would
hop between the event loop and a fresh thread several times per request and open a new
database connection on each request's thread: about ten times the cost of the page itself.
None of this app's views are async, so nothing is lost.
"""

import os

from asgiref.wsgi import WsgiToAsgi
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dpup_workshop.settings")
# Django must be set up before anything imports models.
django_http_app = WsgiToAsgi(get_wsgi_application())

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402

from dpup_workshop.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_http_app,
        "websocket": AllowedHostsOriginValidator(
            # No AuthMiddleware: the consumer looks the user up itself, and only for team views
            # (participants have no account), in the same trip to the database as the rest.
            CookieMiddleware(SessionMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
