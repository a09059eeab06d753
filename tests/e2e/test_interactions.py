"""Chat, share-outs, polls, the quiz, hands, questions and breakouts in real browsers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations
from tests.e2e.conftest import STAFF, log_in, start_app


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_app(tmp_path_factory.mktemp("interactions"))
    yield server
    server.stop()


def open_run(browser, server, title):
    """A facilitator creates a run without a waiting room and opens the console."""
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(page, server, *STAFF)
    page.goto(f"{server.url}/runs/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Use a waiting room").uncheck()
    page.get_by_label("Offer a quiz scoreboard").check()
    page.get_by_role("button", name="Create the run").click()
    code = page.locator("#join-code").inner_text().replace("-", "")
    page.goto(f"{server.url}/runs/{code}/console/")
    expect(page.locator("#connection-status")).to_have_text("Connected")
    return page, code


def join(browser, server, code, name="", show=False):
    page = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    page.goto(f"{server.url}/join/{code}/")
    if name:
        page.get_by_label("Your name (optional)").fill(name)
    if show:
        page.get_by_label(re.compile("Show my name on shared screens")).check()
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.locator("#live-slide")).to_be_visible()
    expect(page.locator("#connection-status")).to_have_text("Connected")
    return page


def started_room(browser, server, title):
    """A started run with the shared screen open at 1366×768, Aroha (named on screens) on a
    360×740 phone and Sam on another: the console, the code, the screen and the two phones."""
    console, code = open_run(browser, server, title)
    projector = console.context.new_page()
    projector.set_viewport_size({"width": 1366, "height": 768})
    projector.goto(f"{server.url}/runs/{code}/screen/")
    aroha = join(browser, server, code, "Aroha", show=True)
    aroha.set_viewport_size({"width": 360, "height": 740})
    sam = join(browser, server, code, "Sam")
    console.get_by_role("button", name="Start the workshop").click()
    return console, code, projector, aroha, sam


def goto(console, number):
    console.locator("#goto-number").select_option(str(number))
    console.get_by_role("button", name="Go", exact=True).click()


def card(page, text):
    return page.locator("article.interaction", has_text=text)


def test_prompt_chat_poll_hands_and_questions(browser, server):
    console, code = open_run(browser, server, "Interactions one")
    projector = console.context.new_page()
    projector.goto(f"{server.url}/runs/{code}/screen/")
    aroha = join(browser, server, code, "Aroha", show=True)
    sam = join(browser, server, code)
    console.get_by_role("button", name="Start the workshop").click()

    # The introductions prompt opens with slide 1.
    intro = card(aroha, "Introduce yourself")
    expect(intro).to_be_visible()
    expect(aroha.locator("#live-announcer")).to_contain_text("Share-out prompt, open for answers")
    intro.get_by_label("Your response").fill("Kia ora, I'm Aroha from Te Whatu")
    intro.get_by_role("button", name="Send my response").click()
    expect(intro.locator(".my-answer")).to_contain_text("Your response is saved")
    intro.get_by_role("button", name="I'll share aloud").click()
    expect(intro.get_by_role("button", name="I won't share aloud after all")).to_have_attribute(
        "aria-pressed", "true"
    )
    card(sam, "Introduce yourself").get_by_role("button", name="Pass").click()
    staff_intro = console.locator("#activity-staff article", has_text="Introduce yourself")
    expect(staff_intro).to_contain_text("1 response · 1 passed · 1 offering to share aloud")
    expect(staff_intro).to_contain_text("will share aloud")
    staff_intro.get_by_role("button", name=re.compile("Show on the screen")).click()
    expect(projector.locator("#stage .response-card")).to_contain_text("Kia ora, I'm Aroha")
    expect(projector.locator("#stage .response-card")).to_contain_text("Aroha")
    assert serious_violations(aroha) == []

    # Chat: to everyone, shown inert, and the host can hide a line.
    sam.get_by_label("Message", exact=True).fill('<b>bold?</b> <button hx-get="/admin/">x</button>')
    sam.get_by_role("button", name="Send", exact=True).click()
    expect(sam.get_by_label("Message", exact=True)).to_have_value("")
    expect(aroha.locator("#chat-log")).to_contain_text("<b>bold?</b>")
    assert aroha.locator("#chat-log b, #chat-log button").count() == 0
    expect(aroha.locator("#chat-log")).to_contain_text("Anonymous")
    console.locator("#chat-log").get_by_role("button", name=re.compile("^Hide")).click()
    expect(aroha.locator("#chat-log")).not_to_contain_text("bold?")
    console.get_by_label("Message to everyone").fill("Welcome, everyone")
    console.get_by_role("button", name="Send", exact=True).click()
    expect(aroha.locator("#chat-log")).to_contain_text("Welcome, everyone")

    # The "watched the video?" poll on slide 2, results hidden until shown.
    goto(console, 2)
    poll = card(aroha, "Have you watched the Introduction to DPUP video?")
    poll.get_by_role("button", name="A Yes", exact=True).click()
    expect(poll.get_by_role("button", name="A Yes", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    card(sam, "Have you watched").get_by_role("button", name="Not yet").click()
    staff_poll = console.locator("#activity-staff article", has_text="Have you watched")
    expect(staff_poll).to_contain_text("2 answered")
    expect(projector.locator("#stage .stage-band")).to_contain_text("2 answered")
    expect(poll.locator(".chart")).to_have_count(0)
    # A slip of the console (on, then back) brings the poll back as it was.
    goto(console, 3)
    expect(poll).to_be_hidden()
    goto(console, 2)
    expect(poll.get_by_role("button", name="A Yes", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    staff_poll.get_by_role("button", name=re.compile("Count one more for A, Yes")).click()  # aloud
    expect(staff_poll.locator(".chart-value").first).to_have_text("2 · 67%")
    expect(staff_poll.locator(".counts")).to_contain_text("2 answered here · 1 counted aloud")
    staff_poll.get_by_role("button", name=re.compile("Show the results")).click()
    expect(poll.locator(".chart-value").first).to_have_text("2 · 67%")
    expect(projector.locator("#stage .stage-aside .chart-value").first).to_have_text("2 · 67%")
    assert serious_violations(console) == []
    assert serious_violations(projector) == []

    # Raised hands, in order; the team lowers them.
    aroha.get_by_role("button", name="Raise your hand").click()
    sam.get_by_role("button", name="Raise your hand").click()
    expect(console.locator("#hand-queue li")).to_have_count(2)
    expect(console.locator("#hand-queue li").first).to_contain_text("Aroha")
    console.locator("#hand-queue li").first.get_by_role("button", name=re.compile("Lower")).click()
    expect(aroha.get_by_role("button", name="Raise your hand")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(console.locator("#hand-queue li")).to_have_count(1)

    # Questions and upvotes; the team marks one answered.
    aroha.get_by_label("Ask the team a question").fill("Does DPUP apply to NGOs?")
    aroha.locator("#question-form").get_by_role("button", name="Ask").click()
    expect(aroha.get_by_label("Ask the team a question")).to_have_value("")
    upvote = sam.get_by_role("button", name=re.compile("Upvote.*Does DPUP apply"))
    upvote.click()
    voted = sam.get_by_role("button", name=re.compile("Remove upvote.*Does DPUP apply"))
    expect(voted).to_have_attribute("aria-pressed", "true")
    expect(console.locator("#qa-list")).to_contain_text("1 vote")
    console.locator("#qa-list").get_by_role("button", name="Mark as answered").click()
    expect(aroha.locator("#qa-list")).to_contain_text("answered")
    assert serious_violations(sam) == []

    # An ad-hoc poll from the console.
    console.get_by_role("radio", name="Poll").check()
    console.get_by_label("Question", exact=True).fill("Ready for a break?")
    console.get_by_label(re.compile("^Poll options")).fill("Yes please\nKeep going")
    console.get_by_role("button", name="Open it now").click()
    expect(card(sam, "Ready for a break?").get_by_role("button", name="Keep going")).to_be_enabled()


def test_quiz_breakouts_and_reconnecting_mid_question(browser, server):
    console, code = open_run(browser, server, "Interactions two")
    projector = console.context.new_page()
    projector.goto(f"{server.url}/runs/{code}/screen/")
    aroha = join(browser, server, code, "Aroha", show=True)
    sam = join(browser, server, code, "Sam")
    console.get_by_role("button", name="Start the workshop").click()

    # Breakout groups on "What people said" (slide 9).
    goto(console, 9)
    staff_prompt = console.locator("#activity-staff article", has_text="stand out for you")
    expect(staff_prompt).to_contain_text("time for breakout groups")
    staff_prompt.get_by_label("Breakout groups").fill("2")
    staff_prompt.get_by_role("button", name="Start breakout groups").click()
    expect(aroha.locator("#group-board")).to_contain_text("Your breakout group")
    expect(console.locator(".group-grid article")).to_have_count(2)
    # Nobody is listed as in a group with themself.
    members = aroha.locator("#group-board .group-members")
    expect(members.locator("li:visible")).to_have_text(["Nobody else yet."])
    prompt = card(aroha, "stand out for you")
    prompt.get_by_label("Your response").fill("Transparency stood out")
    prompt.get_by_role("button", name="Send my response").click()
    expect(aroha.locator("#group-board .board")).to_contain_text("Transparency stood out")
    expect(sam.locator("#group-board")).not_to_contain_text("Transparency stood out")
    aroha.get_by_label(re.compile("Your group's summary")).fill("We want to know why")
    aroha.get_by_role("button", name="Save the summary").click()
    expect(console.locator(".group-grid")).to_contain_text("We want to know why")
    console.get_by_role("button", name=re.compile("Show the summary on the screen")).click()
    expect(projector.locator("#stage .response-card")).to_contain_text("We want to know why")
    console.get_by_role("button", name="End breakout groups").click()
    expect(aroha.locator("#group-board")).to_be_hidden()
    # Ending the groups takes their summaries off the screen, for good.
    expect(projector.locator("#stage")).not_to_contain_text("We want to know why")
    projector.reload()
    expect(projector.locator("#connection-status")).to_have_text("Connected")
    expect(projector.locator("#stage")).not_to_contain_text("We want to know why")

    # Quiz question 1: answers change until the reveal, which every screen shows.
    goto(console, 17)
    question = card(aroha, "How does DPUP relate to the Privacy Act 2020?")
    right = "It does not contradict it, but goes beyond it in places"
    question.get_by_role("button", name=right).click()
    sam_q = card(sam, "How does DPUP relate")
    sam_q.get_by_role("button", name="It replaces parts of the Privacy Act 2020").click()
    sam_q.get_by_role("button", name=right).click()
    expect(sam_q.get_by_role("button", name=right)).to_have_attribute("aria-pressed", "true")
    expect(
        sam_q.get_by_role("button", name="It replaces parts of the Privacy Act 2020")
    ).to_have_attribute("aria-pressed", "false")
    staff_q = console.locator("#activity-staff article", has_text="How does DPUP relate")
    expect(staff_q).to_contain_text("2 answered")
    expect(projector.locator("#stage .stage-band")).to_contain_text("2 answered")
    staff_q.get_by_role("button", name="Reveal the answer").click()
    for page in (aroha, sam, projector):
        expect(page.locator("#activity, #stage").first).to_contain_text(
            "carefully mapped against the Privacy Act"
        )
    expect(question.locator(".chart-row.correct .chart-value")).to_have_text("2 · 100%")
    expect(question.locator(".verdict")).to_have_text(f"Correct: A, {right}.")
    expect(question.get_by_role("button", name=right)).to_have_count(0)  # answers are closed

    # Quiz question 2: a participant reloads mid-question and keeps the answer.
    goto(console, 19)
    q2 = card(aroha, "When did Cabinet endorse DPUP?")
    q2.get_by_role("button", name="November 2019").click()
    expect(q2.get_by_role("button", name="November 2019")).to_have_attribute("aria-pressed", "true")
    aroha.reload()
    expect(aroha.locator("#connection-status")).to_have_text("Connected")
    q2 = card(aroha, "When did Cabinet endorse DPUP?")
    expect(q2.get_by_role("button", name="November 2019")).to_have_attribute("aria-pressed", "true")
    expect(q2.locator(".my-answer")).to_have_text("Your answer: C, November 2019")
    card(sam, "When did Cabinet endorse").get_by_role("button", name="2017").click()
    console.locator("#slide-next").click()  # the answer slide reveals it
    expect(card(sam, "When did Cabinet endorse").locator(".verdict")).to_have_text(
        "Not this time: the answer was C, November 2019."
    )

    # The opt-in scoreboard: only for people named on shared screens.
    unnamed = card(sam, "When did Cabinet endorse")
    expect(unnamed.get_by_role("button", name="Put my name on the scoreboard")).to_be_hidden()
    expect(unnamed.get_by_role("link", name="add your name and choose to show it")).to_be_visible()
    card(aroha, "When did Cabinet endorse").get_by_role(
        "button", name="Put my name on the scoreboard"
    ).click()
    console.get_by_role("button", name="Show the scoreboard").click()
    expect(projector.locator(".scoreboard")).to_contain_text("Aroha")
    expect(projector.locator(".scoreboard")).not_to_contain_text("Sam")
    for page in (aroha, console, projector):
        assert serious_violations(page) == []


def test_a_push_that_overtakes_the_one_before_it_is_applied_in_order(browser, server):
    """With several server processes, one's push can reach a phone a moment before another's
    that came first. The page holds the early one until the late one arrives, and doesn't
    ask for a snapshot."""
    console, code = open_run(browser, server, "Crossed pushes")
    console.get_by_role("button", name="Start the workshop").click()
    page = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    asked, crossed = [], []
    state = {"armed": False, "held": None}

    def route(socket):
        upstream = socket.connect_to_server()

        def from_browser(message):
            if '"sync"' in message:
                asked.append(message)
            upstream.send(message)

        def from_server(message):
            versioned = message.startswith("<!--ev ") and '"v":' in message.split("-->", 1)[0]
            if state["armed"] and versioned and '"t":"snapshot"' not in message:
                if state["held"] is None:
                    state["held"] = message  # hold the first push back...
                    return
                socket.send(message)  # ...let the next one overtake it...
                socket.send(state["held"])  # ...and only then deliver it
                crossed.append(message)
                state["armed"] = False
                return
            socket.send(message)

        socket.on_message(from_browser)
        upstream.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws/runs/"), route)
    page.goto(f"{server.url}/join/{code}/")
    page.get_by_role("button", name="Join the workshop").click()
    expect(page.locator("#connection-status")).to_have_text("Connected")
    expect(page.locator("#live-slide article")).to_have_attribute("data-slide", "1")

    state["armed"] = True
    goto(console, 4)
    goto(console, 5)
    expect(page.locator("#live-slide article")).to_have_attribute("data-slide", "5")
    assert crossed, "no two pushes were crossed"
    # Had the page left its hold timer running, it would have asked for a snapshot when it
    # fired: a timer set now, for as long, fires after it. What the page sends after that
    # comes after any such request, and the server's answer to it comes later still.
    page.evaluate("() => new Promise(done => setTimeout(done, LiveOrdering.HOLD_MS))")
    page.get_by_role("button", name="Raise your hand").click()
    expect(page.locator("#hand-button")).to_have_attribute("aria-pressed", "true")
    assert asked == []
    expect(page.locator("#live-slide article")).to_have_attribute("data-slide", "5")
