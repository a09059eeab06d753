"""A rating scale end to end in real browsers: added to a slide in the admin, opened with its
slide, rated on a phone by keyboard, shown on the shared screen, reported and exported."""

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
STATEMENTS = ["I know where to find DPUP", "I could explain it", "I will use it at work"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("rating"))
    yield server
    server.stop()


def add_rating_scale_in_the_admin(page, server) -> None:
    """The facilitator gives slide 5 a rating scale, statements and all, on its admin page."""
    page.goto(f"{server.url}/admin/slides/slide/?q=The+journey")
    page.locator("#result_list").get_by_role("link", name="5", exact=True).click()
    page.get_by_text("Add another Rating scale").click()
    page.locator("#id_rating-0-key").fill("journey-ready")
    page.locator("#id_rating-0-question").fill("How ready do you feel?")
    page.locator("#id_rating-0-low_label").fill("Not yet")
    page.locator("#id_rating-0-high_label").fill("Very ready")
    page.locator("#id_rating-0-lines").fill("\n".join(STATEMENTS[:2]))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    # Edited again on the same page: a third statement.
    expect(page.locator("#id_rating-0-lines")).to_have_value("\n".join(STATEMENTS[:2]))
    page.locator("#id_rating-0-lines").fill("\n".join(STATEMENTS))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def rate_by_keyboard(phone, statement: int, rating: int) -> None:
    """Tab from the card's heading to the rating, and press it with the space bar."""
    scale = card(phone, "How ready")
    scale.locator("h2").focus()
    target = scale.locator(f"fieldset.rating-row >> nth={statement}").get_by_role(
        "button", name=re.compile(rf"^{rating}\b")
    )
    for _ in range(40):
        phone.keyboard.press("Tab")
        if target.evaluate("b => b === document.activeElement"):
            break
    else:
        raise AssertionError(f"Tab never reached rating {rating} of statement {statement}")
    phone.keyboard.press("Space")


def test_a_rating_scale_from_the_admin_to_the_exports(browser, server):
    admin = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(admin, server, *STAFF)
    add_rating_scale_in_the_admin(admin, server)

    console, code, projector, aroha, sam = started_room(browser, server, "Rating run")
    goto(console, 5)

    scale = card(aroha, "How ready")
    expect(scale.locator("legend")).to_have_text(STATEMENTS)
    # The scale's ends are named for screen readers on the first and last buttons.
    first_row = scale.locator("fieldset.rating-row").first
    expect(first_row.get_by_role("button", name="1, Not yet")).to_be_visible()
    expect(first_row.get_by_role("button", name="5, Very ready")).to_be_visible()
    # Three statements of five buttons fit the phone's width and height, no scrolling.
    aroha.locator("#activity").scroll_into_view_if_needed()
    rows = scale.locator("fieldset.rating-row")
    last = rows.nth(2).get_by_role("button", name=re.compile(r"^5\b")).bounding_box()
    for n in range(3):
        for button in rows.nth(n).get_by_role("button").all():
            box = button.bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.5.8 target size
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert last["y"] + last["height"] <= PHONE["height"]
    assert aroha.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    rate_by_keyboard(aroha, 0, 4)
    rate_by_keyboard(aroha, 2, 5)
    expect(scale.locator(".my-answer")).to_have_text("You have rated 2 of 3: saved.")
    expect(rows.nth(0).get_by_role("button", name=re.compile(r"^4\b"))).to_have_attribute(
        "aria-pressed", "true"
    )
    rate_by_keyboard(aroha, 0, 2)  # a change of mind replaces the rating
    expect(rows.nth(0).get_by_role("button", name=re.compile(r"^4\b"))).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(rows.nth(0).get_by_role("button", name=re.compile(r"^2\b"))).to_have_attribute(
        "aria-pressed", "true"
    )
    sam_scale = card(sam, "How ready")
    sam_scale.locator("fieldset.rating-row").nth(0).get_by_role("button", name="4").click()
    expect(sam_scale.locator(".my-answer")).to_have_text("You have rated 1 of 3: saved.")

    staff = console.locator("#activity-staff article", has_text="How ready")
    expect(staff.locator(".counts")).to_contain_text("2 people rated")
    expect(staff.locator(".rating-result").first).to_contain_text("mean 3.0 · 2 rated")

    # Results stay with the team until shown; then the screen shows each distribution.
    expect(projector.locator("#stage .rating-results")).to_have_count(0)
    staff.get_by_role("button", name=re.compile("Show the results")).click()
    shown = projector.locator("#stage .rating-result")
    expect(shown).to_have_count(3)
    expect(shown.first).to_contain_text("mean 3.0 · 2 rated")
    expect(shown.nth(1)).to_contain_text("no ratings yet")
    expect(shown.nth(2)).to_contain_text("mean 5.0 · 1 rated")
    # The columns: rated 4 (one person) is as tall as rated 2 (one person); 5 is empty.
    heights = shown.first.locator(".chart-fill").evaluate_all(
        "rects => rects.map(r => r.getBoundingClientRect().height)"
    )
    assert heights[1] == heights[3] > 0 and heights[0] == heights[2] == heights[4] == 0
    aside = projector.locator("#stage .stage-aside").bounding_box()
    for n in range(3):
        box = shown.nth(n).bounding_box()
        assert box["y"] + box["height"] <= aside["y"] + aside["height"] + 1  # nothing clipped
    size = shown.first.locator(".rating-statement").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 14  # readable from the back of the room on a 768-pixel-high screen
    expect(scale.locator(".rating-results")).to_contain_text("mean 3.0 · 2 rated")
    assert serious_violations(projector) == []
    assert serious_violations(aroha) == []
    assert serious_violations(console) == []

    # The report charts each statement and tables the counts beside it; the exports hold them.
    report = console.context.new_page()
    report.set_viewport_size({"width": 1366, "height": 768})
    report.goto(f"{server.url}/runs/{code}/report/")
    item = report.locator("article.report-item", has_text="How ready")
    expect(item.locator(".counts")).to_contain_text("2 people rated")
    expect(item.locator("tbody tr").first).to_have_text(
        re.compile(r"I know where to find DPUP\s*0\s*1\s*0\s*1\s*0\s*3\.0\s*2")
    )
    with report.expect_download() as download:
        report.locator("#report-exports").get_by_role(
            "link", name=re.compile("Rating scale, slide 5")
        ).click()
    rows_csv = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert rows_csv[0] == ["Participant", *STATEMENTS, "Answered at"]
    assert sorted(row[:4] for row in rows_csv[1:]) == [
        ["Aroha", "2", "", "5"],
        ["Sam", "4", "", ""],
    ]
    with report.expect_download() as workbook:
        report.get_by_role("link", name="Everything as a workbook (XLSX)").click()
    book = load_workbook(io.BytesIO(workbook.value.path().read_bytes()))
    (sheet,) = [s for s in book.worksheets if "How ready" in s.title]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert values[0][:4] == ["Participant", *STATEMENTS]
    assert sorted(row[1] for row in values[1:]) == [2, 4]
    with report.expect_download() as insights:
        report.get_by_role("link", name="Insights, no personal data (CSV)").click()
    content = insights.value.path().read_text(encoding="utf-8-sig")
    assert "I know where to find DPUP: rated 4,fewer than 3" in content
    assert "Aroha" not in content and "Sam" not in content
