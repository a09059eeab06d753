"""Reactions end to end in real browsers: sent from a phone by keyboard beside an open poll,
floated up on the shared screen (and, for a viewer who prefers reduced motion, counted
without moving), refused when sent too fast, hidden when the team turns them off, reported."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, log_in, start_app
from tests.e2e.test_interactions import card, goto, join, open_run

PHONE = {"width": 360, "height": 740}
SCREEN = {"width": 1366, "height": 768}
CLAP = "👏"

# The animations running on the reactions' own elements, now.
REACTION_PARTS = "#screen-reactions, #screen-reactions *, #reaction-floats, #reaction-floats *"
RUNNING = f"""() => [...document.querySelectorAll("{REACTION_PARTS}")]
    .flatMap(e => e.getAnimations()).filter(a => a.playState === "running").length"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("reactions"))
    yield server
    server.stop()


def count_on(screen, emoji):
    return screen.locator(f'#screen-reactions .reaction-count[data-reaction="{emoji}"]')


def test_reactions_from_a_phone_to_the_screen_and_the_report(browser, server):
    console, code = open_run(browser, server, "Reactions run")
    projector = console.context.new_page()
    projector.set_viewport_size(SCREEN)
    projector.goto(f"{server.url}/runs/{code}/screen/")
    calm = browser.new_context(viewport=SCREEN, reduced_motion="reduce").new_page()
    log_in(calm, server, *STAFF)
    calm.goto(f"{server.url}/runs/{code}/screen/")
    aroha = join(browser, server, code, "Aroha")
    aroha.set_viewport_size(PHONE)
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 2)  # the "watched the video?" poll opens with its slide

    # The bar and the open poll both fit on a 360x740 phone, side by side in no way.
    bar = aroha.locator("#reaction-bar")
    poll = card(aroha, "Have you watched the Introduction to DPUP video?")
    expect(bar).to_be_visible()
    expect(poll).to_be_visible()
    bar_box, poll_box = bar.bounding_box(), poll.bounding_box()
    assert bar_box["y"] + bar_box["height"] <= PHONE["height"] + 0.5
    assert bar_box["x"] >= 0 and bar_box["x"] + bar_box["width"] <= PHONE["width"]
    assert poll_box["y"] >= 0 and poll_box["y"] + poll_box["height"] <= bar_box["y"]
    assert bar_box["height"] <= 80
    buttons = bar.get_by_role("button")
    expect(buttons).to_have_count(5)
    for name in ("Thumbs up", "Heart", "Laughing", "Surprised", "Applause"):
        button = bar.get_by_role("button", name=f"Send {name}", exact=True)
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44  # a thumb's target
    assert aroha.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(aroha) == []

    # By keyboard: the Applause button, then Enter. The phone confirms it.
    applause = bar.get_by_role("button", name="Send Applause", exact=True)
    applause.focus()
    aroha.keyboard.press("Enter")
    expect(aroha.locator("#reaction-status")).to_have_text("Sent: Applause.")

    # The screen shows the count, and floats the reaction up.
    expect(count_on(projector, CLAP).locator(".reaction-number")).to_have_text("1")
    floats = projector.locator("#reaction-floats .reaction-float")
    expect(floats).not_to_have_count(0)
    assert floats.first.evaluate("e => getComputedStyle(e).animationName") == "reaction-rise"
    # Big enough to read from the back of the room.
    size = count_on(projector, CLAP).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 24
    # The same count on a screen whose viewer prefers reduced motion, and nothing moves.
    expect(count_on(calm, CLAP).locator(".reaction-number")).to_have_text("1")
    expect(calm.locator("#reaction-floats .reaction-float")).to_have_count(0)
    assert calm.evaluate(RUNNING) == 0
    # The team sees the slide's counts in the console's room strip.
    expect(console.locator("#reactions-badge")).to_contain_text("Reactions on this slide:")
    tally = console.locator("#reactions-badge .reaction-tally", has_text="Applause")
    expect(tally).to_contain_text("1")

    # Too fast: refused, the buttons wait, and the status says so; then they come back.
    for _ in range(7):
        aroha.keyboard.press("Enter")
    status = aroha.locator("#reaction-status")
    expect(status).to_contain_text("you can send another in")
    expect(applause).to_be_disabled()
    expect(applause).to_be_focused()  # waiting takes nobody's place on the page
    expect(applause).to_be_enabled(timeout=8000)
    expect(status).to_have_text("You can send reactions again.")
    sent = count_on(projector, CLAP).locator(".reaction-number")
    expect(sent).not_to_have_text("1")
    total = int(sent.inner_text())
    assert 2 <= total <= 7  # at most a burst per rate window: never all eight
    expect(count_on(calm, CLAP).locator(".reaction-number")).to_have_text(str(total))
    assert calm.evaluate(RUNNING) == 0

    # The team turns reactions off: the bar leaves the phone, the counts leave the screen.
    settings = console.context.new_page()
    settings.goto(f"{server.url}/runs/{code}/settings/")
    settings.get_by_label(re.compile("may send reactions")).uncheck()
    settings.get_by_role("button", name="Save settings").click()
    expect(bar).to_be_hidden()
    expect(projector.locator("#screen-reactions")).to_be_hidden()
    expect(console.locator("#reactions-badge")).to_have_text("Reactions off")

    # The report tabulates them per slide.
    console.goto(f"{server.url}/runs/{code}/report/")
    table = console.locator("#report-reactions table")
    row = table.locator("tbody tr", has_text=re.compile(r"^\s*2\. "))
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(4)).to_have_text(str(total))  # the Applause column
    expect(row.locator("td").last).to_have_text(str(total))
    assert serious_violations(console) == []

    # Both exports count them (never who sent one): a Reactions sheet, and rows in insights.
    with console.expect_download() as workbook:
        console.get_by_role("link", name="Everything as a workbook (XLSX)").click()
    book = load_workbook(io.BytesIO(workbook.value.path().read_bytes()))
    sheet = [[cell.value for cell in row] for row in book["Reactions"].iter_rows()]
    (slide_2,) = [row for row in sheet if row and row[0] == 2]
    assert slide_2[2 + 4] == slide_2[-1] == total, sheet  # Applause, and all reactions
    with console.expect_download() as insights:
        console.get_by_role("link", name="Insights, no personal data (CSV)").click()
    rows = list(csv.reader(io.StringIO(insights.value.path().read_text("utf-8-sig"))))
    clapped = [row for row in rows if row[1] == "Reactions" and "Applause" in row[3]]
    assert [row[0] for row in clapped] == ["2"]
    assert clapped[0][4] in (str(total), "fewer than 3")
    assert "Aroha" not in str(rows)
