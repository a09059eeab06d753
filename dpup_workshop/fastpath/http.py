"""HTTP through Django's WSGI handler: one hop to a worker thread per request.

Django's ASGI handler, with middleware that is partly sync-only (WhiteNoise), hops between
the event loop and a thread several times per request; none of this app's views are async,
so the whole request (middleware and view) runs in one go in a worker thread here.

asgiref's `WsgiToAsgi` does the same but sends the response from the worker thread through
`async_to_sync`: the connection then resumes reading in that call's context, and the next
request on the kept-alive connection fails with "CurrentThreadExecutor already quit or is
broken" (asgiref #491, #526). Here the thread only runs the application and collects the
response; the event loop sends it, in the request's own context.

Responses are collected whole before they are sent. This app's pages, fragments, reports and
static files are small; it streams nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import Any

from dpup_workshop.fastpath import eventloop

logger = logging.getLogger(__name__)

MAX_DUPLICATE_HEADERS = 100


class BadRequest(ValueError):
    pass


def build_environ(scope: dict, body) -> dict[str, Any]:
    # The app is served from the root. daphne takes `root_path` from a request header anyone
    # can send (Daphne-Root-Path), and Django would put it in front of every URL it builds;
    # a deployment under a prefix sets FORCE_SCRIPT_NAME instead.
    path_info = scope["path"].encode("utf8").decode("latin1")
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": scope["query_string"].decode("ascii"),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] if server[1] is not None else 0),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    headers: dict[str, list[str]] = defaultdict(list)
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = f"HTTP_{name}"
        if len(headers[name]) >= MAX_DUPLICATE_HEADERS:
            raise BadRequest(f"Too many {raw_name.decode('latin1')} headers.")
        headers[name].append(raw_value.decode("latin1"))
    for name, values in headers.items():
        # Several Cookie headers are one cookie list (RFC 6265); other fields join with ",".
        environ[name] = ("; " if name == "HTTP_COOKIE" else ",").join(values)
    return environ


class Response:
    """What the WSGI application answered, collected in the worker thread."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    def start_response(self, status: str, headers, exc_info=None):
        if exc_info is not None and self.chunks:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers
        ]
        return self.chunks.append

    def collect(self, application, environ) -> Response:
        result = application(environ, self.start_response)
        try:
            self.chunks.extend(chunk for chunk in result if chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished: old database connections are tidied
        return self

    def framed(self) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """The headers and body to send, always with a Content-Length that matches the body.

        A declared length that is wrong (say, a static file that changed size since start-up)
        would leave the browser waiting for bytes that never come, or read the surplus as the
        next response on a kept-alive connection.
        """
        body = b"".join(self.chunks)
        declared = [value for name, value in self.headers if name == b"content-length"]
        if not declared:  # the length lets the browser reuse the connection
            return [*self.headers, (b"content-length", str(len(body)).encode())], body
        if declared != [str(len(body)).encode()]:
            logger.warning(
                "response declared Content-Length %s but has %d bytes; sent with the true length",
                b",".join(declared).decode("latin1"),
                len(body),
            )
            headers = [(n, v) for n, v in self.headers if n != b"content-length"]
            return [*headers, (b"content-length", str(len(body)).encode())], body
        return self.headers, body


def _bad_request(message: str) -> Response:
    response = Response()
    response.status = 400
    response.headers = [(b"content-type", b"text/plain; charset=utf-8")]
    response.chunks = [f"Bad request: {message}".encode()]
    return response


class WsgiBridge:
    """An ASGI application (HTTP only) serving a WSGI application from worker threads."""

    def __init__(self, application, threads: int) -> None:
        self.application = application
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    def _run(self, scope: dict, body) -> Response:
        try:
            environ = build_environ(scope, body)
        except BadRequest as exc:
            return _bad_request(str(exc))
        return Response().collect(self.application, environ)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"The HTTP bridge cannot serve a {scope['type']!r} connection.")
        loop = asyncio.get_running_loop()
        eventloop.serve_from(loop)
        with SpooledTemporaryFile(max_size=65536) as body:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.write(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body.seek(0)
            response = await loop.run_in_executor(self.executor, self._run, scope, body)
        headers, content = response.framed()
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
