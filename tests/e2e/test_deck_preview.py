from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import log_in


def test_staff_walk_the_preview_by_keyboard(page, app_server):
    log_in(page, app_server)
    page.goto(f"{app_server.url}/decks/dpup-intro/")
    expect(page.locator("#deck-total-minutes")).to_have_text("90 min")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Preview the slides").click()
    expect(page.locator("#current-slide-title")).to_have_text("Welcome")
    assert serious_violations(page) == []

    for number in range(2, 14):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#current-slide")).to_have_attribute("data-slide", str(number))
        # The keys listen once the page's deferred script has run (a busy machine can show
        # the slide first); a person pressing that fast loses the key press too.
        page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#current-slide-title")).to_have_text("The 5 Principles")
    expect(page.locator(".slide-body")).to_contain_text("Mana Whakahaere")
    expect(page.locator("#slide-notes")).to_contain_text("act as a compass")

    page.keyboard.press("ArrowLeft")
    expect(page.locator("#current-slide")).to_have_attribute("data-slide", "12")

    page.goto(f"{app_server.url}/decks/dpup-intro/29/")  # waits for the page's load
    page.keyboard.press("ArrowRight")  # nothing after the last slide
    expect(page.locator("#current-slide")).to_have_attribute("data-slide", "29")
    assert serious_violations(page) == []


def test_login_page_is_accessible(page, app_server):
    page.goto(f"{app_server.url}/accounts/login/")
    assert serious_violations(page) == []
