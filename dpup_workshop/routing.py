"""Websocket URL patterns for every app, gathered in one place."""

websocket_urlpatterns: list = []
