"""Hardening, in real browsers: every face under a strict Content-Security-Policy, signing out
that reaches every copy of a session, and refusals that say what to do."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CSP_VIOLATIONS, STAFF, log_in
from tests.e2e.test_interactions import join, open_run
from tests.server import Server, app_env, manage, prepare

ADMIN = ("e2e-admin", "admin-password-123")


def _strict(policy: str) -> None:
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_every_face_works_under_a_strict_content_security_policy(browser, app_server):
    """No inline script, handler or style runs anywhere, and nothing the pages need is
    blocked: the autouse check fails the test on any violation the browser reports."""
    console, code = open_run(browser, app_server, "Under CSP")
    phone = join(browser, app_server, code, "Aroha", show=True)
    expect(phone.locator("#connection-status")).to_have_text("Connected")
    console.get_by_role("button", name="Start the workshop").click()
    expect(phone.get_by_role("heading", name="Welcome", exact=True)).to_be_visible()

    base = app_server.url
    for path in (
        "/", f"/runs/{code}/console/", f"/runs/{code}/host/", f"/runs/{code}/present/",
        f"/runs/{code}/screen/", f"/runs/{code}/settings/", f"/runs/{code}/report/",
        "/runs/", "/runs/new/", "/decks/dpup-intro/", "/admin/", "/admin/slides/slide/1/change/",
        "/admin/quiz/",
    ):  # fmt: skip
        page = console.context.new_page()
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        _strict(response.headers["content-security-policy"])
        page.wait_for_load_state("networkidle")
        if path.endswith(("/console/", "/screen/", "/host/", "/present/")):
            expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
        page.close()
    for path in (f"/runs/{code}/me/", f"/runs/{code}/"):
        response = phone.goto(base + path)
        assert response is not None and response.status == 200
        _strict(response.headers["content-security-policy"])
    expect(phone.locator("#connection-status")).to_have_text("Connected")

    # And the policy is enforced: a script put into the page by whatever means doesn't run,
    # and the browser says why.
    with phone.context.expect_console_message(lambda message: "inline script" in message.text):
        ran = phone.evaluate(
            """() => { const s = document.createElement("script");
                      s.textContent = "window.injected = true"; document.body.append(s);
                      return window.injected === true; }"""
        )
    assert ran is False
    assert any("inline script" in line for line in CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()  # that one was the point


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """The app with a tight join-code limit (3 wrong codes per address per 5 minutes) and a
    site admin."""
    folder = tmp_path_factory.mktemp("strict")
    env = app_env(SQLITE_PATH=str(folder / "db.sqlite3"), JOIN_RATE_LIMIT="3")
    prepare(env, STAFF)
    manage(
        "createsuperuser", "--no-input", "--username", ADMIN[0], "--email", "admin@example.org",
        env=env | {"DJANGO_SUPERUSER_PASSWORD": ADMIN[1]},
    )  # fmt: skip
    server = Server(env, log=folder / "daphne.log")
    server.start()
    yield server
    server.stop()


def test_signing_out_ends_every_copy_of_the_session(browser, strict_server):
    """A copied session cookie stops working when its owner logs out, and its open console
    says so at once; an admin's "Sign out everywhere" does the same for every session."""
    owner, code = open_run(browser, strict_server, "Copied cookie")
    copy = browser.new_context(viewport={"width": 1280, "height": 900})
    copy.add_cookies(owner.context.cookies())
    copied = copy.new_page()
    copied.goto(f"{strict_server.url}/runs/{code}/console/")
    expect(copied.locator("#connection-status")).to_have_text("Connected")

    owner.get_by_role("button", name=re.compile(r"^Log out")).click()
    expect(copied.locator("#connection-status")).to_have_text("You were signed out. Log in again")
    copied.goto(f"{strict_server.url}/runs/{code}/host/")
    expect(copied).to_have_url(re.compile(r"/accounts/login/\?next="))

    # Signed in again, in two browsers; the site admin signs the facilitator out everywhere.
    first, _ = open_run(browser, strict_server, "Everywhere")
    second = browser.new_context().new_page()
    log_in(second, strict_server, *STAFF)
    second.goto(f"{strict_server.url}/runs/{code}/console/")
    expect(second.locator("#connection-status")).to_have_text("Connected")
    admin = browser.new_context().new_page()
    log_in(admin, strict_server, *ADMIN)
    admin.goto(f"{strict_server.url}/admin/auth/user/?username={STAFF[0]}")
    admin.get_by_role("row", name=re.compile(STAFF[0])).get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(
        label="Sign out everywhere (ends every session and closes open pages)"
    )
    admin.get_by_role("button", name="Run").click()
    expect(admin.locator(".messagelist")).to_contain_text("Signed out 1 person everywhere")
    for page in (first, second):
        expect(page.locator("#connection-status")).to_have_text("You were signed out. Log in again")
    first.reload()
    expect(first).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_a_network_refused_for_guessing_codes_is_told_how_to_join(browser, strict_server):
    """Past the wrong-code limit, typed codes (even the right one) are refused, with
    Retry-After and what a legitimate participant can do: the join link still works."""
    console, code = open_run(browser, strict_server, "Guessed at")
    console.goto(f"{strict_server.url}/runs/{code}/settings/")
    link = console.locator("#join-link").get_attribute("href")
    assert "?k=" in link

    phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    for guess in ("AAAAAAAAA", "BBBBBBBBB", "CCCCCCCCC"):
        phone.goto(f"{strict_server.url}/join/")
        phone.get_by_label("Workshop code").fill(guess)
        phone.get_by_role("button", name=re.compile("Continue|Next|Join")).click()
        expect(phone.locator(".errorlist")).to_contain_text("No workshop has that code")
    phone.goto(f"{strict_server.url}/join/")
    phone.get_by_label("Workshop code").fill(code)
    with phone.expect_response(re.compile(r"/join/$")) as refused:
        phone.get_by_role("button", name=re.compile("Continue|Next|Join")).click()
    assert refused.value.status == 429
    assert 0 < int(refused.value.headers["retry-after"]) <= 301
    main = phone.locator("main")
    expect(main).to_contain_text("ask the host or facilitator for the workshop's join link")
    expect(main).to_contain_text("works even while typed codes are refused")

    phone.goto(link)
    phone.get_by_label("Your name (optional)").fill("Legit")
    phone.get_by_role("button", name="Join the workshop").click()
    expect(phone.locator("#connection-status")).to_have_text("Connected")


def test_a_locked_out_sign_in_says_what_to_do(browser, strict_server):
    page = browser.new_context().new_page()
    for _ in range(5):
        page.goto(f"{strict_server.url}/accounts/login/")
        page.get_by_label("Username").fill("nobody-here")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
    page.goto(f"{strict_server.url}/accounts/login/")
    page.get_by_label("Username").fill("nobody-here")
    page.get_by_label("Password").fill("wrong-password")
    with page.expect_response(re.compile(r"/accounts/login/$")) as locked:
        page.get_by_role("button", name="Log in").click()
    assert locked.value.status == 429
    expect(page.locator("main")).to_contain_text("Too many failed sign-ins")
    expect(page.locator("main")).to_contain_text("15 minutes")


def test_names_cannot_reorder_what_the_team_reads(browser, app_server):
    """Bidirectional controls typed into a name are taken out, and each name is isolated, so
    "\u202eAroha" can't show as something else or turn the text around it backwards."""
    console, code = open_run(browser, app_server, "Spoofing")
    phone = join(browser, app_server, code, "\u202eahorA\u202c Ngata", show=True)
    chat = phone.get_by_label("Message", exact=True)
    chat.fill("\u2067kia ora\u2069 everyone")
    phone.get_by_role("button", name="Send").click()
    line = console.locator(".chat-message", has_text="everyone")
    expect(line).to_be_visible()
    person = console.locator("#roster .person", has_text="Ngata")
    expect(person).to_have_text("ahorA Ngata")
    for element in (person, line.locator(".chat-author"), line.locator(".chat-text")):
        assert element.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
        text = element.inner_text()
        assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]", text), text
