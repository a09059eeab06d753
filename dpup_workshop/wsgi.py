"""WSGI entry point (HTTP only; the live views need the ASGI app's websockets)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dpup_workshop.settings")
application = get_wsgi_application()
