"""What a UX review found on the projector, the console and the list of runs, in real browsers
at the sizes people use: a 1366×768 laptop on a projector, a 390×844 phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sessions.models import format_code
from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, Link, log_in
from tests.e2e.test_interactions import goto, open_run

PROJECTOR = {"width": 1366, "height": 768}


def open_projector(console, server, code):
    projector = console.context.new_page()
    projector.set_viewport_size(PROJECTOR)
    projector.goto(f"{server.url}/runs/{code}/screen/")
    expect(projector.locator("#connection-status")).to_have_text("Connected")
    return projector


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_on_screen(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} isn't shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts off the screen: {box}"
    assert box["x"] + box["width"] <= PROJECTOR["width"], f"{selector} runs off the right: {box}"
    assert box["y"] + box["height"] <= PROJECTOR["height"], f"{selector} is below the fold: {box}"


def test_projector_join_link_fits_a_laptop_screen(browser, app_server):
    console, code = open_run(browser, app_server, "Projector width")
    projector = open_projector(console, app_server, code)
    join = projector.locator(".join-card")
    expect(join).to_contain_text(f"{app_server.url.split('//')[1]}/join")
    expect(join.locator(".code")).to_have_text(format_code(code))
    assert no_sideways_scroll(projector)
    assert_on_screen(projector, ".join-card")


def test_projector_shows_the_slide_and_the_results_together(browser, app_server):
    console, code = open_run(browser, app_server, "Projector results")
    projector = open_projector(console, app_server, code)
    console.get_by_role("button", name="Start the workshop").click()

    # Poll results on slide 2, a long slide: beside it, on the stage.
    goto(console, 2)
    staff_poll = console.locator("#activity-staff article", has_text="Have you watched")
    staff_poll.get_by_role("button", name=re.compile("Count one more for A, Yes")).click()
    staff_poll.get_by_role("button", name=re.compile("Show the results")).click()
    expect(projector.locator("#stage .stage-aside .chart-value").first).to_have_text("1 · 100%")
    expect(projector.locator("#current-slide")).to_have_attribute("data-slide", "2")
    assert_on_screen(projector, "#stage")
    assert_on_screen(projector, "#stage .stage-aside .chart")
    assert no_sideways_scroll(projector)

    # A revealed quiz answer with its explanation; then the scoreboard in its place.
    goto(console, 17)
    expect(projector.locator("#current-slide")).to_have_attribute("data-slide", "17")
    console.locator("#slide-next").click()  # the answer slide reveals it
    expect(projector.locator("#stage")).to_contain_text("carefully mapped against the Privacy Act")
    assert_on_screen(projector, "#stage .chart")
    console.get_by_role("button", name="Show the scoreboard").click()
    expect(projector.locator("#stage .scoreboard")).to_be_visible()
    assert_on_screen(projector, "#stage .scoreboard")
    assert no_sideways_scroll(projector)
    assert serious_violations(projector) == []


def test_projector_drops_the_join_details_once_the_workshop_has_ended(browser, app_server):
    console, code = open_run(browser, app_server, "Projector end")
    projector = open_projector(console, app_server, code)
    console.get_by_role("button", name="Start the workshop").click()
    join = projector.locator(".join-card")
    expect(join).to_be_visible()

    console.get_by_role("button", name="End the workshop").click()
    console.get_by_role("dialog").get_by_role("button", name="End the workshop").click()
    expect(projector.locator("#stage")).to_contain_text("Thank you for taking part")
    expect(join).to_be_hidden()
    expect(projector.locator(".join-qr")).to_be_hidden()
    # Still so when the projector is reloaded.
    projector.reload()
    expect(projector.locator("#connection-status")).to_have_text("Connected")
    expect(join).to_be_hidden()
    assert serious_violations(projector) == []


def test_projector_shows_the_connection_only_when_it_is_lost(browser, app_server):
    console, code = open_run(browser, app_server, "Projector connection")
    projector = console.context.new_page()
    projector.set_viewport_size(PROJECTOR)
    link = Link(projector)
    projector.goto(f"{app_server.url}/runs/{code}/screen/")
    status = projector.locator("#connection-status")
    expect(status).to_have_text("Connected")
    box = status.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1, box

    link.cut()
    expect(status).to_have_text(re.compile("reconnecting", re.IGNORECASE))
    box = status.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10, box
    assert_on_screen(projector, "#connection-status")

    link.restore()
    expect(status).to_have_text("Connected", timeout=15_000)
    expect(status).to_have_attribute("data-state", "connected")
    box = status.bounding_box()
    assert box is not None and box["width"] <= 1, box


def test_your_workshops_fits_a_phone(browser, app_server):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, app_server, *STAFF)
    page.goto(f"{app_server.url}/runs/new/")
    page.get_by_label("Title").fill("A workshop with a long enough title to wrap on a phone")
    page.get_by_role("button", name="Create the run").click()
    code = page.locator("#join-code").inner_text()
    page.goto(f"{app_server.url}/runs/")
    row = page.locator(".run-table tbody tr", has_text=code)
    expect(row).to_be_visible()
    assert no_sideways_scroll(page)
    # Each value says what it is, with the header row out of sight.
    cell = row.get_by_role("cell", name=f"Code: {code}")
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390, box
    assert serious_violations(page) == []


def test_asking_something_new_clears_the_form_and_an_old_error(browser, app_server):
    console, code = open_run(browser, app_server, "Ad hoc")
    console.get_by_role("button", name="Start the workshop").click()
    expect(console.locator("#run-pause")).to_be_visible()
    question = console.get_by_label("Question", exact=True)
    options = console.get_by_label(re.compile("^Poll options"))

    # Refused: what was typed stays, and the error says why.
    console.get_by_role("radio", name="Poll").check()
    question.fill("Coffee or tea?")
    options.fill("Coffee")
    console.get_by_role("button", name="Open it now").click()
    # Beside the form, where the facilitator is looking, not at the top of the page.
    feedback = console.locator("#adhoc-form .feedback")
    expect(feedback).to_contain_text("between 2 and 8 options")
    expect(console.locator("#ws-error")).to_have_text("")
    expect(question).to_have_value("Coffee or tea?")

    options.fill("Coffee\nTea")
    console.get_by_role("button", name="Open it now").click()
    expect(console.locator("#activity-staff article", has_text="Coffee or tea?")).to_be_visible()
    # At once, not when the error would have faded by itself (8 s).
    expect(feedback).to_have_text("", timeout=2_000)
    expect(question).to_have_value("", timeout=2_000)
    expect(options).to_have_value("")
    expect(console.get_by_role("radio", name="Share-out prompt")).to_be_checked()
    assert serious_violations(console) == []


def test_slide_buttons_are_disabled_at_the_ends_of_the_deck(browser, app_server):
    console, code = open_run(browser, app_server, "Deck ends")
    previous, following = console.locator("#slide-previous"), console.locator("#slide-next")
    console.get_by_role("button", name="Start the workshop").click()
    expect(console.locator("#run-pause")).to_be_visible()
    expect(previous).to_be_disabled()
    expect(following).to_be_enabled()

    following.click()  # the welcome hands over to the agenda slide
    expect(console.locator("#current-segment-title")).to_have_text("What we will cover today")
    expect(previous).to_be_enabled()  # back to the welcome, and it says so
    expect(previous).to_have_text("← Back: Welcome and introductions")

    last = console.locator("#goto-number option").last.get_attribute("value")
    goto(console, last)
    expect(console.locator("#current-slide")).to_have_attribute("data-slide", last)
    expect(following).to_be_disabled()
    expect(previous).to_be_enabled()

    previous.click()
    expect(console.locator("#current-slide")).to_have_attribute("data-slide", str(int(last) - 1))
    expect(following).to_be_enabled()

    # The presenter's view shares the controls and follows the same pushes.
    present = console.context.new_page()
    present.goto(f"{app_server.url}/runs/{code}/present/")
    expect(present.locator("#connection-status")).to_have_text("Connected")
    expect(present.locator("#slide-next")).to_be_enabled()
    following.click()
    expect(present.locator("#slide-next")).to_be_disabled()
    expect(present.locator("#slide-previous")).to_be_enabled()
    assert serious_violations(console) == []
