"""Websocket URL patterns for every app, gathered in one place."""

from sessions.live.routing import websocket_urlpatterns as run_patterns

websocket_urlpatterns = [*run_patterns]
