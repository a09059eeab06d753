"""An open question end to end in real browsers: added to a slide in the admin, opened with
its slide, answered on a phone by keyboard, shown on the shared screen without names, one
answer hidden and one kept, in the report and in both exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, log_in, start_app
from tests.e2e.test_interactions import card, goto, started_room

PHONE = {"width": 360, "height": 740}
QUESTION = "What would you tell a new colleague about asking for information?"
AROHA_SAYS = "Say why you ask, and what happens to it afterwards."
SAM_SAYS = "Only ask for what you need " + "and nothing more, " * 12 + "ever."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("opentext"))
    yield server
    server.stop()


def add_open_question_in_the_admin(page, server) -> None:
    """The facilitator gives slide 5 an open question on the slide's own admin page."""
    page.goto(f"{server.url}/admin/slides/slide/?q=The+journey")
    page.locator("#result_list").get_by_role("link", name="5", exact=True).click()
    page.get_by_text("Add another Open question").click()
    page.locator("#id_opentext-0-key").fill("tell-a-colleague")
    page.locator("#id_opentext-0-question").fill(QUESTION)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def font_size(locator) -> float:
    return locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_an_open_question_from_the_admin_to_the_exports(browser, server):
    admin = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(admin, server, *STAFF)
    add_open_question_in_the_admin(admin, server)

    console, code, projector, aroha, sam = started_room(browser, server, "Open question run")
    goto(console, 5)

    # On the phone: the question, a labelled box with its count, and Send, all on screen
    # at once with the card's heading at the top; nothing wider than the phone.
    asked = card(aroha, "new colleague")
    box = asked.get_by_label("Your answer")
    expect(box).to_be_visible()
    asked.locator("h2").evaluate("e => e.scrollIntoView({block: 'start'})")
    send = asked.get_by_role("button", name="Send my answer")
    count = asked.locator(".open-count")
    expect(count).to_have_text("0 of 1000 characters")
    for element in (asked.locator("h2"), box, count, send):
        place = element.bounding_box()
        assert place["y"] >= -1 and place["y"] + place["height"] <= PHONE["height"], place
        assert place["x"] >= 0 and place["x"] + place["width"] <= PHONE["width"], place
    assert aroha.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert font_size(count) >= 14 and font_size(box) >= 16  # no zoom on focus in iOS

    # By keyboard: type, Tab to Send, Enter. The count follows the typing; the answer comes
    # back as theirs.
    box.focus()
    aroha.keyboard.type("Say why you ask.")
    expect(count).to_have_text("16 of 1000 characters")
    aroha.keyboard.press("Tab")
    expect(send).to_be_focused()
    aroha.keyboard.press("Enter")
    expect(asked.locator(".my-answer")).to_have_text("Your answer: “Say why you ask.”")
    # Sending again replaces it.
    box.fill(AROHA_SAYS)
    send.click()
    expect(asked.locator(".my-answer")).to_have_text(f"Your answer: “{AROHA_SAYS}”")
    # Nothing empty is stored: the error says so beside the box, and the answer stays.
    box.fill("   ")
    send.click()
    expect(asked.locator(".feedback")).to_contain_text("Write your answer first")
    expect(asked.locator(".my-answer")).to_have_text(f"Your answer: “{AROHA_SAYS}”")

    sam_card = card(sam, "new colleague")
    sam_card.get_by_label("Your answer").fill(SAM_SAYS)
    sam_card.get_by_role("button", name="Send my answer").click()
    expect(sam_card.locator(".my-answer")).to_contain_text("Your answer: “Only ask")

    # The team sees every answer by name, newest first.
    staff = console.locator("#activity-staff article", has_text="new colleague")
    expect(staff.locator(".counts")).to_contain_text("2 answers")
    rows = staff.locator(".open-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Sam")
    expect(rows.nth(1)).to_contain_text("Aroha")
    expect(rows.nth(1)).to_contain_text(AROHA_SAYS)

    # Nothing reaches the room until the team shows the results; then no names.
    expect(projector.locator("#stage .open-answer")).to_have_count(0)
    expect(asked.locator(".open-answer")).to_have_count(0)
    staff.get_by_role("button", name=re.compile("Show the results")).click()
    on_screen = projector.locator("#stage .open-answer")
    expect(on_screen).to_have_count(2)
    expect(on_screen.nth(0)).to_contain_text("Only ask for what you need")
    expect(on_screen.nth(1)).to_have_text(AROHA_SAYS)
    expect(projector.locator("#stage .aside-card")).not_to_contain_text("Aroha")
    expect(projector.locator("#stage .aside-card")).not_to_contain_text("Sam")
    expect(asked.locator(".open-answer")).to_have_count(2)

    # Long answers wrap inside their card on the screen and on the phone, never past it.
    aside = projector.locator("#stage .aside-card").bounding_box()
    for index in range(2):
        answer = on_screen.nth(index)
        assert inside(answer.bounding_box(), aside)
        assert answer.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert font_size(on_screen.nth(0)) >= 14
    for answer in asked.locator(".open-answer").all():
        place = answer.bounding_box()
        assert place["x"] >= 0 and place["x"] + place["width"] <= PHONE["width"]
    assert aroha.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(projector) == []
    assert serious_violations(aroha) == []

    # The team hides Sam's answer: gone from every screen; Sam is told. They keep Aroha's.
    rows.filter(has_text="Sam").get_by_role("button", name=re.compile("Hide from the room")).click()
    expect(on_screen).to_have_count(1)
    expect(on_screen.nth(0)).to_have_text(AROHA_SAYS)
    expect(asked.locator(".open-answer")).to_have_count(1)
    expect(sam_card.locator(".my-answer")).to_contain_text("The team hid it from the room")
    expect(rows.filter(has_text="Sam")).to_contain_text("hidden from the room")
    rows.filter(has_text="Aroha").get_by_role(
        "button", name=re.compile("Keep for insights")
    ).click()
    expect(rows.filter(has_text="Aroha")).to_contain_text("kept for insights")
    expect(staff.locator(".counts")).to_contain_text("1 hidden from the room · 1 kept")
    assert serious_violations(console) == []

    # The report: every answer by name, hidden and kept marked.
    report = console.context.new_page()
    report.set_viewport_size({"width": 1366, "height": 768})
    report.goto(f"{server.url}/runs/{code}/report/")
    item = report.locator("article.report-item", has_text="new colleague")
    expect(item.locator("li", has_text="Aroha")).to_contain_text("kept for insights")
    expect(item.locator("li", has_text="Aroha")).to_contain_text(AROHA_SAYS)
    expect(item.locator("li", has_text="Sam")).to_contain_text("hidden from the room")

    # The workbook names who wrote what; the insights hold the kept text, never the other.
    with report.expect_download() as workbook:
        report.get_by_role("link", name="Everything as a workbook (XLSX)").click()
    book = load_workbook(io.BytesIO(workbook.value.path().read_bytes()))
    sheet = next(s for s in book.worksheets if s["A1"].value.startswith("Open question"))
    assert [c.value for c in sheet[3]] == [
        "Participant", "Answer", "Hidden", "Kept for insights", "Answered at",
    ]  # fmt: skip
    table = {row[0].value: [c.value for c in row[1:4]] for row in sheet.iter_rows(min_row=4)}
    assert table["Aroha"] == [AROHA_SAYS, None, "yes"]
    assert table["Sam"] == [SAM_SAYS, "yes", None]
    with report.expect_download() as insights:
        report.get_by_role("link", name="Insights, no personal data (CSV)").click()
    content = insights.value.path().read_text(encoding="utf-8-sig")
    rows_of = [row for row in csv.reader(io.StringIO(content)) if row[2] == QUESTION]
    assert [row[3:] for row in rows_of] == [
        ["Answers", "fewer than 3"],
        [AROHA_SAYS, "kept by the team"],
    ]
    assert "Only ask for what you need" not in content
    assert "Aroha" not in content and "Sam" not in content
