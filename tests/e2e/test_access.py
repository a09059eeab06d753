"""Who may be in a run, in real browsers: a team page whose sign-in ended, and people the host
turned away."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF
from tests.e2e.test_interactions import open_run


def test_a_console_whose_sign_in_ended_says_so_and_leads_back(browser, app_server):
    console, code = open_run(browser, app_server, "Signed out")
    sockets = []

    def route(socket):
        socket.connect_to_server()
        sockets.append(socket)

    console.route_web_socket(re.compile(r"/ws/runs/"), route)
    console.reload()
    expect(console.locator("#connection-status")).to_have_text("Connected")
    console.context.clear_cookies()  # the session ends (logged out elsewhere, or expired)
    sockets[-1].close(code=1001, reason="server restarting")  # the socket has to reconnect
    status = console.locator("#connection-status")
    expect(status).to_have_text("You were signed out. Log in again")
    expect(status).to_have_attribute("data-state", "closed")
    assert serious_violations(console) == []

    status.get_by_role("link", name="Log in again").click()
    expect(console).to_have_url(re.compile(r"/accounts/login/\?next="))
    console.get_by_label("Username").fill(STAFF[0])
    console.get_by_label("Password").fill(STAFF[1])
    console.get_by_role("button", name="Log in").click()
    expect(console).to_have_url(f"{app_server.url}/runs/{code}/console/")
    expect(console.locator("#connection-status")).to_have_text("Connected")
