"""The report's exports in a real browser: the files download, and the report prints as the
document alone (no navigation, buttons or downloads)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import start_app
from tests.e2e.test_interactions import card, join, open_run


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("exports"))
    yield server
    server.stop()


def shown(page, selector: str) -> int:
    """How many of `selector` take up room on the page."""
    return sum(
        1
        for i in range(page.locator(selector).count())
        if (box := page.locator(selector).nth(i).bounding_box()) and box["width"] * box["height"]
    )


def test_the_report_downloads_its_exports_and_prints_clean(browser, server):
    console, code = open_run(browser, server, "Exports")
    aroha = join(browser, server, code, "Aroha", show=True)
    console.get_by_role("button", name="Start the workshop").click()
    intro = card(aroha, "Introduce yourself")
    intro.get_by_label("Your response").fill("Kia ora, my whānau and I")
    intro.get_by_role("button", name="Send my response").click()
    expect(intro.locator(".my-answer")).to_contain_text("Your response is saved")

    report = console.context.new_page()
    report.set_viewport_size({"width": 1366, "height": 768})
    report.goto(f"{server.url}/runs/{code}/report/")
    expect(report.locator("#report-exports")).to_be_visible()

    with report.expect_download() as workbook:
        report.get_by_role("link", name="Everything as a workbook (XLSX)").click()
    assert workbook.value.suggested_filename == f"{code}-results.xlsx"
    book = load_workbook(io.BytesIO(workbook.value.path().read_bytes()))
    assert book.sheetnames[0] == "Attendance"
    assert book["Attendance"]["B4"].value == "Aroha"
    answers = [cell.value for cell in book.worksheets[1]["C"]]
    assert "Kia ora, my whānau and I" in answers

    with report.expect_download() as insights:
        report.get_by_role("link", name="Insights, no personal data (CSV)").click()
    assert insights.value.suggested_filename == f"{code}-insights.csv"
    content = insights.value.path().read_text(encoding="utf-8-sig")
    assert "Introduce yourself" in content and "fewer than 3" in content
    assert "Aroha" not in content and "whānau" not in content

    report.reload()
    made = report.locator("#exports-made")
    expect(made).to_contain_text("Every interaction (XLSX)")
    expect(made).to_contain_text("Insights, no personal data (CSV)")

    # On screen: the navigation and the download buttons; on paper: the report alone.
    assert shown(report, ".site-header") == shown(report, ".team-nav") == 1
    assert shown(report, "#report-exports .button") == 3
    report.emulate_media(media="print")
    for furniture in (".site-header", ".team-nav", "#report-exports", ".button", "button"):
        assert shown(report, furniture) == 0, f"{furniture} would be printed"
    heading = report.get_by_role("heading", level=1).bounding_box()
    assert heading is not None and heading["y"] < 100  # the report starts the first page
    agenda = report.locator("#report-agenda")
    expect(agenda).to_be_visible()
    assert agenda.evaluate("table => table.scrollWidth <= table.parentElement.clientWidth")
    report.emulate_media(media="screen")
    assert shown(report, ".team-nav") == 1
