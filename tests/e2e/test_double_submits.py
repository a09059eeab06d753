"""A double click or a double tap, in real browsers, does what one would."""

from __future__ import annotations

import re
import time

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
    # "Remove upvote" button, and is still taken as part of the first. (The pauses are the
    # taps' own: one longer than a double tap before it, 250 ms between its two taps.)
    sam.wait_for_timeout(800)
    upvote.click()
    sam.wait_for_timeout(250)
    upvote.click()
    # Then Sam raises a hand: had the second tap been sent, its answer would come before the
    # hand's, to Sam and to the console alike (each socket's messages come in order).
    sam.get_by_role("button", name="Raise your hand").click()
    expect(sam.locator("#hand-button")).to_have_attribute("aria-pressed", "true")
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(console.locator("#hand-queue li")).to_have_count(1)
    expect(votes).to_contain_text("1 vote")


class HeldReplies:
    """The page's socket, with the server's messages held back while `held` is set, as if the
    server were far away: a double click's second click comes before any answer to the first."""

    def __init__(self, page):
        self.page = page
        self.held, self.waiting, self.socket = False, [], None
        page.route_web_socket(re.compile(r"/ws/runs/"), self._route)

    def _route(self, socket):
        upstream = socket.connect_to_server()
        self.socket = socket
        socket.on_message(upstream.send)
        upstream.on_message(self._from_server)

    def _from_server(self, message):
        if self.held:
            self.waiting.append(message)
        else:
            self.socket.send(message)

    def holding(self, event: str, timeout: float = 10) -> None:
        """Until the server's `event` is in the hold (a route's handlers run while the test
        waits on Playwright)."""
        deadline = time.monotonic() + timeout
        while not any(f'"t":"{event}"' in message for message in self.waiting):
            assert time.monotonic() < deadline, f"no {event} from the server"
            self.page.wait_for_timeout(20)

    def release(self):
        self.held = False
        for message in self.waiting:
            self.socket.send(message)
        self.waiting = []


def twice(form) -> None:
    """The form sent twice at once (as a double click does, were the button not to wait)."""
    form.evaluate("form => { form.requestSubmit(); form.requestSubmit(); }")


def test_a_double_click_on_open_it_now_opens_one_poll(browser, app_server):
    console, code = open_run(browser, app_server, "Double click ad hoc")
    far = HeldReplies(console)
    console.reload()
    expect(console.locator("#connection-status")).to_have_text("Connected")
    console.get_by_role("button", name="Start the workshop").click()
    expect(console.locator("#run-pause")).to_be_visible()
    cards = console.locator("#activity-staff article")
    question = console.get_by_label("Question", exact=True)

    console.get_by_role("radio", name="Poll").check()
    question.fill("Tea or coffee?")
    console.get_by_label(re.compile("^Poll options")).fill("Tea\nCoffee")
    far.held = True
    console.get_by_role("button", name="Open it now").dblclick()
    expect(console.get_by_role("button", name="Open it now")).to_be_disabled()  # it waits
    far.holding("interaction.opened")  # the server has answered, into the hold
    far.release()
    expect(cards.filter(has_text="Tea or coffee?")).to_have_count(1)
    expect(question).to_have_value("")
    expect(console.get_by_role("button", name="Open it now")).to_be_enabled()

    question.fill("Ready for a break?")
    far.held = True
    twice(console.locator("#adhoc-form"))
    far.holding("interaction.opened")
    far.release()
    expect(cards.filter(has_text="Ready for a break?")).to_have_count(1)
    expect(question).to_have_value("")
    # A line in the chat, sent after: a second poll, were it made, would show before it.
    console.get_by_label("Message to everyone").fill("Back in five")
    console.locator("#chat-form").get_by_role("button", name="Send").click()
    expect(console.locator("#chat-log .chat-text").last).to_have_text("Back in five")
    expect(cards.filter(has_text="Tea or coffee?")).to_have_count(1)
    expect(cards.filter(has_text="Ready for a break?")).to_have_count(1)


def test_joining_again_after_no_answer_is_one_participant(browser, app_server):
    console, code = open_run(browser, app_server, "Join twice")
    aroha = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    aroha.goto(f"{app_server.url}/join/{code}/")
    token = aroha.locator("input[name=token]").input_value()
    assert re.fullmatch(r"[0-9a-f-]{32,36}", token), token
    aroha.get_by_label("Your name (optional)").fill("Aroha")
    lost = []

    def first_answer_lost(route):
        if route.request.method == "POST" and not lost:
            cookies = aroha.context.cookies()
            lost.append(route.fetch(max_redirects=0).status)  # the server joins them...
            # ...and the answer never arrives: no cookie from it, and the page stays as it was.
            aroha.context.clear_cookies()
            aroha.context.add_cookies(cookies)
            route.fulfill(status=204)
            return
        route.continue_()

    aroha.route(re.compile(rf"/join/{code}/$"), first_answer_lost)
    join_button = aroha.get_by_role("button", name="Join the workshop")
    join_button.click()
    expect(console.locator("#admitted-count")).to_have_text("1")
    assert lost == [302]
    join_button.click()  # nothing seemed to happen: again
    expect(aroha.locator("#connection-status")).to_have_text("Connected")
    # Sam joins after: the list that shows Sam is rendered after that second try was taken.
    join(browser, app_server, code, "Sam")
    expect(console.locator("#participant-list")).to_contain_text("Sam")
    expect(console.locator("#admitted-count")).to_have_text("2")
    expect(console.locator("#participant-list")).to_contain_text("Aroha")


def test_a_double_click_asks_and_sends_once(browser, app_server):
    console, code = open_run(browser, app_server, "Double click room")
    console.get_by_role("button", name="Start the workshop").click()
    expect(console.locator("#run-pause")).to_be_visible()
    aroha = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    far = HeldReplies(aroha)
    aroha.goto(f"{app_server.url}/join/{code}/")
    aroha.get_by_label("Your name (optional)").fill("Aroha")
    aroha.get_by_role("button", name="Join the workshop").click()
    expect(aroha.locator("#connection-status")).to_have_text("Connected")

    for form, box, first, second, saved in (
        ("#question-form", "Ask the team a question", "Does DPUP apply to NGOs?", "Who wrote it?",
         "question.saved"),
        ("#chat-form", "Message", "Kia ora koutou", "Ka pai", "chat.saved"),
    ):  # fmt: skip
        field = aroha.get_by_label(box, exact=True)
        field.fill(first)
        far.held = True
        aroha.locator(form).locator("button[type=submit]").dblclick()
        far.holding(saved)  # the server has answered, into the hold
        far.release()
        expect(field).to_have_value("")
        field.fill(second)
        far.held = True
        twice(aroha.locator(form))
        far.holding(saved)
        far.release()
        expect(field).to_have_value("")

    # Aroha raises a hand after: any second copy would reach the console before the hand.
    aroha.get_by_role("button", name="Raise your hand").click()
    expect(console.locator("#hand-queue li")).to_have_count(1)
    expect(console.locator("#qa-list .question-text")).to_have_text(
        ["Does DPUP apply to NGOs?", "Who wrote it?"]
    )
    expect(console.locator("#chat-log .chat-text")).to_have_text(["Kia ora koutou", "Ka pai"])
