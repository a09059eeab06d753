"""HTTP served from worker threads: responses intact, kept-alive connections keep working."""

from __future__ import annotations

import asyncio
import contextvars
import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from bench.simulate import CSRF_INPUT
from dpup_workshop.fastpath import eventloop
from dpup_workshop.fastpath.http import MAX_DUPLICATE_HEADERS, WsgiBridge, build_environ
from tests.server import Server, app_env, create_run, prepare


def echo_app(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response(
        "201 Created", [("Content-Type", "text/plain"), ("X-Path", environ["PATH_INFO"])]
    )
    return [b"got ", body, b" via ", environ["REQUEST_METHOD"].encode()]


class Closing(list):
    closed = False

    def close(self):
        Closing.closed = True


def scope(method="GET", path="/", headers=()):
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "http_version": "1.1",
        "headers": list(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def call(app, scope, *bodies: bytes):
    incoming = [
        {"type": "http.request", "body": body, "more_body": i < len(bodies) - 1}
        for i, body in enumerate(bodies or (b"",))
    ]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_the_response_comes_back_whole_with_the_request_body_read():
    sent = await call(WsgiBridge(echo_app, threads=1), scope("POST", "/x/"), b"one ", b"two")
    assert sent[0]["status"] == 201
    assert (b"x-path", b"/x/") in sent[0]["headers"]
    assert sent[1]["body"] == b"got one two via POST"
    assert not sent[1].get("more_body")


async def test_the_application_response_is_closed():
    def app(environ, start_response):
        start_response("200 OK", [])
        return Closing([b"done"])

    Closing.closed = False
    sent = await call(WsgiBridge(app, threads=1), scope())
    assert sent[1]["body"] == b"done" and Closing.closed


async def test_too_many_repeated_headers_are_a_bad_request():
    headers = [(b"x-spam", b"1")] * (MAX_DUPLICATE_HEADERS + 1)
    sent = await call(WsgiBridge(echo_app, threads=1), scope(headers=headers))
    assert sent[0]["status"] == 400
    assert b"Too many x-spam headers" in sent[1]["body"]


async def test_a_wrong_content_length_is_corrected_not_sent():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "3")])
        return [b"longer than three"]

    sent = await call(WsgiBridge(app, threads=1), scope())
    assert (b"content-length", b"17") in sent[0]["headers"]
    assert (b"content-length", b"3") not in sent[0]["headers"]
    assert sent[1]["body"] == b"longer than three"


def test_the_client_cannot_choose_the_script_name():
    environ = build_environ(dict(scope(path="/join/"), root_path="https://evil.example"), None)
    assert environ["SCRIPT_NAME"] == "" and environ["PATH_INFO"] == "/join/"


def test_repeated_cookie_headers_stay_separate_cookies():
    headers = [(b"cookie", b"sessionid=abc"), (b"cookie", b"csrftoken=xyz")]
    assert build_environ(scope(headers=headers), None)["HTTP_COOKIE"] == (
        "sessionid=abc; csrftoken=xyz"
    )


@pytest.fixture
def serving_loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    eventloop.serve_from(loop)
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


marker = contextvars.ContextVar("marker", default="clean")


def test_a_worker_thread_runs_coroutines_on_the_serving_loop_in_a_fresh_context(serving_loop):
    async def where():
        return asyncio.get_running_loop(), marker.get()

    def worker():
        marker.set("from the worker thread")
        return eventloop.call_in_loop(where)

    with ThreadPoolExecutor(1) as pool:
        loop, seen = pool.submit(worker).result()
    assert loop is serving_loop and seen == "clean"


def test_a_coroutine_that_never_finishes_is_given_up_on(serving_loop, monkeypatch):
    monkeypatch.setattr(eventloop, "CALL_TIMEOUT", 0.2)

    async def stuck():
        await asyncio.sleep(30)

    with ThreadPoolExecutor(1) as pool, pytest.raises(TimeoutError, match="stuck"):
        pool.submit(eventloop.call_in_loop, stuck).result()


def test_once_the_serving_loop_has_stopped_a_worker_threads_send_is_dropped(monkeypatch):
    """Shutting down: a socket's last database call (say, a team member leaving) pushes to the
    others; there is nobody left, and waiting for the stopped loop would keep the process
    from ever exiting."""
    monkeypatch.setattr(eventloop, "_loop", None)
    loop = asyncio.new_event_loop()
    server = threading.Thread(target=loop.run_forever)
    server.start()
    eventloop.serve_from(loop)
    loop.call_soon_threadsafe(loop.stop)
    server.join()
    sent = []

    async def send():
        sent.append(True)

    try:
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(eventloop.call_in_loop, send).result(timeout=5) is None
        assert sent == []
    finally:
        loop.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("http")
    env = app_env(SQLITE_PATH=str(folder / "db.sqlite3"), JOIN_ROOM_RATE_LIMIT="1000")
    prepare(env, ("http-f", "pw-12345678"))
    code = create_run(env, "http-f")
    server = Server(env, log=folder / "daphne.log")
    server.start()
    yield server, code
    server.stop()


class KeptAlive:
    """One browser's HTTP connection, kept alive across requests, with its cookies."""

    def __init__(self, url: str):
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.cookies: dict[str, str] = {}
        self.statuses: list[tuple[str, str, int]] = []

    def request(self, method: str, path: str, form: dict | None = None) -> str:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        self.statuses.append((method, path, response.status))
        return text


def test_people_joining_on_kept_alive_connections_never_see_a_server_error(app_server):
    """Each join writes and broadcasts; the next request on the same connection must work.

    With asgiref's WsgiToAsgi, a connection resumed reading in a finished call's context and
    most second requests on it failed with a 500.
    """
    server, code = app_server
    statuses = []
    for person in range(8):
        browser = KeptAlive(server.url)
        page = browser.request("GET", f"/join/{code}/")
        form = {"csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1), "display_name": person}
        browser.request("POST", f"/join/{code}/", form)
        browser.request("GET", f"/runs/{code}/")
        browser.request("GET", "/static/css/app.css")
        browser.request("GET", f"/runs/{code}/")
        browser.connection.close()
        statuses += browser.statuses
    assert [s for s in statuses if s[2] >= 500] == []
    assert statuses.count(("POST", f"/join/{code}/", 302)) == 8
    assert statuses.count(("GET", f"/runs/{code}/", 200)) == 16


def test_a_root_path_header_does_not_rewrite_the_links(app_server):
    server, _ = app_server
    browser = KeptAlive(server.url)
    browser.connection.request(
        "GET", "/join/", headers={"Daphne-Root-Path": "https://evil.example"}
    )
    page = browser.connection.getresponse().read().decode()
    assert 'href="/accounts/login/' in page
    assert "evil.example" not in page
