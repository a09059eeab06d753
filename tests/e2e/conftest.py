from __future__ import annotations

import re

import pytest

from bench.servers import CHROMIUM, CHROMIUM_ARGS
from tests.server import Server, app_env, prepare

STAFF = ("e2e-facilitator", "e2e-password-123")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


# What the browser reported breaking the site's Content-Security-Policy during a test.
CSP_VIOLATIONS: list[str] = []


def _note_csp_violation(message) -> None:
    # Chromium reports each blocked script, style, connection or frame on the console.
    if "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(f"{message.location.get('url', '?')}: {message.text}")


class WatchedBrowser:
    """The session's Chromium, every page of which is watched for CSP violations (tests open
    contexts through `browser.new_context` as well as pytest-playwright's `page`)."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("console", _note_csp_violation)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.on("console", _note_csp_violation)
        return page


@pytest.fixture(scope="session")
def browser(browser):
    return WatchedBrowser(browser)


@pytest.fixture(autouse=True)
def _no_csp_violations():
    """Every page works under the site's Content-Security-Policy: a test fails on any
    violation the browser reported while it ran."""
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "Content-Security-Policy violations:\n" + "\n".join(CSP_VIOLATIONS)


TEAM = {"hana-host": "host-password-123", "pita-presenter": "presenter-password-123"}


def start_app(folder) -> Server:
    """daphne serving the app on a free port, with its own SQLite database, the deck and a
    facilitator, a host and a presenter account."""
    env = app_env(SQLITE_PATH=str(folder / "db.sqlite3"), ROSTER_PUSH_DELAY="0.1")
    prepare(env, STAFF, *TEAM.items())
    server = Server(env, log=folder / "daphne.log")
    server.start()
    return server


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("app"))
    yield server
    server.stop()


def log_in(page, server: Server, username: str = STAFF[0], password: str = STAFF[1]) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


class Link:
    """A page's websocket to the app, which a test can cut (and restore) like a bad network."""

    def __init__(self, page):
        self.up = True
        self.sockets = []
        page.route_web_socket(re.compile(r"/ws/runs/"), self._route)

    def _route(self, socket) -> None:
        if not self.up:
            socket.close()
            return
        socket.connect_to_server()
        self.sockets.append(socket)

    def cut(self) -> None:
        self.up = False
        self.sockets[-1].close()

    def restore(self) -> None:
        self.up = True
