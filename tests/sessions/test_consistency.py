"""Every websocket action keeps every open page right (Zulip's `verify_action`).

For each registered action: a room is set up where the action does something, and each
audience's browser (the team's console, two participants, the shared screen and someone in
the waiting room) loads its page and takes a snapshot over its socket. The action is sent as
the page sends it; every push each socket then receives is swapped into its page as
static/js/live.js does (tests/dom.py). The page must end up as it would be had the browser
connected only now: its page with a fresh snapshot. A push that is missing, stale or aimed at
the wrong element shows up as the ids of the elements that differ.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from bench.simulate import parse_meta
from dpup_workshop.asgi import application
from sessions.domain import (
    answers,
    breakouts,
    chat,
    hands,
    interactions,
    opentext,
    participants,
    questions,
    quiz,
    rankings,
    ratings,
    reactions,
    runs,
    wordclouds,
)
from sessions.domain.selectors import actor_for_participant, actor_for_user
from sessions.live import actions, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.live.coalesce import Coalescer
from sessions.live.consumers import CLOSE_GONE
from sessions.models import BreakoutGroup, Participant, Run
from tests import dom

# Coalesced pushes wait this long, as in production (only shorter): the test waits for them.
PUSH_DELAY = 0.02
QUIET = 0.02  # after every expected message has come: nothing more may be on its way
SETTLE_TIMEOUT = 10

# What legitimately differs between a page kept up by pushes and one rendered a moment later
# is the clock (timers, "9:59 left", the server's time for the page's clock offset): it stands
# still in these tests (see `still`), so nothing needs leaving out of the comparison.
CLOCK_ATTRIBUTES: frozenset[str] = frozenset()


@pytest.fixture
def still(monkeypatch):
    """The clock stands still: a page rendered later shows the same times."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


# --- the room ----------------------------------------------------------------------------------


@dataclass
class Room:
    run_id: int
    clients: dict[str, Client]
    people: dict[str, int]  # name -> participant id

    @property
    def run(self) -> Run:
        return Run.objects.get(pk=self.run_id)

    def actor(self, name: str):
        if name in self.people:
            return actor_for_participant(Participant.objects.get(pk=self.people[name]))
        run = self.run
        return actor_for_user(run, run.team.get(user__username=name).user)

    def item(self, key: str) -> int:
        return self.run.interactions.get(key=key).pk

    def slide(self, number: int) -> None:
        runs.slide_goto(run=self.run, actor=self.actor("fran"), number=number)


def join(run: Run, name: str) -> tuple[Client, int]:
    client = Client()
    client.post(f"/join/{run.code}/", {"display_name": name, "show_name": "on"})
    return client, Participant.objects.get(run=run, display_name=name).pk


@pytest.fixture
def room(run, actors, users) -> Room:
    """Aroha and Sam in the room (Tui too, without a browser open), Wendy waiting to be let
    in; the quiz scoreboard offered. Not started yet: each case starts it or not."""
    runs.run_update(run=run, actor=actors["fran"], waiting_room=True, quiz_scoreboard=True)
    clients, people = {}, {}
    for name in ("Aroha", "Sam", "Tui", "Wendy"):
        clients[name.lower()], people[name.lower()] = join(run, name)
    for name in ("aroha", "sam", "tui"):
        participants.participant_admit(run=run, actor=actors["fran"], participant_id=people[name])
    staff = Client()
    staff.force_login(users["fran"])
    clients["fran"] = staff
    return Room(run.pk, clients, people)


# --- the cases: a room where the action does something, and the message the page sends --------


@dataclass
class Case:
    action: str
    prepare: Callable[[Room], dict]  # sets the room up; returns the message's fields
    sender: str = "fran"  # whose socket sends it
    started: bool = True
    gone: str | None = None  # the browser the action sends away
    marks: tuple = ()


CASES: list[Case] = []


def case(action: str, **options):
    def register(prepare):
        CASES.append(Case(action, prepare, **options))
        return prepare

    return register


def staff(room: Room):
    return room.actor("fran")


def me(room: Room, name="aroha"):
    return room.actor(name)


@case("run.start", started=False)
def _(room):
    return {}


@case("run.pause")
def _(room):
    return {}


@case("run.resume")
def _(room):
    runs.run_pause(run=room.run, actor=staff(room))
    return {}


@case("run.end")
def _(room):
    return {}


@case("run.reopen")
def _(room):
    runs.run_end(run=room.run, actor=staff(room))
    return {}


@case("segment.next")
def _(room):
    return {}


@case("segment.previous")
def _(room):
    runs.segment_next(run=room.run, actor=staff(room))
    return {}


@case("slide.next")
def _(room):
    return {}


@case("slide.previous")
def _(room):
    room.slide(2)
    return {}


@case("slide.goto")
def _(room):
    return {"number": 17}  # a quiz question opens with it


@case("participant.admit")
def _(room):
    return {"participant": room.people["wendy"]}


@case("participant.admit_all")
def _(room):
    return {}


@case("participant.remove", gone="sam")
def _(room):
    return {"participant": room.people["sam"]}


@case("participant.deny", gone="wendy")
def _(room):
    return {"participant": room.people["wendy"]}


@case("interaction.open")
def _(room):
    return {"interaction": room.item("watched-intro-video")}  # slide 2's poll, from slide 1


@case("interaction.close")
def _(room):
    return {"interaction": room.item("introductions")}  # open with slide 1


@case("interaction.results")
def _(room):
    room.slide(2)
    poll = room.item("watched-intro-video")
    answers.answer_choose(run=room.run, actor=me(room), interaction=poll, choice=0)
    return {"interaction": poll, "visible": True}


@case("interaction.create")
def _(room):
    return {"kind": "poll", "text": "Coffee or tea?", "options": "Coffee\nTea"}


@case("interaction.tally")
def _(room):
    room.slide(2)
    return {"interaction": room.item("watched-intro-video"), "option": 0, "amount": 1}


def _quiz_answered(room) -> int:
    room.slide(17)
    question = room.run.interactions.get(slide_number=17)
    answers.answer_choose(run=room.run, actor=me(room), interaction=question.pk, choice=0)
    return question.pk


@case("quiz.reveal")
def _(room):
    return {"interaction": _quiz_answered(room)}


@case("quiz.again")
def _(room):
    question = _quiz_answered(room)
    quiz.quiz_reveal(run=room.run, actor=staff(room), interaction=question)
    return {"interaction": question}


@case("quiz.scoreboard")
def _(room):
    quiz.scoreboard_join(run=room.run, actor=me(room), joined=True)
    question = _quiz_answered(room)
    quiz.quiz_reveal(run=room.run, actor=staff(room), interaction=question)
    return {"shown": True}


@case("screen.join")
def _(room):
    return {"shown": False}  # shown by itself on the welcome slides


@case("response.mark")
def _(room):
    prompt = room.item("introductions")
    response = answers.answer_write(run=room.run, actor=me(room), interaction=prompt, text="Kia")
    return {"response": response.pk, "shown": True}


@case("answer.choose", sender="aroha")
def _(room):
    room.slide(2)
    poll = room.item("watched-intro-video")  # its results shown: the room sees answers come
    interactions.interaction_results(
        run=room.run, actor=staff(room), interaction=poll, visible=True
    )
    return {"interaction": poll, "choice": 1}


@case("answer.write", sender="aroha")
def _(room):
    return {"interaction": room.item("introductions"), "text": "Kia ora koutou"}


@case("answer.volunteer", sender="aroha")
def _(room):
    return {"interaction": room.item("introductions"), "volunteer": True}


def _word_cloud(room) -> int:
    """An ad-hoc word cloud with its results shown, and a word from someone else in it."""
    item = interactions.interaction_create(
        run=room.run, actor=staff(room), kind="words", text="Kupu?", max_words=3
    )
    interactions.interaction_results(
        run=room.run, actor=staff(room), interaction=item.pk, visible=True
    )
    wordclouds.answer_words(
        run=room.run, actor=room.actor("sam"), interaction=item.pk, words=["whānau", "trust"]
    )
    return item.pk


@case("answer.words", sender="aroha")
def _(room):
    return {"interaction": _word_cloud(room), "words": ["Whānau", "mana", ""]}


@case("answer.rate", sender="aroha")
def _(room):
    item = interactions.interaction_create(
        run=room.run, actor=staff(room), kind="rating", text="How ready are you?",
        options=["To ask about data", "To explain DPUP"], low_label="Not yet", high_label="Very",
    )  # fmt: skip
    interactions.interaction_results(
        run=room.run, actor=staff(room), interaction=item.pk, visible=True
    )
    ratings.answer_rate(
        run=room.run, actor=room.actor("sam"), interaction=item.pk, statement=0, rating=4
    )
    return {"interaction": item.pk, "statement": 1, "rating": 2}


@case("words.hide")
def _(room):
    return {"interaction": _word_cloud(room), "word": "trust"}


def _ranking(room) -> int:
    """An ad-hoc ranking with its results shown, and someone else's order in it."""
    item = interactions.interaction_create(
        run=room.run, actor=staff(room), kind="ranking", text="Order?", options=["A", "B", "C"]
    )
    interactions.interaction_results(
        run=room.run, actor=staff(room), interaction=item.pk, visible=True
    )
    rankings.answer_rank(
        run=room.run, actor=room.actor("sam"), interaction=item.pk, order=[2, 0, 1]
    )
    return item.pk


@case("answer.rank", sender="aroha")
def _(room):
    return {"interaction": _ranking(room), "order": ["1", "2", "0"]}


def _open_question(room, shown: bool = True) -> tuple[int, int]:
    """An ad-hoc open question (its answers shown to the room, or not), answered by Aroha and
    by Sam: the question's id, and Aroha's answer's."""
    item = interactions.interaction_create(
        run=room.run, actor=staff(room), kind="text", text="What would you tell a colleague?"
    )
    interactions.interaction_results(
        run=room.run, actor=staff(room), interaction=item.pk, visible=shown
    )
    hers = opentext.answer_text(
        run=room.run, actor=room.actor("aroha"), interaction=item.pk, text="Ask first."
    )
    opentext.answer_text(
        run=room.run, actor=room.actor("sam"), interaction=item.pk, text="Say why you ask."
    )
    return item.pk, hers.pk


@case("answer.text", sender="aroha")
def _(room):
    return {"interaction": _open_question(room)[0], "text": "Ask first,\nthen share."}


@case("text.hide")
def _(room):
    return {"response": _open_question(room)[1], "hidden": True}


@case("text.keep")
def _(room):
    return {"response": _open_question(room, shown=False)[1], "kept": True}


@case("reaction.send", sender="aroha")
def _(room):
    """Sam reacted a moment ago: Aroha's reaction adds to the slide's counts."""
    reactions.reaction_send(run=room.run, actor=room.actor("sam"), emoji="👏")
    return {"emoji": "👏"}


@case("scoreboard.join", sender="aroha")
def _(room):
    return {"joined": True}


def _breakout(room) -> None:
    room.slide(9)
    prompt = room.item("what-people-said")
    breakouts.breakout_start(run=room.run, actor=staff(room), interaction=prompt, groups=2, seed=1)


def _group_of(room, name) -> BreakoutGroup:
    return BreakoutGroup.objects.get(
        breakout__run_id=room.run_id, breakout__ended_at__isnull=True, members=room.people[name]
    )


@case("breakout.start")
def _(room):
    room.slide(9)
    return {"interaction": room.item("what-people-said"), "groups": 2}


@case("breakout.move")
def _(room):
    _breakout(room)
    elsewhere = BreakoutGroup.objects.exclude(pk=_group_of(room, "sam").pk)
    group = elsewhere.get(breakout__run_id=room.run_id, breakout__ended_at__isnull=True)
    return {"participant": room.people["sam"], "group": group.number}


@case("breakout.end")
def _(room):
    _breakout(room)
    return {}


@case("breakout.summary", sender="aroha")
def _(room):
    _breakout(room)
    return {"group": _group_of(room, "aroha").number, "text": "We talked about trust"}


@case("breakout.show")
def _(room):
    _breakout(room)
    group = _group_of(room, "aroha").number
    breakouts.breakout_summary(run=room.run, actor=me(room), group=group, text="Trust")
    return {"group": group, "shown": True}


@case("chat.send", sender="aroha")
def _(room):
    return {"text": "Kia ora everyone", "token": "tok-consistency"}


@case("chat.hide")
def _(room):
    line = chat.chat_send(run=room.run, actor=me(room, "sam"), text="Off topic")
    return {"message": line.pk, "hidden": True}


@case("chat.mute")
def _(room):
    chat.chat_send(run=room.run, actor=me(room, "sam"), text="Again and again")
    return {"participant": room.people["sam"], "muted": True}


@case("hand.raise", sender="aroha")
def _(room):
    return {"raised": True}


@case("hand.lower")
def _(room):
    hands.hand_raise(run=room.run, actor=me(room), raised=True)
    return {"participant": room.people["aroha"]}


def _moderated(room, **settings) -> None:
    runs.run_update(run=room.run, actor=staff(room), qa_moderated=True, **settings)


@case("question.ask", sender="aroha")
def _(room):
    # Moderated and anonymous: the team's queue and the asker's own list change, nobody else's.
    _moderated(room, qa_anonymous=True)
    return {"text": "Is DPUP law?", "token": "tok-question", "anonymous": True}


@case("question.upvote", sender="aroha")
def _(room):
    asked = questions.question_ask(run=room.run, actor=me(room, "sam"), text="Who wrote it?")
    return {"question": asked.pk, "voted": True}


@case("question.mark")
def _(room):
    asked = questions.question_ask(run=room.run, actor=me(room), text="Is DPUP law?")
    return {"question": asked.pk, "on_screen": True}


@case("question.approve")
def _(room):
    _moderated(room)
    asked = questions.question_ask(run=room.run, actor=me(room), text="Is DPUP law?")
    return {"question": asked.pk}


@case("question.dismiss")
def _(room):
    _moderated(room)
    asked = questions.question_ask(run=room.run, actor=me(room), text="Off topic?")
    return {"question": asked.pk}


@case("question.pin")
def _(room):
    questions.question_ask(run=room.run, actor=me(room), text="Is DPUP law?")
    later = questions.question_ask(run=room.run, actor=me(room, "sam"), text="Who wrote it?")
    return {"question": later.pk, "pinned": True}


@case("question.reply")
def _(room):
    asked = questions.question_ask(run=room.run, actor=me(room), text="Where is the guide?")
    questions.question_mark(run=room.run, actor=staff(room), question=asked.pk, on_screen=True)
    return {"question": asked.pk, "text": "On the DPUP site,\n  under Guidance."}


BY_ACTION = {c.action: c for c in CASES}


def test_every_action_has_a_consistency_case():
    """A new action without a case here would go unchecked."""
    assert sorted(BY_ACTION) == sorted(actions.REGISTRY)
    assert len(CASES) == len(BY_ACTION)


# --- the browsers --------------------------------------------------------------------------------


def cookie_for(client: Client) -> bytes:
    return "; ".join(f"{name}={c.value}" for name, c in client.cookies.items()).encode()


@dataclass
class Browser:
    """One open page: what it loaded, and its socket."""

    name: str
    audience: str
    page: dom.BeautifulSoup
    socket: WebsocketCommunicator
    base: str = ""  # the page as loaded, before any message
    seen: int | None = None  # the last version applied, as live.js keeps it
    gaps: list[str] = field(default_factory=list)
    closed: int | None = None

    def take(self, text: str) -> dict:
        """A message, handled as live.js `handle()` does."""
        meta = parse_meta(text) or {}
        if meta.get("code") == "unknown_action":
            return meta  # the test's barrier (see `barrier`), not something a page sends
        if meta.get("t") == "snapshot":
            self.seen = meta.get("v")
            if self.audience == WAITING and 'data-state="live"' in text:
                self.audience = PARTICIPANTS  # admitted: the socket moved into the room
        elif isinstance(meta.get("v"), int):
            if self.seen is not None and meta["v"] <= self.seen:
                return meta  # already in the snapshot it holds
            if self.seen is not None and meta["prev"] != self.seen:
                self.gaps.append(f"{meta['t']} v{meta['v']} prev {meta['prev']}, held {self.seen}")
            self.seen = meta["v"]
        if meta.get("t") in ("answer.saved", "chat.saved"):
            self.saved(meta)
        dom.apply(self.page, text)
        return meta

    def saved(self, meta: dict) -> None:
        """What live.js's `answerSaved` and its "chat.saved" branch do to the page's own state
        (`mine`, read from #my-state): an acknowledgement updates it without a push."""
        holder = self.page.find(id="my-state")
        mine = json.loads(holder["data-state"])
        if meta["t"] == "answer.saved":
            blank = {"text": "", "passed": False, "volunteer": False, "words": []}
            answer = mine["answers"].get(str(meta["interaction"]), blank)
            update = {"choices": meta["choices"], "id": meta["response"]}
            if "words" in meta:
                update["words"] = meta["words"]
            mine["answers"][str(meta["interaction"])] = answer | update
        elif isinstance(meta.get("message"), int) and meta["message"] not in mine["chat"]:
            mine["chat"].append(meta["message"])
        holder["data-state"] = json.dumps(mine, separators=(",", ":"))


PAGES = {STAFF: "console/", SCREEN: "screen/", PARTICIPANTS: "", WAITING: ""}
VIEWS = {STAFF: "console", SCREEN: "screen", PARTICIPANTS: "participant", WAITING: "participant"}


async def open_browser(room: Room, name: str, audience: str, client: Client) -> Browser:
    run = await db(lambda: room.run)()
    response = await db(client.get)(f"/runs/{run.code}/{PAGES[audience]}")
    assert response.status_code == 200, (name, response.status_code)
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    headers.append((b"cookie", cookie_for(client)))
    socket = WebsocketCommunicator(
        application, f"/ws/runs/{run.code}/?view={VIEWS[audience]}", headers=headers
    )
    connected, _ = await socket.connect()
    assert connected
    html = response.content.decode()
    browser = Browser(name, audience, dom.parse(html), socket, base=html)
    meta = browser.take(await socket.receive_from(timeout=SETTLE_TIMEOUT))
    assert meta["t"] == "snapshot"
    return browser


# --- waiting until everything is sent ---------------------------------------------------------


@pytest.fixture
def flushes(settings, monkeypatch) -> list[int]:
    """Coalesced pushes wait a moment, as in production; the count of those still to come."""
    settings.ROSTER_PUSH_DELAY = PUSH_DELAY
    settings.ACTIVITY_PUSH_DELAY = PUSH_DELAY
    outstanding = [0]
    lock = threading.Lock()
    touch, flush_async = Coalescer.touch, Coalescer._flush_async

    def counted_touch(self, key):
        # A touch that schedules a flush leaves its key pending; one absorbed or run at once
        # (no loop serving sockets yet) doesn't.
        with lock:
            before = key in self._pending
            touch(self, key)
            if not before and key in self._pending:
                outstanding[0] += 1

    async def counted_flush(self, key):
        try:
            await flush_async(self, key)
        finally:
            with lock:
                outstanding[0] -= 1

    monkeypatch.setattr(Coalescer, "touch", counted_touch)
    monkeypatch.setattr(Coalescer, "_flush_async", counted_flush)
    return outstanding


async def flushed(outstanding: list[int]) -> None:
    """Every coalesced push asked for so far has been sent."""
    for _ in range(int(SETTLE_TIMEOUT / 0.01)):
        if outstanding[0] == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{outstanding[0]} coalesced pushes never went out")


async def read(browser: Browser, until: Callable[[dict], bool] | None = None) -> list[dict]:
    """Apply what the socket has received; with `until`, first wait for such a message."""
    taken = []
    while until is not None:
        output = await browser.socket.receive_output(timeout=SETTLE_TIMEOUT)
        if output["type"] == "websocket.close":
            browser.closed = output.get("code")
            taken.append({"t": "close", "code": browser.closed})
        else:
            taken.append(browser.take(output["text"]))
        if until(taken[-1]):
            break
    while browser.closed is None and not await browser.socket.receive_nothing(QUIET):
        output = await browser.socket.receive_output()
        if output["type"] == "websocket.close":
            browser.closed = output.get("code")
        else:
            taken.append(browser.take(output["text"]))
    return taken


async def barrier(browser: Browser, label: str) -> list[dict]:
    """An unknown action: its error comes back after everything the socket sent before."""
    await browser.socket.send_to(text_data=json.dumps({"action": f"barrier.{label}"}))
    return await read(
        browser,
        until=lambda meta: meta.get("action") is None and meta.get("code") == "unknown_action",
    )


async def settle(browsers: list[Browser], outstanding: list[int]) -> None:
    await flushed(outstanding)
    for browser in browsers:
        await read(browser)


async def fresh(browser: Browser, *, kept: bool = False) -> tuple[dom.BeautifulSoup, int]:
    """The page as a browser opening it now would show it: as loaded, with a new snapshot
    (and the snapshot's version). With `kept`, a snapshot kept for the run's version must be
    what one rendered now would be."""
    page = dom.parse(browser.base)
    await browser.socket.send_to(text_data=json.dumps({"action": "sync"}))
    output = await browser.socket.receive_output(timeout=SETTLE_TIMEOUT)
    meta = parse_meta(output["text"])
    assert meta["t"] == "snapshot", output["text"][:200]
    dom.apply(page, output["text"])
    if not kept or browser.audience not in (PARTICIPANTS, SCREEN):
        return page, meta["v"]
    # Participants' and projectors' snapshots are kept per version (fragments.py).
    await db(fragments._snapshots.clear)()
    await browser.socket.send_to(text_data=json.dumps({"action": "sync"}))
    again = await browser.socket.receive_output(timeout=SETTLE_TIMEOUT)
    kept, rendered = dom.parse(output["text"]), dom.parse(again["text"])
    assert dom.canonical(kept, CLOCK_ATTRIBUTES) == dom.canonical(rendered, CLOCK_ATTRIBUTES), (
        f"{browser.name}: the snapshot kept for this version is stale"
    )
    return page, meta["v"]


def live_root(page: dom.BeautifulSoup):
    return page.find(id="live-root")


# --- the test ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("spec", [pytest.param(c, id=c.action, marks=c.marks) for c in CASES])
async def test_pushes_bring_every_open_page_to_what_a_fresh_page_shows(still, room, flushes, spec):
    """The promise behind every push: a browser kept up to date by them shows what it would
    after reconnecting, so nobody ever needs to reload to see the truth."""

    def prepare():
        if spec.started:
            runs.run_start(run=room.run, actor=room.actor("fran"))
        return spec.prepare(room)

    fields = await db(prepare)()
    browsers = {
        "staff": await open_browser(room, "staff", STAFF, room.clients["fran"]),
        "screen": await open_browser(room, "screen", SCREEN, room.clients["fran"]),
        "aroha": await open_browser(room, "aroha", PARTICIPANTS, room.clients["aroha"]),
        "sam": await open_browser(room, "sam", PARTICIPANTS, room.clients["sam"]),
        "wendy": await open_browser(room, "wendy", WAITING, room.clients["wendy"]),
    }
    everyone = list(browsers.values())
    await settle(everyone, flushes)  # the team's roster, as the team's views connected
    for browser in everyone:  # the pages as they are now: loaded, then one snapshot each
        browser.page, browser.seen = await fresh(browser)
    before = {b.name: dom.canonical(live_root(b.page), CLOCK_ATTRIBUTES) for b in everyone}

    sender = browsers["staff" if spec.sender == "fran" else spec.sender]
    message = {"action": spec.action} | fields
    await sender.socket.send_to(text_data=json.dumps(message))
    if spec.action == "answer.choose":
        await read(sender, until=lambda meta: meta.get("t") in ("answer.saved", "error"))
    replies = await barrier(sender, "after")
    errors = [meta for meta in replies if meta.get("t") == "error" and meta.get("action")]
    assert not errors, errors
    await flushed(flushes)
    if spec.action in ("participant.admit", "participant.admit_all"):
        # The waiting room's socket moves into the room and gets the room's snapshot.
        await read(browsers["wendy"], until=lambda meta: meta.get("t") == "snapshot")
    if spec.gone:
        await read(browsers[spec.gone], until=lambda meta: meta.get("t") == "close")
    await settle(everyone, flushes)

    versions = await db(lambda: room.run.audience_versions)()
    differences, changed, checked = {}, bool(spec.gone), set()
    for browser in everyone:
        if browser.name == spec.gone:
            assert browser.closed == CLOSE_GONE
            assert browser.page.find(id="participant-main")["data-state"] == "gone"
            continue
        assert browser.seen == versions.get(browser.audience, 0), browser.name
        assert not browser.gaps, (browser.name, browser.gaps)
        now, _ = await fresh(browser, kept=browser.audience not in checked)
        checked.add(browser.audience)
        after = dom.canonical(live_root(now), CLOCK_ATTRIBUTES)
        changed = changed or after != before[browser.name]
        if dom.canonical(live_root(browser.page), CLOCK_ATTRIBUTES) != after:
            ids = dom.differing_ids(live_root(browser.page), live_root(now), CLOCK_ATTRIBUTES)
            ids = ids or ["live-root"]
            differences[browser.name] = {
                i: (
                    dom.canonical(browser.page.find(id=i) or dom.parse(""), CLOCK_ATTRIBUTES),
                    dom.canonical(now.find(id=i) or dom.parse(""), CLOCK_ATTRIBUTES),
                )
                for i in ids
            }
    for browser in everyone:
        if browser.closed is None:
            await browser.socket.disconnect()
    await flushed(flushes)  # the roster's push as the team's views close
    assert not differences, describe(differences)
    assert changed, "the action changed no page: this case checks nothing"


def describe(differences: dict) -> str:
    lines = ["pushed (left) and fresh (right) differ:"]
    for name, elements in differences.items():
        for element_id, (pushed, fresh_html) in elements.items():
            lines += [f"{name} #{element_id}:", f"  {pushed[:600]}", f"  {fresh_html[:600]}"]
    return "\n".join(lines)


# --- the page model itself --------------------------------------------------------------------


def test_a_push_replaces_by_id_or_fills_and_drops_what_the_page_lacks():
    """The applier must swap as live.js does, or the cases above prove nothing."""
    page = dom.parse(
        '<div id="live-root"><p id="a" class="old">old</p><div id="b" class="kept">old</div></div>'
    )
    dropped = dom.apply(
        page,
        '<!--ev {"t":"x"}--><p id="a" class="new">new</p>'
        '<div id="b" hx-swap-oob="innerHTML"><i>new</i></div><p id="c">elsewhere</p>',
    )
    assert dropped == ["c"]
    assert dom.canonical(live_root(page)) == (
        '<div id="live-root"><p class="new" id="a">new</p>'
        '<div class="kept" id="b"><i>new</i></div></div>'
    )
