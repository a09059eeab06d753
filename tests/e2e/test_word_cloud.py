"""A word cloud end to end in real browsers: added to a slide in the admin, opened with its
slide, answered on a phone by keyboard, shown on the shared screen, moderated, reported."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, log_in, start_app
from tests.e2e.test_interactions import card, goto, join, open_run

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("wordcloud"))
    yield server
    server.stop()


def add_word_cloud_in_the_admin(page, server) -> None:
    """The facilitator gives slide 5 a word cloud on the slide's own admin page."""
    page.goto(f"{server.url}/admin/slides/slide/?q=The+journey")
    page.locator("#result_list").get_by_role("link", name="5", exact=True).click()
    page.get_by_text("Add another Word cloud").click()
    page.locator("#id_wordcloud-0-key").fill("journey-in-a-word")
    page.locator("#id_wordcloud-0-question").fill("In a word: what matters to you about your data?")
    page.locator("#id_wordcloud-0-max_words").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def send_words_by_keyboard(phone, words: list[str]) -> None:
    cloud = card(phone, "In a word")
    cloud.get_by_label("Word 1").focus()
    for index, word in enumerate(words):
        if index:
            phone.keyboard.press("Tab")
        phone.keyboard.type(word)
    phone.keyboard.press("Enter")


def test_a_word_cloud_from_the_admin_to_the_report(browser, server):
    admin = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(admin, server, *STAFF)
    add_word_cloud_in_the_admin(admin, server)

    console, code = open_run(browser, server, "Word cloud run")
    projector = console.context.new_page()
    projector.set_viewport_size({"width": 1366, "height": 768})
    projector.goto(f"{server.url}/runs/{code}/screen/")
    aroha = join(browser, server, code, "Aroha", show=True)
    aroha.set_viewport_size(PHONE)
    sam = join(browser, server, code)
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 5)

    cloud = card(aroha, "In a word")
    expect(cloud.get_by_label("Word 1")).to_be_visible()
    expect(cloud.get_by_label("Word 2")).to_be_visible()
    expect(cloud.get_by_label("Word 3")).to_have_count(0)  # max words: 2, from the admin
    # On the phone the whole card fits the width, and the send button is on screen.
    send_button = cloud.get_by_role("button", name="Send my words")
    for box in (cloud.bounding_box(), send_button.bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert aroha.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    send_words_by_keyboard(aroha, ["whānau", "Trust"])
    expect(cloud.locator(".my-answer")).to_have_text("Your words: whānau · Trust")
    send_words_by_keyboard(sam, ["trust", "whanau"])
    expect(card(sam, "In a word").locator(".my-answer")).to_have_text("Your words: trust · whanau")

    staff = console.locator("#activity-staff article", has_text="In a word")
    expect(staff.locator(".counts")).to_contain_text("2 people sent words")
    expect(staff.locator(".cloud-moderation").first).to_contain_text("Trust · 2")

    # Results stay with the team until shown; then phones and the screen show the cloud.
    expect(projector.locator("#stage .word-cloud")).to_have_count(0)
    expect(cloud.locator(".word-cloud")).to_have_count(0)
    staff.get_by_role("button", name=re.compile("Show the results")).click()
    shown = projector.locator("#stage .cloud-words")
    expect(shown).to_contain_text("Trust")
    biggest = shown.locator(".size-5").first
    smallest = shown.locator(".size-1").first
    expect(biggest).to_contain_text("Trust")  # sent by both
    size = lambda element: element.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")  # noqa: E731
    assert size(biggest) > 2 * size(smallest)
    # Macrons keep words apart: "whānau" and "whanau" are two words, each sent once.
    expect(shown.locator("li", has_text="whānau")).to_have_count(1)
    expect(shown.locator("li", has_text="whanau")).to_have_count(1)
    expect(cloud.locator(".cloud-words")).to_contain_text("Trust 2")
    assert serious_violations(projector) == []
    assert serious_violations(aroha) == []

    # The team hides a word: it leaves every screen, and cannot be sent again.
    staff.get_by_role("button", name=re.compile("Hide “whanau”")).click()
    expect(shown.locator("li", has_text="whanau")).to_have_count(0)
    expect(cloud.locator(".cloud-words li", has_text="whanau")).to_have_count(0)
    expect(staff).to_contain_text("Hidden from every screen")
    sam_cloud = card(sam, "In a word")
    sam_cloud.get_by_label("Word 2").fill("Whanau")
    sam_cloud.get_by_role("button", name="Send my words").click()
    expect(sam_cloud.locator(".feedback")).to_contain_text("off the word cloud")
    expect(sam_cloud.get_by_label("Word 2")).to_have_value("Whanau")  # nothing typed is lost
    assert serious_violations(console) == []

    # The report lists each word with its count, and what the team hid.
    console.goto(f"{server.url}/runs/{code}/report/")
    report = console.locator("article.report-item", has_text="In a word")
    expect(report).to_contain_text("2 people sent words")
    expect(report.locator("tr", has_text="Trust")).to_contain_text("2")
    expect(report).to_contain_text("Hidden from the screens by the team: whanau")

    # Both exports: the team's file has each word with who sent it, the hidden one marked;
    # the insights name no one, and no word sent by fewer than three people.
    with console.expect_download() as download:
        console.locator("#report-exports").get_by_role(
            "link", name=re.compile("Word cloud, slide 5")
        ).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert rows[0] == ["Participant", "Word", "Hidden by the team", "Sent at"]
    sent = sorted((row[0], row[1], row[2]) for row in rows[1:])
    assert sent == [
        ("Aroha", "Trust", ""), ("Aroha", "whānau", ""),
        ("Participant 2", "trust", ""), ("Participant 2", "whanau", "yes"),
    ]  # fmt: skip
    with console.expect_download() as insights:
        console.get_by_role("link", name="Insights, no personal data (CSV)").click()
    content = insights.value.path().read_text(encoding="utf-8-sig")
    assert "In a word: what matters to you about your data?" in content
    assert "Aroha" not in content and "whānau" not in content and "whanau" not in content
