"""Site-wide views: the home page and the health check."""

from __future__ import annotations

import asyncio
import secrets
import time

from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dpup_workshop.fastpath.eventloop import call_in_loop
from slides.models import Deck


def home(request: HttpRequest) -> HttpResponse:
    decks = Deck.objects.all() if request.user.is_authenticated and request.user.is_staff else []
    return render(request, "home.html", {"decks": decks})


def _database_status() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer we report
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


async def _round_trip(layer) -> None:
    channel = await layer.new_channel("healthz.")
    token = secrets.token_hex(8)
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("token") != token:
        raise RuntimeError("the channel layer returned a different message")


def _channel_layer_status() -> dict:
    layer = get_channel_layer()
    if layer is None:
        return {"ok": False, "backend": None, "error": "no channel layer is configured"}
    backend = f"{type(layer).__module__}.{type(layer).__name__}"
    started = time.perf_counter()
    try:
        call_in_loop(_round_trip, layer)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "backend": backend, "error": str(exc) or type(exc).__name__}
    return {
        "ok": True,
        "backend": backend,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Is the database reachable, and does a message make it through the channel layer?"""
    database = _database_status()
    channel_layer = _channel_layer_status()
    ok = database["ok"] and channel_layer["ok"]
    return JsonResponse(
        {
            "status": "ok" if ok else "error",
            "database": database,
            "channel_layer": channel_layer,
        },
        status=200 if ok else 503,
    )
