"""A whole live run in real browsers: set-up, waiting room, hand-offs, keyboard, projector,
and a server restart in the middle that nobody has to reload for."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from playwright.sync_api import expect

from sessions.models import format_code
from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, TEAM, log_in, start_app

NOTES = [
    "Check whether they have watched the Introduction to DPUP video",
    "Ask a couple of people to share",
    "It's important to understand the history behind DPUP",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


def team_page(browser, server, username, password):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, server, username, password)
    return page


def create_run(page, server) -> str:
    page.goto(f"{server.url}/runs/new/")
    assert serious_violations(page) == []
    page.get_by_label("Title").fill("DPUP with Te Whatu")
    page.get_by_label("Agency name").fill("Te Whatu Example")
    page.get_by_label("The agency's example initiatives").fill(
        "Plain-language notices\nA data panel"
    )
    page.get_by_role("group", name="Hosts").get_by_label("hana-host").check()
    page.get_by_role("group", name="Presenters").get_by_label("pita-presenter").check()
    page.get_by_role("button", name="Create the run").click()
    expect(page.locator("#join-code")).to_be_visible()
    assert serious_violations(page) == []
    code = page.locator("#join-code").inner_text().replace("-", "")
    page.goto(f"{server.url}/runs/")
    expect(page.get_by_role("link", name="DPUP with Te Whatu").first).to_be_visible()
    assert serious_violations(page) == []
    return code


def join(browser, server, code, name):
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"{server.url}/join/")
    assert serious_violations(page) == []
    page.get_by_label("Workshop code").fill(code.lower())
    page.get_by_role("button", name="Continue").click()
    # What is recorded, in plain words beside the name and the button; the full notice a tap away.
    expect(page.locator("#join-summary")).to_contain_text("Nothing is recorded until you join")
    page.get_by_text("Read the full notice").click()
    expect(page.get_by_text("How long it is kept")).to_be_visible()
    assert serious_violations(page) == []
    if name:
        page.get_by_label("Your name (optional)").fill(name)
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.locator("#connection-status")).to_have_text("Connected")
    return page


def expect_slide(page, number, selector="#current-slide"):
    expect(page.locator(selector)).to_have_attribute("data-slide", str(number), timeout=15_000)


def assert_no_notes(page):
    html = page.content()
    for note in NOTES:
        assert note not in html
    assert page.locator("#controls").count() == 0


def test_a_live_run_end_to_end(browser, server):
    facilitator = team_page(browser, server, *STAFF)
    code = create_run(facilitator, server)

    facilitator.goto(f"{server.url}/runs/{code}/console/")
    expect(facilitator.locator("#connection-status")).to_have_text("Connected")
    assert serious_violations(facilitator) == []
    host = team_page(browser, server, "hana-host", TEAM["hana-host"])
    host.goto(f"{server.url}/runs/{code}/host/")
    expect(host.locator("#connection-status")).to_have_text("Connected")
    presenter = team_page(browser, server, "pita-presenter", TEAM["pita-presenter"])
    presenter.goto(f"{server.url}/runs/{code}/present/")
    expect(presenter.locator("#connection-status")).to_have_text("Connected")
    projector = facilitator.context.new_page()
    projector.goto(f"{server.url}/runs/{code}/screen/")
    expect(projector.locator("#connection-status")).to_have_text("Connected")
    assert serious_violations(projector) == []
    # The room scans the join QR code off the projector: the image must draw.
    qr = projector.locator("img.join-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(facilitator.locator("#team-presence")).to_contain_text("connected (present)")

    # Two participants wait; the host admits one, then everyone.
    aroha = join(browser, server, code, "Aroha")
    sam = join(browser, server, code, "")
    for person in (aroha, sam):
        expect(person.get_by_role("heading", name="You're in the waiting room")).to_be_visible()
    assert serious_violations(aroha) == []
    expect(host.locator("#waiting-list li")).to_have_count(2)
    host.get_by_role("button", name="Admit Aroha").click()
    expect_slide(aroha, 1)
    expect(sam.get_by_role("heading", name="You're in the waiting room")).to_be_visible()
    host.get_by_role("button", name=re.compile("Admit everyone")).click()
    expect_slide(sam, 1)
    expect(host.locator("#admitted-count")).to_have_text("2")
    assert serious_violations(host) == []
    assert serious_violations(aroha) == []

    # The host starts and hands over to the presenter at the end of the host's segments.
    host.get_by_role("button", name="Start the workshop").click()
    expect(host.locator("#segment-timer")).to_contain_text("left")
    expect(presenter.locator("#slide-next")).to_be_disabled()
    host.locator("#slide-next").click()  # welcome -> what we will cover today (slide 1)
    expect(host.locator("#current-segment-title")).to_have_text("What we will cover today")
    host.locator("#slide-next").click()  # -> Why DPUP, slide 2: the presenter's
    for page in (aroha, sam, projector):
        expect_slide(page, 2)
    expect(presenter.locator("#slide-next")).to_be_enabled()
    expect(host.locator("#slide-next")).to_be_disabled()

    # The presenter drives with the keyboard; everyone follows.
    presenter.locator("body").press("ArrowRight")
    for page in (aroha, sam, projector, facilitator):
        expect_slide(page, 3)
    expect(aroha.locator("#live-announcer")).to_have_text(
        re.compile("Slide 3 of 29: The power of data")
    )
    presenter.keyboard.press(" ")
    for page in (aroha, sam, projector):
        expect_slide(page, 4)
    presenter.keyboard.press("ArrowLeft")
    presenter.keyboard.press("ArrowRight")
    expect_slide(aroha, 4)
    assert serious_violations(presenter) == []
    for page in (aroha, sam):
        assert_no_notes(page)
    expect(facilitator.locator("#slide-notes")).to_contain_text("Why should you learn about DPUP?")

    # A participant steps back to an earlier slide and returns to live.
    aroha.get_by_role("button", name="← Earlier slide").click()
    expect(aroha.locator("#browse-view")).to_have_attribute("data-slide", "3")
    expect(aroha.locator("#live-slide")).to_be_hidden()
    # The top of the page says it isn't live, and the way back is there.
    expect(aroha.locator("#browse-label")).to_have_text("Earlier slide: 3 of 29")
    expect(aroha.locator("#live-status")).to_be_hidden()
    presenter.keyboard.press("ArrowRight")  # live moves on meanwhile
    expect(aroha.get_by_role("button", name="Back to live (slide 5)")).to_be_visible()
    assert aroha.get_by_role("button", name="Back to live (slide 5)").bounding_box()["y"] < 150
    aroha.get_by_role("button", name="Back to live (slide 5)").click()
    expect_slide(aroha, 5)
    assert_no_notes(aroha)

    # The server restarts mid-run: nobody reloads, everyone comes back on the right slide.
    server.restart()
    for page in (aroha, sam, projector, presenter, facilitator):
        expect(page.locator("#connection-status")).to_have_text("Connected", timeout=20_000)
    presenter.keyboard.press("ArrowRight")
    for page in (aroha, sam, projector, facilitator):
        expect_slide(page, 6)
    expect(host.locator("#segment-timer")).to_contain_text(re.compile("left|over"))
    for page in (aroha, sam):
        assert_no_notes(page)

    # Slide 16 shows the agency's details from the run.
    facilitator.locator("#goto-number").select_option("16")
    facilitator.get_by_role("button", name="Go", exact=True).click()
    expect(aroha.locator("#current-slide-title")).to_have_text("What it means for Te Whatu Example")
    expect(projector.locator(".initiatives")).to_contain_text("A data panel")

    # The facilitator ends the workshop: participants see it, and the room's tools close.
    facilitator.get_by_role("button", name="End the workshop").click()
    facilitator.get_by_role("dialog").get_by_role("button", name="End the workshop").click()
    expect(sam.locator("#live-status")).to_contain_text("The workshop has ended")
    expect(sam.get_by_text("raising a hand, chat and questions are closed")).to_be_visible()
    for tool in ("#hand-button", "#chat-form", "#question-form"):
        expect(sam.locator(tool)).to_be_hidden()
    expect(sam.get_by_role("heading", name="Questions")).to_be_visible()

    # The console points the facilitator to the report: who came, the agenda's times.
    facilitator.get_by_role("link", name="See how it went in the report").click()
    expect(facilitator.get_by_role("heading", name=re.compile("^Report: "))).to_be_visible()
    expect(facilitator.locator("#report-joined")).to_have_text("2")
    expect(facilitator.locator("#report-agenda tbody tr")).to_have_count(9)
    assert serious_violations(facilitator) == []
    facilitator.set_viewport_size({"width": 390, "height": 844})  # read on a phone
    assert facilitator.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # The participant checks their data.
    aroha.get_by_role("link", name=re.compile("Your data")).click()
    expect(aroha.locator("#my-public-name")).to_have_text("Anonymous")
    assert serious_violations(aroha) == []
    with aroha.expect_download() as download:
        aroha.get_by_role("link", name="Download a copy of your data").click()
    copy = json.loads(pathlib.Path(download.value.path()).read_text())
    assert copy["you"]["name"] == "Aroha" and copy["workshop"]["code"] == format_code(code)


def shift_clock(page, minutes):
    """Move this browser's clock on: the countdown runs on by itself between pushes."""
    page.evaluate(
        "(ms) => { const real = Date.now; Date.now = () => real() + ms; }", minutes * 60_000
    )


def test_countdown_warns_cues_the_next_owner_and_overruns(browser, server):
    facilitator = team_page(browser, server, *STAFF)
    code = create_run(facilitator, server)
    facilitator.goto(f"{server.url}/runs/{code}/console/")
    expect(facilitator.locator("#connection-status")).to_have_text("Connected")
    facilitator.get_by_role("button", name="Start the workshop").click()
    expect(facilitator.locator("#run-pause")).to_be_visible()
    host = team_page(browser, server, "hana-host", TEAM["hana-host"])
    host.goto(f"{server.url}/runs/{code}/host/")
    expect(host.locator("#connection-status")).to_have_text("Connected")
    expect(host.locator("#handoff-cue")).to_be_hidden()

    shift_clock(host, 9)  # a minute left of the 10-minute welcome; the host owns what's next
    expect(host.locator("#segment-timer")).to_have_class(re.compile("warning"))
    # The agenda list's line for the welcome runs with the big timer, between pushes too.
    expect(host.locator("#current-segment-time")).to_contain_text(re.compile(r"^9:\d\d of 10:00$"))
    expect(host.locator("#handoff-cue")).to_be_visible()
    expect(host.locator("#handoff-cue")).to_contain_text("What we will cover today")
    expect(facilitator.locator("#handoff-cue")).to_be_hidden()  # not the facilitator's turn

    shift_clock(facilitator, 25)
    expect(facilitator.locator("#segment-timer")).to_contain_text("over")
    expect(facilitator.locator("#segment-timer")).to_have_class(re.compile("overrun"))
    assert serious_violations(host) == []
