"""The join, answer and reconnect floors: the least an app behind the same daphne could do.

Served by the benchmark exactly as the app is (`python -m dpup_workshop.serve ...
bench.floor_app:application`), it answers the requests a simulated participant makes with no
work behind them: the join page (a CSRF token and a cookie), the join form (a redirect and a
cookie), the websocket (accepted, then a snapshot of the app's size, FLOOR_SNAPSHOT_BYTES),
an answer (acknowledged at once) and /healthz. What the app takes beyond this is its own cost.
"""

from __future__ import annotations

import os
import secrets

SNAPSHOT_BYTES = int(os.environ.get("FLOOR_SNAPSHOT_BYTES", "4096"))
HTML = [(b"content-type", b"text/html; charset=utf-8")]


def _snapshot() -> str:
    head = '<!--ev {"t": "snapshot", "v": 1}-->'
    return head + "x" * max(0, SNAPSHOT_BYTES - len(head))


ACK = '<!--ev {"t": "answer.saved"}-->'


async def _http(scope, receive, send) -> None:
    while (await receive()).get("more_body"):
        pass
    path, headers = scope["path"], list(HTML)
    if path == "/healthz":
        status, body = 200, b"ok"
    elif scope["method"] == "GET":
        token = secrets.token_urlsafe(24)
        headers.append((b"set-cookie", f"csrftoken={token}; Path=/".encode()))
        status = 200
        body = f'<form method="post"><input name="csrfmiddlewaretoken" value="{token}"></form>'
        body = body.encode()
    else:
        headers.append((b"set-cookie", f"dpup-p-1={secrets.token_urlsafe(24)}; Path=/".encode()))
        headers.append((b"location", path.encode()))
        status, body = 302, b""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _websocket(scope, receive, send) -> None:
    snapshot = _snapshot()
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": snapshot})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": ACK})
        else:
            return


async def application(scope, receive, send) -> None:
    if scope["type"] == "http":
        await _http(scope, receive, send)
    elif scope["type"] == "websocket":
        await _websocket(scope, receive, send)
