"""ASGI entry point: websockets through Channels; HTTP through Django's WSGI handler.

HTTP requests run the whole Django stack (middleware and view) in one hop to a worker
thread (see http.py). Django's ASGI handler, with middleware that is partly sync-only
(WhiteNoise), would hop between the event loop and a fresh thread several times per request
and open a new database connection on each request's thread: about ten times the cost of the
page itself. None of this app's views are async, so nothing is lost.
"""

import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dpup_workshop.settings")
# Django must be set up before anything imports models.
wsgi_application = get_wsgi_application()

from dpup_workshop.fastpath.http import WsgiBridge  # noqa: E402

django_http_app = WsgiBridge(wsgi_application, threads=settings.HTTP_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from dpup_workshop.origins import SameOriginValidator  # noqa: E402
from dpup_workshop.routing import websocket_urlpatterns  # noqa: E402

# Everything loaded so far lives as long as the process: keep the cyclic garbage collector
# from walking it again and again (with a thousand sockets open, a full collection would
# pause every push for tens of milliseconds), and collect young objects less often.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 20)

application = ProtocolTypeRouter(
    {
        "http": django_http_app,
        "websocket": SameOriginValidator(
            # No session or auth middleware: they wrap every message sent. The consumer reads
            # the session cookie and, for team views only, the user, in its one trip to the
            # database on connect.
            CookieMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
