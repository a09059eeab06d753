"""The presenter view, the console and the phone as people use them in a workshop, measured
in Chromium at the sizes they use: a 1366×768 laptop and a 360×740 phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import Link
from tests.e2e.test_interactions import card, goto, join, open_run
from tests.e2e.test_live_run import shift_clock

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} isn't shown"
    return found


def within(locator, height: int, *, start_only: bool = False) -> bool:
    found = box(locator)
    bottom = found["y"] if start_only else found["y"] + found["height"]
    return found["y"] >= 0 and bottom <= height


def scrolls(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollHeight > innerHeight + 1"
        " || document.documentElement.scrollWidth > innerWidth + 1"
    )


def slide_of(page) -> str:
    return page.locator("#current-slide").get_attribute("data-slide")


def connected(page) -> None:
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")


def staff_view(console, server, code, view):
    page = console.context.new_page()
    page.set_viewport_size(LAPTOP)
    page.goto(f"{server.url}/runs/{code}/{view}/")
    connected(page)
    return page


def test_the_presenter_view_fits_one_laptop_screen(browser, app_server):
    console, code = open_run(browser, app_server, "Presenter view")
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 14)
    present = staff_view(console, app_server, code, "present")
    expect(present.locator("#current-slide")).to_have_attribute("data-slide", "14")
    for part in ("#current-slide", "#next-slide-view", "#notes-toggle", ".segment-clock"):
        assert within(present.locator(part), LAPTOP["height"]), part
    assert within(present.locator("#slide-notes"), LAPTOP["height"], start_only=True)
    assert not scrolls(present), "the presenter view scrolls"
    # The current slide is the big one, the next one a preview beside it.
    assert (
        box(present.locator("#current-slide"))["width"]
        > 2 * box(present.locator("#next-slide-view"))["width"]
    )

    # Notes at a readable size, larger on demand, and still so after a reload.
    notes = present.locator("#slide-notes")
    size = float(notes.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert size >= 16
    present.get_by_role("button", name="Larger text").click()
    present.get_by_role("button", name="Larger text").click()
    bigger = float(notes.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert bigger >= size * 1.25
    present.reload()
    connected(present)
    again = float(notes.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert again == bigger
    assert not scrolls(present)
    assert serious_violations(present) == []

    # The hand-off cue shows on the first screen when the next segment is yours.
    goto(console, 28)
    expect(present.locator("#current-slide")).to_have_attribute("data-slide", "28")
    shift_clock(present, 9.5)
    cue = present.locator("#handoff-cue")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text("Questions, where to go for more information and close")
    assert within(cue, LAPTOP["height"])


def test_slide_keys_leave_focused_controls_alone(browser, app_server):
    console, code = open_run(browser, app_server, "Slide keys")
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 3)
    present = staff_view(console, app_server, code, "present")
    expect(present.locator("#current-slide")).to_have_attribute("data-slide", "3")
    # What the page sends on its socket, as it sends it: a key that moves the slide does so by
    # pressing a slide button, which sends before the key's handling is over.
    present.evaluate(
        """() => { window.sent = [];
                  document.addEventListener("htmx:wsConfigSend",
                    event => window.sent.push(event.detail.parameters.action)); }"""
    )
    moves = "() => window.sent.filter(a => /^(slide|segment)\\./.test(a))"

    for target, key in (
        (present.locator("summary", has_text="Agenda"), " "),
        (present.get_by_role("link", name="Console"), "ArrowRight"),
        (present.get_by_role("button", name="Larger text"), "PageDown"),
        (present.locator("#goto-number"), "ArrowLeft"),
        (present.locator("#notes-toggle"), " "),
    ):
        target.focus()
        present.keyboard.press(key)
        assert present.evaluate(moves) == [], f"{key} on {target} moved the slide"
        assert slide_of(present) == "3", f"{key} on {target} moved the slide"
    expect(present.locator("details", has_text="Agenda")).to_have_attribute("open", "")
    expect(present.locator("#notes-toggle")).to_have_attribute("aria-expanded", "false")

    present.evaluate("document.activeElement.blur()")
    present.keyboard.press(" ")
    assert present.evaluate(moves) == ["slide.next"]  # what the check above would have seen
    expect(present.locator("#current-slide")).to_have_attribute("data-slide", "4")
    present.keyboard.press("PageUp")
    expect(present.locator("#current-slide")).to_have_attribute("data-slide", "3")
    present.keyboard.press("?")
    expect(present.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    present.keyboard.press("Escape")
    expect(present.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()


def test_the_console_puts_the_live_work_beside_the_slide(browser, app_server):
    console, code = open_run(browser, app_server, "Console first screen")
    console.set_viewport_size(LAPTOP)
    phone = join(browser, app_server, code, "Aroha", show=True)
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 2)
    poll = console.locator("#activity-staff article", has_text="Have you watched")
    expect(poll).to_be_visible()
    slide, work = box(console.locator("#current-slide")), box(poll)
    assert work["y"] < LAPTOP["height"] and slide["y"] < LAPTOP["height"]
    assert work["x"] >= slide["x"] + slide["width"], "the activity isn't beside the slide"
    assert within(poll.get_by_role("button", name=re.compile("Count one more for A")), 768)

    # What needs the facilitator shows in the first screen, wherever the panels are.
    phone.get_by_role("button", name="Raise your hand").click()
    hands = console.locator("#hands-badge")
    expect(hands).to_have_text("1 hand up")
    assert within(hands, LAPTOP["height"])
    expect(console.locator("#roster-badge")).to_contain_text("1 in the workshop")

    # "Go to slide" follows the live slide; after a mouse click, a clicker's keys still work.
    console.locator("#slide-next").click()
    expect(console.locator("#current-slide")).to_have_attribute("data-slide", "3")
    expect(console.locator("#goto-number")).to_have_value("3")
    console.keyboard.press("PageDown")
    expect(console.locator("#current-slide")).to_have_attribute("data-slide", "4")
    console.get_by_role("button", name=re.compile("Previous slide")).click()
    console.keyboard.press(" ")  # the next slide, not the button just clicked again
    expect(console.locator("#current-slide")).to_have_attribute("data-slide", "4")
    console.keyboard.press("PageUp")
    expect(console.locator("#current-slide")).to_have_attribute("data-slide", "3")

    # The notes fold away, and stay folded for this person.
    console.locator("#notes-toggle").click()
    expect(console.locator("#slide-notes")).to_be_hidden()
    console.reload()
    connected(console)
    expect(console.locator("#slide-notes")).to_be_hidden()
    console.keyboard.press("n")
    expect(console.locator("#slide-notes")).to_be_visible()

    # Shortcuts are listed behind "?".
    console.get_by_role("button", name="Keyboard shortcuts").click()
    shortcuts = console.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_contain_text("Next slide")
    shortcuts.get_by_role("button", name="Close").click()
    expect(shortcuts).to_be_hidden()
    assert serious_violations(console) == []

    # "End the workshop" is away from "Go" and says what it will do before it does it.
    end, go = box(console.locator("#run-end")), box(console.get_by_role("button", name="Go"))
    assert abs(end["x"] - go["x"]) > 200 or abs(end["y"] - go["y"]) > 40
    console.locator("#run-end").click()
    dialog = console.get_by_role("dialog", name="End the workshop for everyone?")
    expect(dialog).to_contain_text("invite links stop working")
    assert serious_violations(console) == []
    dialog.get_by_role("button", name="Cancel").click()
    expect(phone.locator("#live-status")).to_have_attribute("data-status", "live")
    console.locator("#run-end").click()
    dialog.get_by_role("button", name="End the workshop").click()
    expect(phone.locator("#live-status")).to_have_attribute("data-status", "ended")

    # The facilitator resumes it the same day; participants are told it is back.
    console.get_by_role("button", name="Resume the workshop").click()
    console.get_by_role("dialog", name="Resume the workshop?").get_by_role(
        "button", name="Resume the workshop"
    ).click()
    expect(phone.locator("#live-status")).to_have_attribute("data-status", "live")
    expect(phone.locator("#back-on")).to_have_text("The workshop is back on.")
    expect(console.get_by_role("button", name="Resume the clock")).to_be_visible()
    expect(phone.locator("#hand-button")).to_be_visible()  # the room's tools are back


def test_settings_and_names_changed_elsewhere_reach_every_view(browser, app_server):
    console, code = open_run(browser, app_server, "Changes elsewhere")
    phone = join(browser, app_server, code, "Aroha", show=True)
    host = staff_view(console, app_server, code, "host")
    screen = staff_view(console, app_server, code, "screen")
    expect(host.locator("#chat-settings")).to_contain_text("Participants write to everyone")

    settings = console.context.new_page()
    settings.goto(f"{app_server.url}/runs/{code}/settings/")
    settings.get_by_label(re.compile("chat messages go to everyone")).uncheck()
    settings.get_by_role("button", name=re.compile("Save")).first.click()
    expect(host.locator("#chat-settings")).to_contain_text("Participants write to the team only")
    expect(phone.locator("#chat-settings")).to_contain_text("facilitation team only")

    # The scoreboard on the shared screen follows a rename.
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 17)
    card(phone, "How does DPUP relate").get_by_role(
        "button", name="Put my name on the scoreboard"
    ).click()
    expect(console.locator(".scoreboard")).to_contain_text("Aroha")
    console.get_by_role("button", name="Show the scoreboard").click()
    expect(screen.locator("#stage .scoreboard")).to_contain_text("Aroha")
    phone.goto(f"{app_server.url}/runs/{code}/me/")
    phone.get_by_label("Your name (optional)").fill("Aroha Ngata")
    phone.get_by_role("button", name=re.compile("Save")).click()
    expect(screen.locator("#stage .scoreboard")).to_contain_text("Aroha Ngata")
    expect(console.locator(".scoreboard")).to_contain_text("Aroha Ngata")


def test_a_phone_puts_the_question_under_the_thumb(browser, app_server):
    console, code = open_run(browser, app_server, "Phone first screen")
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(f"{app_server.url}/join/{code}/")
    # Joining: the plain summary, the name and the button on the first screen.
    for part in ("#join-summary", "#id_display_name"):
        assert within(phone.locator(part), PHONE["height"]), part
    join_button = phone.get_by_role("button", name="Join the workshop")
    assert within(join_button, PHONE["height"])
    assert serious_violations(phone) == []
    phone.get_by_label("Your name (optional)").fill("Aroha")
    join_button.click()
    connected(phone)

    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 17)
    question = card(phone, "How does DPUP relate")
    expect(question).to_be_visible()
    choices = question.locator("button.choice")
    expect(choices).to_have_count(3)
    assert within(choices.first, PHONE["height"], start_only=True)
    assert within(choices.last, PHONE["height"])
    # The question is written once on the page, in its card (screen readers hear it announced).
    page = phone.locator("#participant-main")
    expect(page.get_by_text("How does DPUP relate to the Privacy Act 2020?")).to_have_count(1)
    expect(choices.first.locator(".letter")).to_have_text("A")
    assert serious_violations(phone) == []

    question.get_by_role("button", name="It replaces parts of the Privacy Act 2020").click()
    expect(question.locator(".my-answer")).to_have_text(
        "Your answer: B, It replaces parts of the Privacy Act 2020"
    )
    console.locator("#slide-next").click()  # the answer slide reveals it
    verdict = card(phone, "How does DPUP relate").locator(".verdict")
    expect(verdict).to_have_text(
        "Not this time: the answer was A, It does not contradict it, but goes beyond it in places."
    )
    assert within(verdict, PHONE["height"])
    expect(card(phone, "How does DPUP relate").locator(".chart-row.mine")).to_have_count(0)
    expect(
        card(phone, "How does DPUP relate").locator(".chart-row", has_text="Your answer")
    ).to_contain_text("It replaces parts")
    assert serious_violations(phone) == []


def test_errors_and_confirmations_appear_beside_their_control(browser, app_server):
    console, code = open_run(browser, app_server, "Feedback in place")
    phone = join(browser, app_server, code, "Aroha", show=True)
    phone.set_viewport_size(PHONE)
    console.get_by_role("button", name="Start the workshop").click()
    # The first segment's card arrives above the chat and moves it: wait for it, then look.
    expect(card(phone, "Introduce yourself")).to_be_visible()
    chat = phone.locator("#chat-form")
    chat.scroll_into_view_if_needed()
    chat.get_by_role("button", name="Send").click()
    feedback = chat.locator(".feedback")
    expect(feedback).to_have_text("Write a message first.")
    assert within(feedback, PHONE["height"])
    expect(phone.locator("#ws-error")).to_have_text("")
    chat.get_by_label("Message").fill("Kia ora koutou")
    chat.get_by_role("button", name="Send").click()
    expect(feedback).to_have_text("Sent.")
    mine = phone.locator("#chat-log .chat-message", has_text="Kia ora koutou")
    expect(mine.locator(".chat-author")).to_have_text("You")

    asking = phone.locator("#question-form")
    asking.get_by_role("button", name="Ask").click()
    expect(asking.locator(".feedback")).to_have_text("Write your question first.")

    prompt = card(phone, "Introduce yourself")
    prompt.get_by_role("button", name="Send my response").click()
    expect(prompt.locator(".feedback")).to_contain_text("Write something, or choose to pass")
    assert serious_violations(phone) == []

    # The team's too: a refused breakout shows in its card, not at the top of the console.
    goto(console, 9)
    breakout = console.locator("#activity-staff article", has_text="stand out for you")
    breakout.get_by_role("button", name="Start breakout groups").click()
    expect(breakout.locator(".feedback")).to_contain_text("at least 2 people")
    expect(console.locator("#ws-error")).to_have_text("")


def test_a_lost_connection_shows_wherever_the_page_is_scrolled(browser, app_server):
    console, code = open_run(browser, app_server, "Connection on a phone")
    phone = join(browser, app_server, code, "Aroha")
    phone.set_viewport_size(PHONE)
    link = Link(phone)
    phone.reload()
    connected(phone)
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert phone.evaluate("scrollY") > 200
    link.cut()
    status = phone.locator("#connection-status")
    expect(status).to_have_text(re.compile("reconnecting", re.IGNORECASE))
    assert within(status, PHONE["height"])
    link.restore()
    expect(status).to_have_attribute("data-state", "connected", timeout=15_000)


def test_a_half_typed_response_survives_the_slides_moving_on(browser, app_server):
    console, code = open_run(browser, app_server, "Drafts")
    phone = join(browser, app_server, code, "Aroha")
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 3)
    prompt = card(phone, "Think about a time")
    prompt.get_by_label("Your response").fill("A clinic form asked for my iwi")
    goto(console, 4)  # the prompt closes with its slide
    expect(card(phone, "Think about a time")).to_have_count(0)
    goto(console, 3)  # and opens again when it comes back
    expect(card(phone, "Think about a time").get_by_label("Your response")).to_have_value(
        "A clinic form asked for my iwi"
    )
    # Closed by hand while it is on the screen: the words stay in view, marked as not sent.
    console.locator("#activity-staff article", has_text="Think about a time").get_by_role(
        "button", name=re.compile("^Close")
    ).click()
    expect(card(phone, "Think about a time").locator("[data-draft-left]")).to_contain_text(
        "Not sent before it closed: “A clinic form asked for my iwi”"
    )


def test_what_the_console_puts_on_the_screen_it_can_take_off(browser, app_server):
    console, code = open_run(browser, app_server, "On and off the screen")
    phone = join(browser, app_server, code, "Mere", show=True)
    screen = staff_view(console, app_server, code, "screen")
    console.get_by_role("button", name="Start the workshop").click()
    on_screen = console.locator("#on-screen")
    expect(on_screen).to_contain_text("How to join: QR code, address and code")
    expect(screen.locator(".join-card")).to_be_visible()
    on_screen.get_by_role("button", name="Take it off the screen (how to join)").click()
    expect(screen.locator(".join-card")).to_have_count(0)
    on_screen.get_by_role("button", name="Show how to join").click()
    expect(screen.locator(".join-card")).to_be_visible()

    phone.get_by_label("Ask the team a question").fill("Is DPUP the law?")
    phone.get_by_role("button", name="Ask").click()
    console.locator("#qa-list").get_by_role(
        "button", name=re.compile("Put it on the screen")
    ).click()
    expect(screen.locator(".spot-quote")).to_have_text("Is DPUP the law?")
    expect(screen.locator("#stage")).to_contain_text("Mere")
    on_screen.get_by_role("button", name="Take it off the screen (the question)").click()
    expect(screen.locator(".spot-quote")).to_have_count(0)

    # A question put back on the screen comes off by itself when the slide changes.
    console.locator("#qa-list").get_by_role(
        "button", name=re.compile("Put it on the screen")
    ).click()
    expect(screen.locator(".spot-quote")).to_be_visible()
    goto(console, 2)
    expect(screen.locator(".spot-quote")).to_have_count(0)
    expect(on_screen).not_to_contain_text("A question from the room")
    assert serious_violations(console) == []
    assert serious_violations(screen) == []


def test_a_timer_that_runs_out_closes_the_question_everywhere(browser, app_server):
    console, code = open_run(browser, app_server, "Timer")
    phone = join(browser, app_server, code, "Aroha")
    console.get_by_role("button", name="Start the workshop").click()
    console.locator(".all-interactions summary").click()
    console.locator(".all-interactions li", has_text="When did Cabinet endorse").get_by_role(
        "button", name=re.compile("30-second timer")
    ).click()
    question = card(phone, "When did Cabinet endorse")
    expect(question.locator(".countdown")).to_contain_text("left to answer")
    expect(question).to_contain_text("You can change your answer until it closes")
    staff = console.locator("#activity-staff article", has_text="When did Cabinet endorse")
    expect(staff.get_by_role("button", name=re.compile("^Close"))).to_be_visible()

    for page in (phone, console):
        shift_clock(page, 0.6)
    expect(question.locator(".countdown")).to_have_text("Time's up.")
    expect(question.get_by_text("You can change your answer until it closes")).to_be_hidden()
    expect(question.get_by_role("button", name="November 2019")).to_be_disabled()
    expect(staff.get_by_role("button", name=re.compile("^Close"))).to_be_hidden()
    expect(staff.locator(".kind-label")).to_contain_text("time's up")


def test_a_revealed_question_is_asked_again_as_a_new_one(browser, app_server):
    console, code = open_run(browser, app_server, "Ask again")
    phone = join(browser, app_server, code, "Aroha", show=True)
    console.get_by_role("button", name="Start the workshop").click()
    goto(console, 17)
    card(phone, "How does DPUP relate").get_by_role("button", name="It does not contradict").click()
    console.locator("#slide-next").click()
    revealed = console.locator("#activity-staff article", has_text="How does DPUP relate")
    expect(revealed.get_by_role("button", name=re.compile("^Re-open"))).to_have_count(0)
    revealed.get_by_role("button", name=re.compile("Ask again as a new question")).click()
    dialog = console.get_by_role("dialog", name="Ask it again as a new question?")
    expect(dialog).to_contain_text("keeps its answers, its reveal and its scores")
    # A push re-renders the card (and its button) while the dialog is open: the answer to the
    # dialog still reaches the button that replaced it, not the same one in the full list.
    card(phone, "How does DPUP relate").get_by_role(
        "button", name="Put my name on the scoreboard"
    ).click()
    expect(console.locator(".scoreboard")).to_contain_text("Aroha")
    dialog.get_by_role("button", name="Ask it again").click()
    # Phones show the question afresh, without the first round's answer beside it.
    cards = phone.locator("article.interaction", has_text="How does DPUP relate")
    expect(cards).to_have_count(1)
    again = cards.get_by_role("button", name=re.compile("It does not contradict"))
    expect(again).to_be_enabled()
    expect(cards.locator(".verdict, .chart")).to_have_count(0)


def test_removing_and_leaving_ask_first(browser, app_server):
    console, code = open_run(browser, app_server, "Asking first")
    phone = join(browser, app_server, code, "Sam")
    roster = console.locator("#participant-list")
    roster.get_by_role("button", name="Remove Sam").click()
    dialog = console.get_by_role("dialog", name="Remove Sam from the workshop?")
    expect(dialog).to_contain_text("can't join this workshop again from that browser")
    dialog.get_by_role("button", name="Cancel").click()
    expect(roster).to_contain_text("Sam")

    other = join(browser, app_server, code, "Mere")
    other.goto(f"{app_server.url}/runs/{code}/me/")
    other.get_by_role("button", name="Leave and delete my data").click()
    leaving = other.get_by_role("dialog", name="Leave and delete your data?")
    expect(leaving).to_contain_text("can't be brought back")
    assert serious_violations(other) == []
    leaving.get_by_role("button", name="Leave and delete my data").click()
    expect(other.locator("main")).to_contain_text("your details have been deleted")

    roster.get_by_role("button", name="Remove Sam").click()
    dialog.get_by_role("button", name="Remove Sam").click()
    expect(phone.locator("#participant-main")).to_contain_text("The host has removed you")
