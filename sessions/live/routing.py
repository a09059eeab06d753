from django.urls import path

from sessions.live.consumers import RunConsumer

websocket_urlpatterns = [
    path("ws/runs/<str:code>/", RunConsumer.as_asgi()),
]
