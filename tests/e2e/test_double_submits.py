"""A double click or a double tap, in real browsers, does what one would."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_interactions import join, open_run


def test_a_double_tap_on_upvote_leaves_one_vote(browser, app_server):
    console, code = open_run(browser, app_server, "Double tap")
    console.get_by_role("button", name="Start the workshop").click()
    expect(console.locator("#run-pause")).to_be_visible()
    aroha = join(browser, app_server, code, "Aroha")
    sam = join(browser, app_server, code)
    aroha.get_by_label("Ask the team a question").fill("Does DPUP apply to NGOs?")
    aroha.locator("#question-form").get_by_role("button", name="Ask").click()
    upvote = sam.locator("#qa-list button[data-question]")
    votes = console.locator("#qa-list .question", has_text="Does DPUP apply")

    upvote.dblclick()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(upvote).to_contain_text("Remove upvote")
    expect(votes).to_contain_text("1 vote")
    sam.wait_for_timeout(800)  # the taps that follow are on purpose: one takes the vote back
    upvote.click()
    expect(upvote).to_contain_text("Upvote")
    expect(votes).to_contain_text("0 votes")

    # A double tap slow enough for the reply to land in between: the second tap meets the
    # "Remove upvote" button, and is still taken as part of the first.
    sam.wait_for_timeout(800)
    upvote.click()
    sam.wait_for_timeout(250)
    upvote.click()
    sam.wait_for_timeout(800)
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(votes).to_contain_text("1 vote")
