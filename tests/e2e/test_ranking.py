"""A ranking end to end in real browsers: added on a slide's admin page (a poll's options edited
there too), opened with its slide, put in order on a 360×740 phone by keyboard alone, combined
on the shared screen once the team shows it, in the report and in both exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, log_in, start_app
from tests.e2e.test_interactions import card, goto, started_room

PHONE = {"width": 360, "height": 740}
QUESTION = "Which matters most when you share your data?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("ranking"))
    yield server
    server.stop()


def slide_page(page, server, title: str, number: int) -> None:
    page.goto(f"{server.url}/admin/slides/slide/?q={title.replace(' ', '+')}")
    page.locator("#result_list").get_by_role("link", name=str(number), exact=True).click()


def save(page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def edit_in_the_admin(page, server) -> None:
    """Slide 5 gets a ranking, whose items are then changed on the same page; slide 2's poll
    gets a third option, also on the slide's own page."""
    slide_page(page, server, "The journey", 5)
    page.get_by_text("Add another Ranking").click()
    page.locator("#id_ranking-0-key").fill("what-matters-most")
    page.locator("#id_ranking-0-question").fill(QUESTION)
    page.locator("#id_ranking-0-lines").fill("Trust\nWhanau\nConsent\nPurpose\nAccess\n")
    save(page)
    slide_page(page, server, "The journey", 5)
    items = page.locator("#id_ranking-0-lines")
    expect(items).to_have_value("Trust\nWhanau\nConsent\nPurpose\nAccess")
    # A repeated item is refused beside the field, and nothing is lost.
    items.fill("Trust\nWhānau\nConsent\nPurpose\ntrust")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("“trust” is there twice")
    expect(items).to_have_value("Trust\nWhānau\nConsent\nPurpose\ntrust")
    items.fill("Trust\nWhānau\nConsent\nPurpose\nAccess")
    save(page)

    slide_page(page, server, "In short", 2)
    options = page.locator("#id_poll-0-lines")
    expect(options).to_have_value("Yes\nNot yet")
    options.fill("Yes\nNot yet\nI'm not sure")
    save(page)


def tab_to(page, label: str, limit: int = 20) -> None:
    """Press Tab until the control named `label` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == label:
            return
    raise AssertionError(f"Tab never reached {label!r}")


def focused_label(page) -> str:
    return page.evaluate(
        "document.activeElement.getAttribute('aria-label') || document.activeElement.textContent"
    )


def test_a_ranking_from_the_admin_to_the_exports(browser, server):
    admin = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in(admin, server, *STAFF)
    edit_in_the_admin(admin, server)

    console, code, projector, aroha, sam = started_room(browser, server, "Ranking run")

    # The poll's third option, edited on the slide's page, is on the phone.
    goto(console, 2)
    expect(card(aroha, "Have you watched").get_by_role("button")).to_have_count(3)
    expect(card(aroha, "Have you watched")).to_contain_text("I'm not sure")

    goto(console, 5)
    ranking = card(aroha, QUESTION)
    expect(ranking.locator(".rank-item")).to_have_count(5)
    # Five items and the send button fit the phone: the card, put at the top, ends on screen.
    ranking.locator("h2").evaluate("h => h.scrollIntoView({block: 'start'})")
    send = ranking.get_by_role("button", name="Send my order")
    box, button = ranking.bounding_box(), send.bounding_box()
    assert box["height"] <= PHONE["height"], box
    assert button["y"] + button["height"] <= PHONE["height"], button
    for part in (box, button):
        assert part["x"] >= 0 and part["x"] + part["width"] <= PHONE["width"]
    assert aroha.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for move in ranking.locator(".rank-move").all():
        target = move.bounding_box()
        assert target["width"] >= 44 and target["height"] >= 44  # a thumb's target

    # By keyboard alone: Consent up twice, Purpose down once, then send.
    ranking.locator("h2").focus()
    tab_to(aroha, "Move “Consent” up")
    aroha.keyboard.press("Enter")
    expect(ranking.locator("[data-rank-status]")).to_have_text("Consent is now 2 of 5.")
    assert focused_label(aroha) == "Move “Consent” up"  # the focus followed the item
    aroha.keyboard.press("Enter")
    expect(ranking.locator("[data-rank-status]")).to_have_text("Consent is now 1 of 5.")
    assert focused_label(aroha) == "Move “Consent” up"
    expect(ranking.get_by_role("button", name="Move “Consent” up")).to_have_attribute(
        "aria-disabled", "true"
    )
    aroha.keyboard.press("Enter")  # already first: it says so, and stays
    expect(ranking.locator("[data-rank-status]")).to_have_text("Consent is already first.")
    tab_to(aroha, "Move “Purpose” down")
    aroha.keyboard.press("Enter")
    expect(ranking.locator("[data-rank-status]")).to_have_text("Purpose is now 5 of 5.")
    expect(ranking.locator(".rank-text")).to_have_text(
        ["Consent", "Trust", "Whānau", "Access", "Purpose"]
    )
    expect(ranking.locator(".rank-place")).to_have_text(["1", "2", "3", "4", "5"])
    aroha.keyboard.press("Tab")
    assert focused_label(aroha) == "Send my order"
    aroha.keyboard.press("Enter")
    mine = ranking.locator(".my-answer")
    expect(mine).to_have_text(
        "Your order is saved: 1. Consent · 2. Trust · 3. Whānau · 4. Access · 5. Purpose"
    )
    assert serious_violations(aroha) == []

    # Sam, by touch: Consent up twice (Consent, Trust, Whānau, Purpose, Access).
    sams = card(sam, QUESTION)
    sams.get_by_role("button", name="Move “Consent” up").click()
    sams.get_by_role("button", name="Move “Consent” up").click()
    sams.get_by_role("button", name="Send my order").click()
    expect(sams.locator(".my-answer")).to_contain_text("1. Consent · 2. Trust")

    # Borda: Consent 4 + 4, Trust 3 + 3, Whānau 2 + 2, Purpose 0 + 1, Access 1 + 0 (a tie:
    # the deck's order puts Purpose first).
    combined = ["Consent", "Trust", "Whānau", "Purpose", "Access"]
    scores = ["8 points", "6 points", "4 points", "1 point", "1 point"]
    staff = console.locator("#activity-staff article", has_text=QUESTION)
    expect(staff.locator(".counts")).to_contain_text("2 people ranked")
    expect(staff.locator(".ranking-row .chart-label")).to_have_text(combined)

    # Hidden from the room until the team shows it.
    expect(projector.locator("#stage .ranking-results")).to_have_count(0)
    expect(ranking.locator(".ranking-results")).to_have_count(0)
    expect(projector.locator("#stage .band-item")).to_contain_text("2 people ranked")
    staff.get_by_role("button", name=re.compile("Show the results")).click()
    shown = projector.locator("#stage .ranking-results")
    expect(shown.locator(".chart-label")).to_have_text(combined)
    expect(shown.locator(".chart-value")).to_have_text(scores)
    expect(shown.locator("figcaption")).to_contain_text("2 people ranked")
    # Large enough to read across a room, inside the stage, bars longest for the top.
    stage = projector.locator("#stage .stage-frame").bounding_box()
    figure = shown.bounding_box()
    assert figure["y"] + figure["height"] <= stage["y"] + stage["height"]
    label_size = shown.locator(".chart-label").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert label_size >= 18, label_size
    bars = [b.bounding_box()["width"] for b in shown.locator(".chart-fill").all()]
    assert bars == sorted(bars, reverse=True) and bars[0] > bars[2]
    expect(ranking.locator(".ranking-results .chart-label")).to_have_text(combined)
    assert serious_violations(projector) == []
    assert serious_violations(console) == []

    # The report's table, and the exports.
    report = console.context.new_page()
    report.goto(f"{server.url}/runs/{code}/report/")
    section = report.locator("article.report-item", has_text=QUESTION)
    expect(section).to_contain_text("2 people ranked 5 items")
    expect(section.locator("tbody tr")).to_have_count(5)
    expect(section.locator("tbody tr").first).to_contain_text("Consent")
    expect(section.locator("tbody tr").first).to_contain_text("8")

    with report.expect_download() as team:
        report.locator("#report-exports").get_by_role(
            "link", name=re.compile(re.escape(QUESTION))
        ).click()
    rows = list(csv.reader(io.StringIO(team.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Participant", "Order", "Answered at"]
    orders = {row[0]: row[1] for row in rows[1:]}
    assert orders["Aroha"] == "1. Consent; 2. Trust; 3. Whānau; 4. Access; 5. Purpose"
    assert orders["Sam"].startswith("1. Consent; 2. Trust; 3. Whānau; 4. Purpose")

    with report.expect_download() as insights:
        report.get_by_role("link", name="Insights, no personal data (CSV)").click()
    content = insights.value.path().read_text(encoding="utf-8-sig")
    lines = [row[3:] for row in csv.reader(io.StringIO(content)) if row[2] == QUESTION]
    # Two people ranked: fewer than the insights' threshold, so no score that would tell
    # what each of them chose, only how many.
    assert lines == [["People who ranked the items", "fewer than 3"]]
    assert "Aroha" not in content and "Sam" not in content
