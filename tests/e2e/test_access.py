"""Who may be in a run, in real browsers: a team page whose sign-in ended, and people the host
turned away."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, log_in
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


def test_the_host_turns_someone_away_from_the_waiting_room(browser, app_server):
    console = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(console, app_server, *STAFF)
    console.goto(f"{app_server.url}/runs/new/")
    console.get_by_label("Title").fill("Waiting room")
    expect(console.get_by_label("Use a waiting room")).to_be_checked()
    console.get_by_role("button", name="Create the run").click()
    code = console.locator("#join-code").inner_text().replace("-", "")
    console.goto(f"{app_server.url}/runs/{code}/console/")
    expect(console.locator("#connection-status")).to_have_text("Connected")

    stranger = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    stranger.goto(f"{app_server.url}/join/{code}/")
    stranger.get_by_label("Your name (optional)").fill("Stranger")
    stranger.get_by_role("button", name="Join the workshop").click()
    expect(stranger.get_by_role("heading", name="You're in the waiting room")).to_be_visible()
    expect(console.locator("#waiting-list")).to_contain_text("Stranger")
    assert serious_violations(console) == []

    console.get_by_role("button", name="Deny Stranger").click()
    turn_away = console.get_by_role("dialog", name="Turn Stranger away?")
    expect(turn_away).to_contain_text("can't join this workshop again from that browser")
    turn_away.get_by_role("button", name="Deny Stranger").click()
    expect(
        stranger.get_by_role("heading", name="The host didn't admit you to this workshop.")
    ).to_be_visible()
    expect(stranger.locator("#connection-status")).to_have_text(
        "You are no longer in this workshop."
    )
    expect(console.locator("#waiting-count")).to_have_text("0")
    expect(console.locator("#waiting-list")).to_have_count(0)

    response = stranger.goto(f"{app_server.url}/join/{code}/")
    assert response is not None and response.status == 403
    expect(stranger.locator("main")).to_contain_text(
        "The host didn't admit you to this workshop, so you can't join it again from this "
        "browser. If that was a mistake, ask the host."
    )
    expect(stranger.get_by_role("button", name="Join the workshop")).to_have_count(0)
    assert serious_violations(stranger) == []
