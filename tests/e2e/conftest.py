from __future__ import annotations

import pytest

from tests.conftest import DPUP
from tests.server import Server, app_env, manage

CHROMIUM = "/usr/bin/chromium"
STAFF = ("e2e-facilitator", "e2e-password-123")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """daphne serving the app on a free port, with its own SQLite database and the deck."""
    folder = tmp_path_factory.mktemp("app")
    env = app_env(SQLITE_PATH=str(folder / "db.sqlite3"))
    manage("migrate", "--no-input", env=env)
    manage("load_deck", str(DPUP), env=env)
    manage("ensure_demo_facilitator", "--username", STAFF[0], "--password", STAFF[1], env=env)
    server = Server(env, log=folder / "daphne.log")
    server.start()
    yield server
    server.stop()


def log_in(page, server: Server, username: str = STAFF[0], password: str = STAFF[1]) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
