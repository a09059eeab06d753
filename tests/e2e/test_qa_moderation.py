"""A moderated Q&A in real browsers: a question asked by keyboard on a 360×740 phone waits for
the host, who approves, replies, pins and puts it on the shared screen; sorting by votes or by
time holds through pushes and a reload. With QA_SCREENSHOTS=<folder>, the phone's Q&A and the
host's panel are saved there as PNGs to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, TEAM, log_in, start_app

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
ASKED = "Who can see the recordings afterwards?"
LATER = "Is there a checklist we can use?"
REPLY = "Only the team, for 30 days. The notice on the join page says so."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("qa"))
    yield server
    server.stop()


def shot(page, name: str) -> None:
    folder = os.environ.get("QA_SCREENSHOTS")
    if folder:
        page.wait_for_timeout(200)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def moderated_run(browser, server) -> tuple:
    """The facilitator makes a run with a moderated, anonymous-friendly Q&A and a host."""
    page = browser.new_context(viewport=LAPTOP).new_page()
    log_in(page, server, *STAFF)
    page.goto(f"{server.url}/runs/new/")
    page.get_by_label("Title").fill("Moderated Q&A")
    page.get_by_label("Use a waiting room").uncheck()
    page.get_by_label("Moderate the Q&A").check()
    page.get_by_label("Participants may ask a question without their name").check()
    page.get_by_role("group", name="Hosts").get_by_label("hana-host").check()
    page.get_by_role("button", name="Create the run").click()
    code = page.locator("#join-code").inner_text().replace("-", "")
    page.goto(f"{server.url}/runs/{code}/console/")
    expect(page.locator("#connection-status")).to_have_text("Connected")
    return page, code


def join(browser, server, code, name, *, show=False):
    page = browser.new_context(viewport=PHONE, has_touch=True).new_page()
    page.goto(f"{server.url}/join/{code}/")
    page.get_by_label("Your name (optional)").fill(name)
    if show:
        page.get_by_label(re.compile("Show my name on shared screens")).check()
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.locator("#connection-status")).to_have_text("Connected")
    return page


def fits_the_phone(page, selector: str) -> None:
    """Every box the selector finds lies within the 360px viewport, and nothing scrolls
    sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), selector
    boxes = page.locator(selector)
    assert boxes.count(), selector
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box is not None, (selector, i)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (selector, box)


def listed(page) -> list[str]:
    return page.locator("#qa-list ol[data-qa-sortable] > li .question-text").all_inner_texts()


def test_a_moderated_question_from_phone_to_screen(browser, server):
    console, code = moderated_run(browser, server)
    console.get_by_role("button", name="Start the workshop").click()
    host = browser.new_context(viewport=LAPTOP).new_page()
    log_in(host, server, "hana-host", TEAM["hana-host"])
    host.goto(f"{server.url}/runs/{code}/host/")
    expect(host.locator("#connection-status")).to_have_text("Connected")
    expect(host.locator("#qa-settings")).to_contain_text("Moderated")
    projector = console.context.new_page()
    projector.goto(f"{server.url}/runs/{code}/screen/")
    aroha = join(browser, server, code, "Aroha", show=True)  # named on screens...
    sam = join(browser, server, code, "Sam")

    # ...but asks without her name, all by keyboard.
    aroha.locator("#question-text").focus()
    aroha.keyboard.type(ASKED)
    aroha.keyboard.press("Tab")
    expect(aroha.locator("#question-anonymous")).to_be_focused()
    aroha.keyboard.press("Space")
    expect(aroha.locator("#question-anonymous")).to_be_checked()
    aroha.keyboard.press("Tab")
    expect(aroha.get_by_role("button", name="Ask", exact=True)).to_be_focused()
    aroha.keyboard.press("Enter")
    feedback = aroha.locator('[data-feedback-for="question.ask"]')
    expect(feedback).to_contain_text("once they approve it")
    expect(aroha.locator("#question-text")).to_have_value("")
    mine = aroha.locator("#my-questions")
    expect(mine).to_contain_text(ASKED)
    expect(mine).to_contain_text("Waiting for the team")
    expect(aroha.locator("#qa-list")).not_to_contain_text(ASKED)
    fits_the_phone(aroha, "#my-questions li, #question-form, .qa-sort button")
    assert serious_violations(aroha) == []
    aroha.locator("#question-form").evaluate("el => el.scrollIntoView({block: 'start'})")
    shot(aroha, "qa-phone-waiting")

    # Nobody else sees it; the host has it in the queue, without a name.
    queue = host.locator(".qa-queue")
    expect(queue).to_contain_text(ASKED)
    expect(queue).to_contain_text("Asked anonymously")
    expect(queue).not_to_contain_text("Aroha")
    expect(console.locator("#questions-badge")).to_contain_text("1 to approve")
    assert ASKED not in sam.content()
    shot(host, "qa-host-queue")

    queue.get_by_role("button", name=re.compile("^Approve")).click()
    expect(sam.locator("#qa-list")).to_contain_text(ASKED)
    expect(aroha.locator("#qa-list")).to_contain_text(ASKED)
    expect(mine).to_be_hidden()
    expect(host.locator(".qa-queue")).to_have_count(0)
    assert "Aroha" not in sam.locator("#qa-list").inner_text()
    sam.locator("#qa-list").get_by_role("button", name=re.compile("^Upvote")).click()
    expect(host.locator("#qa-list")).to_contain_text("1 vote")

    # A later question, approved too: sorting by time puts it first, and the choice holds
    # through the pushes that replace the list, and a reload.
    sam.locator("#question-text").fill(LATER)
    sam.get_by_role("button", name="Ask", exact=True).click()
    expect(sam.locator("#my-questions")).to_contain_text("Waiting for the team")
    host.locator(".qa-queue").get_by_role("button", name=re.compile("^Approve")).click()
    expect(aroha.locator("#qa-list")).to_contain_text(LATER)
    assert listed(aroha) == [ASKED, LATER]  # by votes
    newest = aroha.get_by_role("button", name="Newest")
    newest.click()
    expect(newest).to_have_attribute("aria-pressed", "true")
    assert listed(aroha) == [LATER, ASKED]

    # The host replies in writing: the box folds away once the reply shows.
    row = host.locator("#qa-list li", has_text=ASKED)
    row.get_by_text("Reply in writing").click()
    row.get_by_label(re.compile("^Reply")).fill(REPLY)
    row.get_by_role("button", name="Send the reply").click()
    expect(row.locator(".qa-reply")).to_contain_text(REPLY)
    expect(row.locator("details.qa-reply-box")).not_to_have_attribute("open", "")
    reply = aroha.locator("#qa-list li", has_text=ASKED).locator(".qa-reply")
    expect(reply).to_contain_text(REPLY)
    assert listed(aroha) == [LATER, ASKED]  # the push kept her choice of order
    aroha.reload()
    expect(aroha.locator("#connection-status")).to_have_text("Connected")
    expect(aroha.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")
    expect(aroha.locator("#qa-list")).to_contain_text(REPLY)
    assert listed(aroha) == [LATER, ASKED]

    # Pinned: first in every order.
    host.locator("#qa-list li", has_text=ASKED).get_by_role(
        "button", name=re.compile("^Pin to the top")
    ).click()
    expect(aroha.locator("#qa-list li", has_text=ASKED)).to_contain_text("Pinned")
    assert listed(aroha) == [ASKED, LATER]
    assert listed(sam) == [ASKED, LATER]
    fits_the_phone(aroha, "#qa-list li, .qa-reply, .qa-sort button")
    aroha.locator(".qa-sort").evaluate("el => el.scrollIntoView({block: 'start'})")
    shot(aroha, "qa-phone-list")
    assert serious_violations(aroha) == []

    # On the shared screen, without her name.
    host.locator("#qa-list li", has_text=ASKED).get_by_role(
        "button", name=re.compile("^Put it on the screen")
    ).click()
    spot = projector.locator("#stage .focus-item")
    expect(spot).to_contain_text(ASKED)
    expect(spot).to_contain_text("Asked anonymously")
    expect(spot).to_contain_text(REPLY)
    assert "Aroha" not in projector.locator("#stage").inner_text()
    shot(host, "qa-host-panel")
    console.locator("#staff-qa-heading").evaluate("el => el.scrollIntoView({block: 'start'})")
    shot(console, "qa-console-panel")
    shot(projector, "qa-screen")
    assert serious_violations(host) == []
    for page in (console, host, aroha, sam):
        page.context.close()
