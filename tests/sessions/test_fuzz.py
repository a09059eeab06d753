"""A seeded websocket fuzz through the real ASGI stack (origin check, cookies, sessions, auth).

Every role sends thousands of generated messages to a live run: every registered action, plus
`answer.choose`, `sync`, `ping` and unknown actions, valid and mostly valid ones with real ids
(from this run and from another one) so the services do their work, and hostile ones: lone
surrogates (as JSON escapes: the only way they can arrive in a UTF-8 frame) in values, action
names and field names, bidirectional controls, zero-width and control characters, NUL,
decomposed (non-NFC) text, strings over and just under the message limit, deep nesting,
wrong types, NaN and Infinity literals, missing and extra fields, text that is not JSON, and
binary frames.

What must hold (the hardening issue's acceptance criteria):

1. No socket is ever closed and no consumer ever raises (daphne would close it with 1011):
   every message gets an error, an acknowledgement, a push, or nothing. Every frame sent back
   must be one daphne can send (UTF-8) and one the page can read (its metadata strict JSON:
   no NaN). The only legitimate closes are the ones a message asks for: the team removing or
   turning away a participant (4410 for that participant). Those are never aimed at a
   connected socket here (see `Fuzz.guard`), so any close at all is a failure.
2. Nothing is logged at ERROR or above, and no record carries a traceback.
3. A participant who sends nothing still gets the room's pushes afterwards.
4. Every string stored in the `runs` and `quiz` apps (text and char fields, and the strings
   inside JSON fields) is valid UTF-8, NFC, and free of bidirectional controls.

Each message is followed by a cheap barrier (an unknown action with a numbered name): replies
come back in order, so whatever arrives between two barriers belongs to the message between
them, and a socket that dies is pinned on the message it died on. A dead socket is reported,
reconnected, and sent the rest of its batch, so one run lists every distinct failure; the test
fails once, at the end, with all of them.

The stream is fixed by SEED: which actions, roles, shapes and hostile strings are sent never
depends on what the services did. Only the real ids filling them do: they are drawn from the
run's current rows, with a generator of their own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import traceback
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import HttpResponse
from django.test import Client

from bench.simulate import parse_meta
from dpup_workshop.asgi import application
from dpup_workshop.text import strings_in
from sessions.domain import answers, chat, participants, questions, runs, sessionkeys
from sessions.domain.permissions import ACTIONS, PARTICIPANT
from sessions.domain.selectors import actor_for_participant, actor_for_user
from sessions.live import actions, consumers
from sessions.models import (
    AudienceQuestion,
    ChatMessage,
    Interaction,
    Kind,
    Participant,
    Response,
    Run,
    State,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SEED = 20_260_601
MESSAGES = 10_200  # at least; a batch in progress is finished
PHASE_A = 0.45  # share of the messages sent while someone is (and stays) in the waiting room
REPLY_TIMEOUT = 15  # seconds for a socket to answer a batch message; a timeout kills the app
ORIGIN = b"http://testserver"

# --- what the generated text is made of --------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\u2028\u2029\t\r\n"
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ude00\ud83d", "\ud83d"]  # lone, reversed
NON_NFC = [
    "a\u0304",  # ā, decomposed
    "Ma\u0304ori",
    "Te Manatu\u0304",
    "e\u0301",
    "\u212b",  # ANGSTROM SIGN: NFC makes it Å
    "\u1e9b\u0323",
    "\u1100\u1161",  # Hangul jamo
    "A\u030a",
    "o\u0308\u0304",
]
ODD = [
    "\ufffe",
    "\uffff",
    "\ue000",
    "\U0010ffff",
    "\U0001f600",
    "\U0001f469\U0001f3fd\u200d\U0001f4bb",
    "\u00a0",
    "\u3000",
    "\ufb01",
    "\u0130",
    "\u03a3",
    "\U0001d400",
]
MARKUP = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<!--ev {}-->",
    "-->",
    "{{ run.code }}",
    "{% debug %}",
    "' OR 1=1 --",
    "\\",
    '"',
    "&amp;",
    "]]>",
    "${x}",
]
WORDS = ["Kia ora", "Is DPUP law?", "Tēnā koutou", "data", "privacy", "Māori", "why", "ok", "?"]

UNKNOWN_ACTIONS = [
    "",
    " ",
    "nope",
    "SLIDE.NEXT",
    "slide.next ",
    " slide.next",
    "slide.next\x00",
    "slide.next\u200b",
    "chat.send\u202e",
    "\u202echat.send",
    "\ud800",
    "chat.send\ud800",
    "\udc00\ud800",
    "run.edit",
    "team.manage",
    "question.show",
    "chat.moderate",
    "participant.leave",
    "leave",
    "__init__",
    "__class__",
    "constructor",
    "toString",
    "slide.next.",
    "slide..next",
    "../slide.next",
    "answer.choose\x00",
    "x" * 61,
    "x" * 3000,
    "ā" * 100,
    "a\u0304nswer.choose",
    "\u0455lide.next",
    "sync\n",
    "ping\x00",
    "SYNC",
    "Ping",
    "a\u0304",
    "\u2066sync\u2069",
]
ODD_FIELD_NAMES = [
    "\ud800",
    "text\udc00",
    "\udfff\ud800",
    "\u202etext",
    "te\u200bxt",
    "text\x00",
    "",
    " ",
    "action ",
    "Text",
    "TEXT",
    "__proto__",
    "constructor",
    "x" * 2000,
    "a\u0304",
    "\ufeff",
    "\u2067",
    "participant\u200f",
    "null",
    "0",
]
BOOL_FIELDS = {
    "visible",
    "multiple",
    "shown",
    "hidden",
    "muted",
    "answered",
    "on_screen",
    "raised",
    "joined",
    "volunteer",
    "selected",
    "voted",
    "passed",
    "shortlisted",
}
TEXT_FIELDS = {"text", "kind", "token"}

REGISTERED = sorted(actions.REGISTRY)  # answer.choose is registered (and answered by the batcher)
PARTICIPANT_ACTIONS = [
    n for n in REGISTERED if PARTICIPANT in ACTIONS[actions.REGISTRY[n].permission]
]
TEAM_ACTIONS = [
    n for n in REGISTERED if n not in PARTICIPANT_ACTIONS or n in {"chat.send", "breakout.summary"}
]
EVERY_ACTION = set(REGISTERED) | {"sync", "ping"}

# Removing or turning away a participant closes their socket with 4410 on purpose: never aimed
# at a socket of ours. Admitting the waiting fuzzer would end its time in the waiting room.
DESTRUCTIVE = {"participant.remove", "participant.deny"}


# --- generating messages -----------------------------------------------------------------------


@dataclass
class Frame:
    kind: str  # "text", "bytes", or "empty" (a text frame with nothing in it)
    data: str | bytes
    action: str  # for the report: the action as sent, or what kind of raw frame it is
    shape: str  # for the report: how it was made


def numbers_in(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def is_surrogate_free(text: str) -> bool:
    return not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def has_surrogate(value) -> bool:
    return not all(is_surrogate_free(text) for text in strings_in(value))


def features(value) -> set[str]:
    """What is odd about the strings (and numbers) in a payload, for the report."""
    found = set()
    for text in strings_in(value):
        if not is_surrogate_free(text):
            found.add("lone-surrogate")
        elif unicodedata.normalize("NFC", text) != text:
            found.add("non-NFC")
        if any(ch in BIDI for ch in text):
            found.add("bidi")
        if any(ch in ZERO_WIDTH for ch in text):
            found.add("zero-width")
        if "\x00" in text:
            found.add("NUL")
        if any(ch in CONTROLS[1:] for ch in text):
            found.add("control")
        if len(text) > 1000:
            found.add("long")
    for number in numbers_in(value):
        if number != number:
            found.add("NaN")
        elif number in (float("inf"), float("-inf")):
            found.add("Infinity")
    return found


def label(action) -> str:
    text = ascii(action) if isinstance(action, str) else f"<{type(action).__name__}>"
    return text if len(text) <= 50 else text[:47] + "...'"


class Generator:
    """Messages from one seed. `ids` draws from the run's rows with its own generator, so the
    shape of the stream never depends on what the services did."""

    def __init__(self, seed: int, pools: Pools, guard):
        self.rng = Random(seed)
        self.ids = Random(seed + 1)
        self.pools = pools
        self.guard = guard  # applied to every payload before it is written out
        self.tokens: list[str] = []
        self.tours: dict[str, list[str]] = {}

    # text ----------------------------------------------------------------------------------

    def piece(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.22:
            return rng.choice(WORDS)
        if kind < 0.36:
            return rng.choice(SURROGATES)
        if kind < 0.50:
            return "".join(rng.choice(BIDI) for _ in range(rng.randint(1, 3)))
        if kind < 0.58:
            return rng.choice(ZERO_WIDTH)
        if kind < 0.66:
            return rng.choice(CONTROLS)
        if kind < 0.80:
            return rng.choice(NON_NFC)
        if kind < 0.90:
            return rng.choice(ODD)
        return rng.choice(MARKUP)

    def text(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            return rng.choice(WORDS)
        if roll < 0.20:  # lengths around the services' limits (300, 500, 1000, 2000)
            length = rng.choice(
                [0, 1, 299, 300, 301, 499, 500, 501, 999, 1000, 1001, 1999, 2000, 2001, 3000]
            )
            unit = rng.choice(["x", "ā", "a\u0304", "\u202e", " ", "\u200b", "\U0001f600"])
            return (unit * length)[:length] if len(unit) == 1 else unit * (length // len(unit))
        if roll < 0.24:
            return rng.choice(["", " ", "\n", "\t \u3000\u00a0", "\u200b", "\u202e"])
        return "".join(self.piece() for _ in range(rng.randint(1, 6)))

    def token(self) -> str:
        rng = self.rng
        if self.tokens and rng.random() < 0.3:  # the same submission again
            return self.tokens[int(rng.random() * len(self.tokens))]
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
        made = "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 64)))
        self.tokens = (self.tokens + [made])[-50:]
        return made

    def wrong(self):
        """A value of the wrong type (or a string that only looks like a number)."""
        rng = self.rng
        options = [
            None,
            True,
            False,
            0,
            -1,
            1.5,
            -0.0,
            float("nan"),
            float("inf"),
            float("-inf"),
            10**30,
            -(10**30),
            2**63,
            2**64 + 1,
            10**9 + 1,
            "",
            "12",
            " 7 ",
            "１２",
            "1_000",
            "0x10",
            "1e3",
            "+3",
            "٣",
            "-5",
            "NaN",
            [],
            [1],
            [1, 2, 3],
            {},
            {"a": 1},
            [[[[[]]]]],
            {"action": "slide.next"},
            "true",
            "yes",
            "on",
            "null",
        ]
        if rng.random() < 0.2:
            return self.text()
        if rng.random() < 0.1:
            return self.nested(rng.randint(2, 40))
        return rng.choice(options)

    def nested(self, depth: int):
        value = self.rng.choice([1, "x", "\ud800", None, [], {}])
        for _ in range(depth):
            value = [value] if self.rng.random() < 0.5 else {"a": value}
        return value

    # realistic values ------------------------------------------------------------------------

    def pick(self, pool: list, fallback=1):
        return pool[int(self.ids.random() * len(pool))] if pool else fallback

    def interaction(self, action: str) -> int:
        p = self.pools
        roll = self.rng.random()
        if roll < 0.15:
            return self.pick(p.other_interactions)
        if roll < 0.25:
            return self.rng.choice([1, 10**9, p.max_id + 1, p.max_id + 1000])
        if action in ("answer.write", "answer.volunteer", "breakout.start") or roll < 0.35:
            return self.pick(p.prompts)
        if action in ("answer.choose", "interaction.tally", "interaction.results"):
            return self.pick(p.choices)
        if action in ("quiz.reveal", "quiz.again"):
            return self.pick(p.quizzes)
        return self.pick(p.interactions)

    def participant(self) -> int:
        p = self.pools
        roll = self.rng.random()
        if roll < 0.35:
            return self.pick(p.victims)
        if roll < 0.55:
            return self.pick(p.ours)  # non-destructive actions only: see Fuzz.guard
        if roll < 0.70:
            return self.pick(p.waiting_victims)
        if roll < 0.85:
            return self.pick(p.other_participants)
        return self.rng.choice([1, 10**9, p.max_id + 1])

    def value(self, name: str, action: str):
        rng, p = self.rng, self.pools
        if name in BOOL_FIELDS:
            return rng.choice([True, False, True, False, "true", "off", "1", "no", "", "on"])
        match name:
            case "number":
                return rng.choice(
                    [
                        rng.randint(1, p.slide_count),
                        rng.randint(1, p.slide_count),
                        1,
                        2,
                        p.slide_count,
                        0,
                        p.slide_count + 1,
                    ]
                )
            case "participant":
                return self.participant()
            case "interaction":
                return self.interaction(action)
            case "timer":
                return rng.choice([10, 30, 600, 9, 601, 45])
            case "kind":
                return rng.choice(["poll", "prompt", "poll", "quiz", "Poll", self.text()])
            case "text":
                return rng.choice(WORDS) if rng.random() < 0.25 else self.text()
            case "options":
                items = [self.text() for _ in range(rng.randint(0, 9))]
                return "\n".join(items) if rng.random() < 0.3 else items
            case "option":
                return rng.randint(0, 8)
            case "amount":
                return rng.choice([1, -1, 1, 2])
            case "response":
                return (
                    self.pick(p.responses) if rng.random() < 0.85 else self.pick(p.other_responses)
                )
            case "groups":
                return rng.choice([2, 2, 3, 4, 1, 50])
            case "group":
                return rng.choice([1, 1, 2, 3, 4, 99])
            case "message":
                return self.pick(p.chat) if rng.random() < 0.85 else self.pick(p.other_chat)
            case "question":
                return (
                    self.pick(p.questions) if rng.random() < 0.85 else self.pick(p.other_questions)
                )
            case "choice":
                return rng.choice([0, 1, 2, 3, 0, 1, 7])
            case "token":
                return self.token()
        return self.text()

    # whole messages --------------------------------------------------------------------------

    def action(self, role: str, phase_a: bool) -> str:
        rng = self.rng
        # Each role goes through every action (twice, in a seeded order) between the random
        # ones, so each is sent by each role whatever the draw.
        tour = self.tours.setdefault(
            role, rng.sample(sorted(EVERY_ACTION) * 2, 2 * len(EVERY_ACTION))
        )
        if tour and rng.random() < 0.3:
            allowed = [n for n in tour if not (phase_a and n == "participant.admit_all")]
            if allowed:
                tour.remove(allowed[0])
                return allowed[0]
        roll = rng.random()
        if roll < 0.015:  # a snapshot: the dearest reply there is
            return "sync"
        if roll < 0.055:
            return "ping"
        if roll < 0.145:
            return rng.choice(UNKNOWN_ACTIONS) if rng.random() < 0.8 else self.text()
        if role in ("participant", "waiting"):
            pool = PARTICIPANT_ACTIONS if rng.random() < 0.6 else REGISTERED
        elif role == "screen":
            pool = REGISTERED
        else:
            pool = TEAM_ACTIONS if rng.random() < 0.7 else REGISTERED
        name = rng.choice(pool)
        if phase_a and name == "participant.admit_all":
            name = "participant.admit"
        return name

    def valid(self, action: str, optional_share: float = 0.5) -> dict:
        spec = actions.REGISTRY.get(action)
        payload = {"action": action}
        if spec is None:
            return payload
        for name in spec.fields:
            payload[name] = self.value(name, action)
        for name in spec.optional:
            if self.rng.random() < optional_share:
                payload[name] = self.value(name, action)
        if self.rng.random() < 0.1:  # htmx's own field, allowed with every action
            payload["HEADERS"] = {"HX-Request": "true", "HX-Trigger": self.text()}
        return payload

    def message(self, role: str, phase_a: bool) -> Frame:
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:
            return self.binary()
        if roll < 0.003 + 0.02:
            return Frame("empty", "", "(empty frame)", "empty")
        if roll < 0.09:
            return self.raw()
        action = self.action(role, phase_a)
        spec = actions.REGISTRY.get(action)
        fields = list(spec.fields) + list(spec.optional) if spec else []
        mode = rng.choices(
            [
                "valid",
                "hostile",
                "wrong-type",
                "missing",
                "extra",
                "near-limit",
                "deep",
                "action-type",
            ],
            weights=[34, 20, 15, 7, 9, 6, 5, 4],
        )[0]
        payload = self.valid(action)
        shape = mode
        if mode == "hostile":  # every string the message carries is hostile
            for name in [*fields, "HEADERS"]:
                if name in payload or rng.random() < 0.3:
                    payload[name] = self.text()
        elif mode == "wrong-type":
            targets = [n for n in payload if n != "action"] or ["HEADERS"]
            for name in rng.sample(targets, k=min(len(targets), rng.randint(1, 2))):
                payload[name] = self.wrong()
                shape = f"wrong-type:{name}"
        elif mode == "missing":
            required = list(spec.fields) if spec else []
            if required:
                dropped = rng.choice(required)
                payload.pop(dropped, None)
                shape = f"missing:{dropped}"
            else:
                payload = {k: v for k, v in payload.items() if k == "action"}
                shape = "missing:(none needed)"
        elif mode == "extra":
            for _ in range(rng.randint(1, 3)):
                name = rng.choice(ODD_FIELD_NAMES) if rng.random() < 0.7 else self.text()
                payload[name] = self.wrong() if rng.random() < 0.5 else self.text()
        elif mode == "action-type":
            payload["action"] = self.wrong()
            action = payload["action"]
        payload, guarded = self.guard(payload)
        shape += "+guarded" if guarded else ""
        if mode == "near-limit":
            names = [f for f in fields if f in TEXT_FIELDS or f == "options"]
            return self.near_limit(payload, rng.choice([*names, "HEADERS"]))
        if mode == "deep":
            return self.deep(payload, rng.choice([*fields, "HEADERS"]))
        if rng.random() < 0.1:  # the action last
            payload = {k: v for k, v in payload.items() if k != "action"} | {
                "action": payload["action"]
            }
        return Frame("text", self.encode(payload), label(action), shape)

    def encode(self, payload) -> str:
        # A lone surrogate can only come over the wire as a JSON escape: json.dumps writes one.
        coin = self.rng.random() < 0.5
        ascii_only = coin or has_surrogate(payload)
        return json.dumps(payload, ensure_ascii=ascii_only)

    def near_limit(self, payload: dict, name: str) -> Frame:
        """A string field padded so the frame is just under, at, or just over the limit."""
        rng = self.rng
        limit = 4096
        target = rng.choice(
            [limit - 200, limit - 7, limit - 1, limit, limit + 1, limit + 5, 2 * limit, 70_000]
        )
        unit = rng.choice(["x", "ā", "a\u0304", "\u202e", "\U0001f600", "\ud800", "\x00", " "])
        payload = dict(payload)
        payload[name] = ""
        coin = rng.random() < 0.5
        ascii_only = coin or has_surrogate(unit) or has_surrogate(payload)
        base = len(json.dumps(payload, ensure_ascii=ascii_only).encode())
        size = len(json.dumps(unit, ensure_ascii=ascii_only).encode()) - 2
        room = max(0, target - base)
        padded = unit * (room // size) + "x" * (room % size)
        payload[name] = padded  # for options: one option per line, as a textarea sends them
        text = json.dumps(payload, ensure_ascii=ascii_only)
        shape = f"near-limit:{len(text.encode())}B of {ascii(unit)} in {name}"
        return Frame("text", text, label(payload["action"]), shape)

    def deep(self, payload: dict, name: str) -> Frame:
        """A field nested hundreds or thousands deep (written out: json.dumps would recurse)."""
        rng = self.rng
        depth = rng.choice([32, 100, 500, 999, 1000, 1500, 2000, 2030, 3000])
        if rng.random() < 0.5:
            nested = "[" * depth + rng.choice(["1", '"\\ud800"', "null", ""]) + "]" * depth
        else:
            nested = '{"a":' * depth + "1" + "}" * depth
        rest = {k: v for k, v in payload.items() if k not in ("action", name)}
        parts = [f'"action":{json.dumps(payload["action"])}', f"{json.dumps(name)}:{nested}"]
        parts += [f"{json.dumps(k)}:{json.dumps(v)}" for k, v in rest.items()]
        text = "{" + ",".join(parts) + "}"
        return Frame("text", text, label(payload["action"]), f"deep:{depth} in {name}")

    def binary(self) -> Frame:
        rng = self.rng
        data = rng.choice(
            [
                b"\x00",
                b'{"action":"sync"}',
                b'{"action":"slide.next"}',
                b"\xff\xfe\xfd",
                b"\xed\xa0\x80",
                bytes(rng.randrange(256) for _ in range(64)),
                b"x" * 10_000,
            ]
        )
        return Frame("bytes", data, "(binary)", f"binary:{len(data)}B")

    def raw(self) -> Frame:
        """Frames written by hand: not JSON, JSON that is not an object, NaN and Infinity,
        escapes that decode to lone surrogates, duplicate keys, raw control characters."""
        rng = self.rng
        p = self.pools
        quiz = self.pick(p.quizzes)
        prompt = self.pick(p.prompts)
        templates = [
            ("not json", "not-json"),
            ("", "not-json"),
            (" ", "not-json"),
            ("{", "not-json"),
            ('{"action":', "not-json"),
            ('{"action":"sync",}', "not-json"),
            ("{'action':'sync'}", "not-json"),
            ('{"action":"sync"} trailing', "not-json"),
            ('\ufeff{"action":"sync"}', "BOM"),
            ('{"action":"sync"}\x00', "NUL after JSON"),
            ("null", "not-object"),
            ("true", "not-object"),
            ("1", "not-object"),
            ("[]", "not-object"),
            ('["slide.next"]', "not-object"),
            ('"slide.next"', "not-object"),
            ("NaN", "NaN"),
            ('{"action":NaN}', "NaN"),
            ('{"action":"slide.goto","number":NaN}', "NaN"),
            ('{"action":"slide.goto","number":Infinity}', "Infinity"),
            ('{"action":"slide.goto","number":-Infinity}', "Infinity"),
            ('{"action":"slide.goto","number":1e999}', "huge float"),
            ('{"action":"slide.goto","number":' + "9" * 4000 + "}", "huge int"),
            ('{"action":"slide.goto","number":2.0}', "float"),
            (f'{{"action":"answer.choose","interaction":{quiz},"choice":NaN}}', "NaN"),
            ('{"action":"answer.choose","interaction":NaN,"choice":Infinity}', "NaN"),
            (f'{{"action":"answer.choose","interaction":{quiz},"choice":0,"selected":NaN}}', "NaN"),
            (
                f'{{"action":"interaction.tally","interaction":{quiz},"option":Infinity,"amount":1}}',
                "Infinity",
            ),
            ('{"action":"\\ud800"}', "surrogate in action"),
            ('{"action":"chat.send\\udc00","text":"x"}', "surrogate in action"),
            ('{"action":"\\udfff\\ud800"}', "surrogate in action"),
            ('{"\\ud800":"sync"}', "surrogate in field name"),
            ('{"action":"sync","\\udfff":1}', "surrogate in field name"),
            ('{"action":"chat.send","text":"hi","\\ud800":1}', "surrogate in field name"),
            ('{"action":"question.ask","te\\udc00xt":"hi"}', "surrogate in field name"),
            ('{"action":"chat.send","text":"\\ud800"}', "surrogate in text"),
            ('{"action":"chat.send","text":"ok \\udc00 ok"}', "surrogate in text"),
            ('{"action":"question.ask","text":"\\udbff?"}', "surrogate in text"),
            (
                f'{{"action":"answer.write","interaction":{prompt},"text":"\\ud800"}}',
                "surrogate in text",
            ),
            ('{"action":"chat.send","text":"\\ud83d\\ude00 fine"}', "surrogate pair (valid)"),
            ('{"action":"chat.send","text":"\\x41"}', "bad escape"),
            ('{"action":"chat.send","text":"\\u12"}', "bad escape"),
            ('{"action":"chat.send","text":"a\tb"}', "raw control in string"),
            ('{"action":"chat.send","text":"a\x00b"}', "raw NUL in string"),
            ('{"action":"chat.send","text":"\\u0000"}', "NUL escape"),
            ('{"action":"chat.send","text":"\\u202eevil"}', "bidi escape"),
            ('{"action":"sync","action":"ping"}', "duplicate key"),
            ('{"action":"chat.send","text":"a","text":"a\\u0304"}', "duplicate key"),
            ('{"action":"slide.goto","number":1,"number":"x"}', "duplicate key"),
            ('{"action":"chat.send","text":' + '"' + "\\ud800" * 600 + '"}', "surrogate x600"),
            ('{"action" : "ping" }', "whitespace"),
            ('\n\t{"action":"ping"}\r\n', "whitespace"),
        ]
        text, shape = rng.choice(templates)
        return Frame("empty" if text == "" else "text", text, "(raw)", f"raw:{shape}")


# --- the run's ids, refreshed each round --------------------------------------------------------


@dataclass
class Pools:
    slide_count: int = 1
    max_id: int = 1
    interactions: list[int] = field(default_factory=list)
    prompts: list[int] = field(default_factory=list)
    choices: list[int] = field(default_factory=list)
    quizzes: list[int] = field(default_factory=list)
    victims: list[int] = field(default_factory=list)
    waiting_victims: list[int] = field(default_factory=list)
    ours: list[int] = field(default_factory=list)  # the fuzzers' and the bystander's
    chat: list[int] = field(default_factory=list)
    questions: list[int] = field(default_factory=list)
    responses: list[int] = field(default_factory=list)
    other_interactions: list[int] = field(default_factory=list)
    other_participants: list[int] = field(default_factory=list)
    other_chat: list[int] = field(default_factory=list)
    other_questions: list[int] = field(default_factory=list)
    other_responses: list[int] = field(default_factory=list)

    def refresh(self, run: Run, other: Run) -> None:
        def ids(queryset) -> list[int]:
            return list(queryset.order_by("pk").values_list("pk", flat=True))

        items = Interaction.objects.filter(run=run)
        self.interactions = ids(items)
        self.prompts = ids(items.filter(kind=Kind.PROMPT))
        self.choices = ids(items.exclude(kind=Kind.PROMPT))
        self.quizzes = ids(items.filter(kind=Kind.QUIZ))
        self.chat = ids(ChatMessage.objects.filter(run=run))
        self.questions = ids(AudienceQuestion.objects.filter(run=run))
        self.responses = ids(Response.objects.filter(interaction__run=run))
        self.other_interactions = ids(Interaction.objects.filter(run=other))
        self.other_participants = ids(Participant.objects.filter(run=other))
        self.other_chat = ids(ChatMessage.objects.filter(run=other))
        self.other_questions = ids(AudienceQuestion.objects.filter(run=other))
        self.other_responses = ids(Response.objects.filter(interaction__run=other))
        self.max_id = max(
            [
                1,
                *self.interactions,
                *self.other_interactions,
                *self.chat,
                *self.questions,
                *self.responses,
                *self.victims,
                *self.ours,
            ]
        )


# --- the findings --------------------------------------------------------------------------------


@dataclass
class Finding:
    count: int = 0
    actions: Counter = field(default_factory=Counter)
    roles: Counter = field(default_factory=Counter)
    shapes: Counter = field(default_factory=Counter)
    example: str = ""


class Findings:
    """Distinct failures, one per (check, outcome), with the actions, roles and payload
    shapes that led to each and the first frame that did."""

    def __init__(self):
        self.items: dict[tuple[str, str], Finding] = {}

    def add(self, check: str, role: str, frame: Frame | None, outcome: str) -> None:
        finding = self.items.setdefault((check, outcome), Finding())
        finding.count += 1
        finding.actions[action_of(frame)] += 1
        finding.roles[role] += 1
        if frame is not None:
            odd = sorted(features(_decoded(frame)))
            finding.shapes[f"{frame.shape}{' [' + ','.join(odd) + ']' if odd else ''}"] += 1
            if not finding.example:
                data = frame.data if isinstance(frame.data, str) else repr(frame.data)
                finding.example = ascii(data[:200]) + ("..." if len(data) > 200 else "")

    def report(self) -> str:
        def top(counter: Counter, n: int) -> str:
            shown = ", ".join(f"{k} x{v}" for k, v in counter.most_common(n))
            return shown + (f", and {len(counter) - n} more" if len(counter) > n else "")

        lines = []
        for n, ((check, outcome), f) in enumerate(sorted(self.items.items()), 1):
            lines.append(f"{n}. [{check}] {outcome} (x{f.count})")
            lines.append(f"     actions: {top(f.actions, 8)}")
            lines.append(f"     roles: {', '.join(sorted(f.roles))}")
            if f.shapes:
                lines.append(f"     shapes: {top(f.shapes, 4)}")
            if f.example:
                lines.append(f"     e.g. {f.example}")
        return "\n".join(lines)


def _decoded(frame: Frame | None):
    if frame is None or frame.kind != "text":
        return None
    try:
        return json.loads(frame.data)
    except (ValueError, RecursionError):
        return frame.data


def action_of(frame: Frame | None) -> str:
    """The action a frame names, for grouping findings: unknown names go together."""
    if frame is None:
        return "(a push, not a reply)"
    if frame.kind == "bytes":
        return "(binary frame)"
    decoded = _decoded(frame)
    if not isinstance(decoded, dict):
        return "(not a JSON object)"
    action = decoded.get("action")
    if not isinstance(action, str):
        return "(action not a string)"
    return action if action in EVERY_ACTION else "(unknown action)"


def _normalise(message: str) -> str:
    """An exception's message without what changes from one case to the next."""
    message = re.sub(
        r"characters? ('\\u[0-9a-f]{4}' )?in position \d+(-\d+)?", "a lone surrogate", message
    )
    return message[:160]


REPO = Path(__file__).resolve().parents[2]


def _where(exc: BaseException) -> str:
    """Where it was raised: the project's deepest frame, and the library frame under it."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [
        f
        for f in frames
        if "/.venv/" not in f.filename
        and "/tests/" not in f.filename
        and f.filename.startswith(str(REPO))
    ]
    parts = []
    if ours:
        f = ours[-1]
        parts.append(f"{Path(f.filename).relative_to(REPO)}:{f.lineno} {f.name}")
    if frames and (not ours or frames[-1] is not ours[-1]):
        last = frames[-1]
        parts.append(f"raised in {last.filename.split('/site-packages/')[-1]}:{last.lineno}")
    return ", ".join(parts)


async def next_output(ws: WebsocketCommunicator, timeout: float) -> dict:
    """The socket's next output, or the consumer's exception as soon as it dies (the
    communicator's own receive_output would wait out its timeout first)."""
    if not ws.output_queue.empty():
        return ws.output_queue.get_nowait()
    if ws.future.done():
        ws.future.result()  # raises what killed it
        raise ConnectionResetError("the consumer returned without closing")
    get = asyncio.ensure_future(ws.output_queue.get())
    done, _ = await asyncio.wait(
        {get, ws.future}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if get in done:
        return get.result()
    get.cancel()
    if ws.future.done():
        if not ws.output_queue.empty():
            return ws.output_queue.get_nowait()
        ws.future.result()
        raise ConnectionResetError("the consumer returned without closing")
    raise TimeoutError


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


# --- sockets ---------------------------------------------------------------------------------


def died(socket: Socket, exc: BaseException) -> bool:
    """Whether `exc` is the consumer's (it stopped, or stopped answering), not the test's."""
    return isinstance(exc, TimeoutError | ConnectionResetError) or socket.ws.future.done()


class Socket:
    """One role's websocket; reconnected if it dies."""

    def __init__(self, role: str, run: Run, view: str, cookie: bytes):
        self.role, self.run, self.view, self.cookie = role, run, view, cookie
        self.ws: WebsocketCommunicator | None = None
        self.dead = False
        self.received = Counter()

    async def open(self) -> str:
        # As a browser on the site's own page sends them: its host, its origin, its cookie.
        headers = [(b"host", b"testserver"), (b"origin", ORIGIN), (b"cookie", self.cookie)]
        self.ws = WebsocketCommunicator(
            application, f"/ws/runs/{self.run.code}/?view={self.view}", headers=headers
        )
        connected, _ = await self.ws.connect(timeout=REPLY_TIMEOUT)
        assert connected, self.role
        first = await self.ws.receive_output(timeout=REPLY_TIMEOUT)
        if first["type"] == "websocket.close":
            self.dead = True
            return f"closed {first.get('code')} on connect"
        assert (parse_meta(first["text"]) or {}).get("t") == "snapshot", first
        return ""

    async def send(self, frame: Frame) -> None:
        if frame.kind == "bytes":
            await self.ws.send_to(bytes_data=frame.data)
        elif frame.kind == "empty":
            await self.ws.send_input({"type": "websocket.receive", "text": ""})
        else:
            await self.ws.send_to(text_data=frame.data)


# --- the fuzz ----------------------------------------------------------------------------------


class Fuzz:
    def __init__(self, world: dict, sockets: dict[str, Socket], caplog):
        self.world = world
        self.sockets = sockets
        self.caplog = caplog
        self.log_seen = 0
        self.pools = Pools(
            slide_count=world["slide_count"],
            victims=world["victims"],
            waiting_victims=world["waiting_victims"],
            ours=world["ours"],
        )
        self.generator = Generator(SEED, self.pools, self.guard)
        self.findings = Findings()
        self.sent = 0
        self.barriers = 0
        self.actions_by_role: dict[str, set[str]] = {role: set() for role in sockets}
        self.outcomes = Counter()
        self.phase_a = True

    def guard(self, payload: dict) -> tuple[dict, bool]:
        """Keep the team from removing or turning away a socket of ours (a 4410 close by
        design), and, while the waiting fuzzer fuzzes, from admitting it."""
        action = payload.get("action")
        if not isinstance(action, str):
            return payload, False
        protected = set(self.world["ours"]) if action in DESTRUCTIVE else set()
        if action == "participant.admit" and self.phase_a:
            protected = {self.world["waiting"]}
        if protected and "participant" in payload:
            try:
                target = actions.positive_int(payload["participant"])
            except (TypeError, ValueError):
                return payload, False
            if target in protected:
                return payload | {"participant": self.world["victims"][0]}, True
        return payload, False

    def batch(self, role: str, size: int) -> list[Frame]:
        frames = []
        for _ in range(size):
            frame = self.generator.message(role, self.phase_a)
            frames.append(frame)
            if role == "facilitator" and frame.action == "'run.end'":
                # Keep the run live for most of the fuzz: an ended run refuses nearly everything.
                frames.append(Frame("text", '{"action":"run.reopen"}', "'run.reopen'", "valid"))
        return frames

    def new_logs(self, socket: Socket, frame: Frame | None) -> None:
        """Records logged since the last look, pinned on the message just answered."""
        records = self.caplog.records
        for record in records[self.log_seen :]:
            if record.levelno >= logging.ERROR or record.exc_info:
                outcome = f"{record.levelname} on {record.name}: {_normalise(record.getMessage())}"
                exc = record.exc_info[1] if record.exc_info else None
                if exc is not None:
                    outcome += f" [{type(exc).__name__}: {_normalise(str(exc))}; {_where(exc)}]"
                self.findings.add("log", socket.role, frame, outcome)
        self.log_seen = len(records)

    def check_output(self, socket: Socket, output: dict, frame: Frame | None) -> dict | None:
        """One thing the socket sent: no close, and a frame daphne can send and the page can
        read. Returns its metadata."""
        if output["type"] == "websocket.close":
            self.findings.add("close", socket.role, frame, f"closed with {output.get('code')}")
            return None
        text = output.get("text")
        if text is None:
            self.findings.add("reply", socket.role, frame, "a binary frame was sent back")
            return None
        meta = parse_meta(text) or {}
        what = f"{meta.get('t')}:{meta['code']}" if "code" in meta else str(meta.get("t"))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            self.findings.add(
                "reply",
                socket.role,
                frame,
                f"the {what} frame sent back holds a lone surrogate "
                f"({_normalise(str(exc))}): under daphne, framing it raises in "
                "the consumer, so the socket closes with 1011",
            )
        if text.startswith("<!--ev "):
            try:
                strict_json(text[7 : text.index("-->")])
            except ValueError as exc:
                self.findings.add(
                    "reply",
                    socket.role,
                    frame,
                    f"the {what} frame's metadata is not JSON ({exc}): the page's "
                    "JSON.parse fails, so live.js reads the frame as having no metadata",
                )
        return meta

    def crashed(self, socket: Socket, frame: Frame | None, exc: BaseException) -> None:
        if isinstance(exc, TimeoutError):
            outcome = f"no reply within {REPLY_TIMEOUT}s (the socket was given up)"
        else:
            outcome = (
                f"the consumer raised {type(exc).__name__}: {_normalise(str(exc))} "
                f"[{_where(exc)}]: under daphne, close 1011"
            )
        self.findings.add("crash", socket.role, frame, outcome)

    async def reopen(self, socket: Socket, frame: Frame | None) -> None:
        refused = await socket.open()
        if refused:
            self.findings.add("close", socket.role, frame, f"reconnecting: {refused}")

    async def drain(self, socket: Socket, settle: bool = False) -> None:
        """Read what is waiting (pushes); with `settle`, until the answer to a barrier sent
        now. A socket's messages are handled in turn, and an action's pushes are sent before
        it is done: by then the socket has all that its own connection, and every action
        already answered on any socket, sent it."""
        if socket.dead:
            return
        barrier = None
        if settle:
            self.barriers += 1
            barrier = f"~settled-{self.barriers}"
            await socket.ws.send_to(text_data=json.dumps({"action": barrier}))
        try:
            while barrier is not None or not await socket.ws.receive_nothing(timeout=0):
                output = await next_output(socket.ws, REPLY_TIMEOUT)
                meta = self.check_output(socket, output, None)
                if meta is None:
                    await self.reopen(socket, None)
                    return
                if barrier is not None and meta.get("message") == f"Unknown action '{barrier}'.":
                    barrier = None
                    continue
                socket.received[meta.get("t", "?")] += 1
        except Exception as exc:
            if not died(socket, exc):
                raise
            self.crashed(socket, None, exc)
            await self.reopen(socket, None)
        self.new_logs(socket, None)

    async def run_batch(self, socket: Socket, frames: list[Frame]) -> None:
        """Send each frame with a barrier after it, all at once; then read in order. What
        comes between two barriers' answers is the answer to the frame between them."""
        pending = list(frames)
        while pending and not socket.dead:
            first = self.barriers
            self.barriers += len(pending)
            n, replies = 0, 0
            try:
                for k, frame in enumerate(pending):
                    await socket.send(frame)
                    barrier = json.dumps({"action": f"~barrier-{first + k}"})
                    await socket.ws.send_to(text_data=barrier)
                while n < len(pending):
                    output = await next_output(socket.ws, REPLY_TIMEOUT)
                    meta = self.check_output(socket, output, pending[n])
                    if meta is None:
                        raise ConnectionAbortedError  # closed, or a binary frame: reported
                    if meta.get("message") == f"Unknown action '~barrier-{first + n}'.":
                        self.finished(socket, pending[n], replies)
                        n, replies = n + 1, 0
                        continue
                    replies += 1
                    kind = meta.get("t", "?")
                    self.outcomes[f"error:{meta.get('code')}" if kind == "error" else kind] += 1
                pending = []
            except Exception as exc:
                if not (isinstance(exc, ConnectionAbortedError) or died(socket, exc)):
                    raise  # the test's own mistake, not the consumer's
                if not isinstance(exc, ConnectionAbortedError):
                    self.crashed(socket, pending[n], exc)
                self.finished(socket, pending[n], replies)
                await self.reopen(socket, pending[n])
                pending = pending[n + 1 :]  # the rest of the batch, on the new socket

    def finished(self, socket: Socket, frame: Frame, replies: int) -> None:
        self.sent += 1
        if frame.kind == "text":
            decoded = _decoded(frame)
            if isinstance(decoded, dict) and isinstance(decoded.get("action"), str):
                self.actions_by_role[socket.role].add(decoded["action"])
        if not replies:
            self.outcomes["nothing"] += 1
        self.new_logs(socket, frame)

    async def refresh(self) -> None:
        await db(self.pools.refresh)(self.world["run"], self.world["other"])


# Messages per role per round. The waiting fuzzer fuzzes only in phase A (see PHASE_A).
BATCHES = {
    "facilitator": 7,
    "host": 6,
    "presenter": 6,
    "screen": 10,
    "participant": 17,
    "waiting": 12,
}


# --- setting the room up ---------------------------------------------------------------------


def cookie_of(client: Client) -> bytes:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def team_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return cookie_of(client)


def joined(run: Run, name: str) -> tuple[bytes, int]:
    """Someone who joined, and their browser's cookie (as the join page leaves it: a signed
    cookie names the participant for the run; the join form itself is not under test)."""
    person = participants.participant_join(run=run, display_name=name)
    response = HttpResponse()
    sessionkeys.remember(response, run.pk, person.pk)
    morsel = response.cookies[sessionkeys.cookie_name(run.pk)]
    return f"{morsel.key}={morsel.value}".encode(), person.pk


def set_up(live: Run, people: list[Participant], actors: dict, users: dict, deck) -> dict:
    """The live run with people in the room and the waiting room, chat, questions and
    responses to point at, and another live run whose ids are not this one's."""
    boss = actors["fran"]
    fuzzer_cookie, fuzzer = joined(live, "Fuzzer")
    bystander_cookie, bystander = joined(live, "Bystander")
    victims = list(people)
    victims += [participants.participant_join(run=live, display_name=f"Victim {n}") for n in (4, 5)]
    for person in victims[:3]:
        actor = actor_for_participant(person)
        chat.chat_send(run=live, actor=actor, text=f"Kia ora from {person.number}")
        questions.question_ask(run=live, actor=actor, text=f"Question {person.number}?")
    prompt = live.interactions.filter(kind=Kind.PROMPT, state=State.OPEN).first()
    assert prompt is not None, "the first slide's prompt is open once the run starts"
    for person in victims:
        answers.answer_write(
            run=live, actor=actor_for_participant(person), interaction=prompt.pk, text="Kia ora"
        )
    chat.chat_send(run=live, actor=boss, text="Welcome, everyone")
    runs.run_update(run=live, actor=boss, waiting_room=True)
    waiting_cookie, waiting = joined(live, "Waiting fuzzer")
    waiting_victims = [
        participants.participant_join(run=live, display_name=f"Waiting {n}").pk for n in (1, 2, 3)
    ]

    other = runs.run_create(
        deck=deck,
        facilitator=users["outsider"],
        title="Another run",
        scheduled_at=live.scheduled_at,
    )
    outsider = actor_for_user(other, users["outsider"])
    runs.run_update(run=other, actor=outsider, waiting_room=False)
    runs.run_start(run=other, actor=outsider)
    other_people = [participants.participant_join(run=other, display_name=n) for n in ("O1", "O2")]
    other_prompt = other.interactions.get(kind=Kind.PROMPT, state=State.OPEN)
    for person in other_people:
        actor = actor_for_participant(person)
        chat.chat_send(run=other, actor=actor, text="Hello other room")
        questions.question_ask(run=other, actor=actor, text="Elsewhere?")
        answers.answer_write(run=other, actor=actor, interaction=other_prompt.pk, text="hi")

    return {
        "run": Run.objects.get(pk=live.pk),
        "other": Run.objects.get(pk=other.pk),
        "slide_count": live.slide_count,
        "victims": [p.pk for p in victims],
        "waiting_victims": waiting_victims,
        "fuzzer": fuzzer,
        "waiting": waiting,
        "bystander": bystander,
        "ours": [fuzzer, waiting, bystander],
        "cookies": {
            "fran": team_cookie(users["fran"]),
            "hana": team_cookie(users["hana"]),
            "pita": team_cookie(users["pita"]),
            "participant": fuzzer_cookie,
            "waiting": waiting_cookie,
            "bystander": bystander_cookie,
        },
    }


# --- what is stored afterwards ---------------------------------------------------------------


def stored_text_problems() -> list[tuple[str, str, str, str]]:
    """(model.field, problem, who wrote it, example) for every bad string stored."""
    found = []

    def problems(value: str) -> list[str]:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return ["not UTF-8 (lone surrogate)"]
        out = []
        if unicodedata.normalize("NFC", value) != value:
            out.append("not NFC")
        bidi = sorted({f"U+{ord(ch):04X}" for ch in value if ch in BIDI})
        if bidi:
            out.append("bidi control " + " ".join(bidi))
        return out

    for label_ in ("runs", "quiz"):
        for model in apps.get_app_config(label_).get_models():
            texts = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField))
            ]
            blobs = [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
            who = [
                n
                for n in ("participant_id", "author_id", "summary_by_id", "summary_by_user_id")
                if n in {f.attname for f in model._meta.concrete_fields}
            ]
            names = [f.attname for f in texts + blobs]
            for row in model.objects.values(*names, *who):
                author = ", ".join(f"{n}={row[n]}" for n in who if row[n] is not None) or "-"
                for f in texts:
                    value = row[f.attname]
                    for problem in problems(value) if isinstance(value, str) else ():
                        found.append(
                            (f"{model.__name__}.{f.name}", problem, author, ascii(value)[:120])
                        )
                for f in blobs:
                    for value in strings_in(row[f.attname]):
                        for problem in problems(value):
                            found.append(
                                (
                                    f"{model.__name__}.{f.name} (JSON string)",
                                    problem,
                                    author,
                                    ascii(value)[:120],
                                )
                            )
    return found


# --- the test ------------------------------------------------------------------------------------


async def test_websocket_fuzz(live, people, actors, users, deck, monkeypatch, caplog):
    # Pushes flush as each transaction commits (conftest's _pushes_at_once): a coalescing
    # delay would flush from another thread, which the tests' in-memory SQLite answers with
    # "database table is locked" rather than waiting.
    # The per-socket token bucket would refuse nearly every message: let them all through.
    monkeypatch.setattr(consumers.RunConsumer, "burst", 10**9)
    monkeypatch.setattr(consumers.RunConsumer, "refill", 1e9)
    # Every logger at DEBUG, and every record reaches caplog, even from a logger that
    # doesn't pass its records up to the root.
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        if logger.level != logging.NOTSET:
            caplog.set_level(logging.DEBUG, logger=logger.name)
    apart = [logger for logger in loggers if not logger.propagate]
    for logger in apart:
        logger.addHandler(caplog.handler)
    # Django logs every template variable it can't resolve at DEBUG, with a traceback, by
    # design (the template shows nothing there): not a failure, and formatting each one (with
    # the whole context) would take most of the test's time. Counted, not kept.
    template_misses = Counter()

    def template_miss(record: logging.LogRecord) -> bool:
        if record.levelno == logging.DEBUG and record.getMessage().startswith(
            "Exception while resolving variable"
        ):
            template_misses[record.args[0] if record.args else "?"] += 1
            return False
        return True

    template_logger = logging.getLogger("django.template")
    template_logger.addFilter(template_miss)
    try:
        await fuzz_the_room(live, people, actors, users, deck, caplog, template_misses)
    finally:
        template_logger.removeFilter(template_miss)
        for logger in apart:
            logger.removeHandler(caplog.handler)


async def fuzz_the_room(live, people, actors, users, deck, caplog, template_misses) -> None:
    started = time.monotonic()

    world = await db(set_up)(live, people, actors, users, deck)
    run, cookies = world["run"], world["cookies"]
    sockets = {
        "facilitator": Socket("facilitator", run, "console", cookies["fran"]),
        "host": Socket("host", run, "host", cookies["hana"]),
        "presenter": Socket("presenter", run, "present", cookies["pita"]),
        "screen": Socket("screen", run, "screen", cookies["fran"]),
        "participant": Socket("participant", run, "participant", cookies["participant"]),
        "waiting": Socket("waiting", run, "participant", cookies["waiting"]),
    }
    bystander = Socket("bystander", run, "participant", cookies["bystander"])
    for socket in (*sockets.values(), bystander):
        assert not await socket.open(), socket.role
    fuzz = Fuzz(world, sockets, caplog)
    everyone = [*sockets.values(), bystander]
    # Roster pushes as the team connected. A team socket's connection pushes after its
    # snapshot: once every socket has answered a barrier, all of them have; then read them.
    for _ in range(2):
        for socket in everyone:
            await fuzz.drain(socket, settle=True)

    while fuzz.sent < MESSAGES:
        fuzz.phase_a = fuzz.sent < MESSAGES * PHASE_A
        await fuzz.refresh()
        for role, socket in sockets.items():
            if role == "waiting" and not fuzz.phase_a:
                continue  # admitted from here on (participant.admit_all): it only listens
            await fuzz.drain(socket)
            await fuzz.run_batch(socket, fuzz.batch(role, BATCHES[role]))
        for socket in (*sockets.values(), bystander):
            await fuzz.drain(socket)
    fuzzed = time.monotonic() - started

    # (3) someone who sent nothing still hears the room: the facilitator moves the slides on.
    for socket in everyone:
        await fuzz.drain(socket, settle=True)
    pushed_before = sum(bystander.received.values())
    facilitator = sockets["facilitator"]
    for text in (
        '{"action":"run.reopen"}',
        '{"action":"slide.goto","number":1}',
        '{"action":"slide.next"}',
    ):
        await fuzz.run_batch(facilitator, [Frame("text", text, "(final)", "valid")])
    heard = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not {"slide.changed", "segment.changed"} & set(heard):
        try:
            output = await next_output(bystander.ws, max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        except Exception as exc:
            if not died(bystander, exc):
                raise
            fuzz.crashed(bystander, None, exc)
            break
        heard.append((fuzz.check_output(bystander, output, None) or {}).get("t"))
    for socket in everyone:
        await fuzz.drain(socket, settle=True)
    bad_text = await db(stored_text_problems)()
    for socket in everyone:
        if not socket.dead:
            await socket.ws.disconnect(timeout=REPLY_TIMEOUT)

    # The stream is what it is meant to be (deterministic from SEED).
    assert fuzz.sent >= MESSAGES
    for role, sent in fuzz.actions_by_role.items():
        if role != "waiting":
            assert sent >= EVERY_ACTION, (role, EVERY_ACTION - sent)
    assert EVERY_ACTION - {"participant.admit_all"} <= fuzz.actions_by_role["waiting"]

    problems = []
    if fuzz.findings.items:
        problems.append(
            "Sockets (closes, crashes, unsendable replies, logged errors):\n"
            + fuzz.findings.report()
        )
    if not ("slide.changed" in heard or "segment.changed" in heard):
        problems.append(
            f"The bystander heard no slide change at the end (heard {heard}; "
            f"{pushed_before} pushes during the fuzz)."
        )
    if bad_text:
        grouped: dict[tuple[str, str], list] = {}
        for where, problem, author, example in bad_text:
            grouped.setdefault((where, problem.split(" U+")[0]), []).append(
                (problem, author, example)
            )
        lines = []
        for (where, kind), rows in sorted(grouped.items()):
            codes = sorted({c for p, _, _ in rows for c in re.findall(r"U\+[0-9A-F]{4}", p)})
            authors = sorted({a for _, a, _ in rows})
            lines.append(
                f"{where}: {kind}{' ' + ' '.join(codes) if codes else ''} "
                f"({len(rows)} values; by {', '.join(authors[:6])}) e.g. {rows[0][2]}"
            )
        problems.append(
            "Stored text that is not clean (UTF-8, NFC, no bidi controls):\n" + "\n".join(lines)
        )
    summary = (
        f"{fuzz.sent} messages (+{fuzz.barriers} barriers) in {fuzzed:.1f}s; "
        f"replies {dict(fuzz.outcomes.most_common(14))}; "
        f"{sum(template_misses.values())} template variables not found (DEBUG, ignored)"
    )
    print(summary)
    assert not problems, summary + "\n\n" + "\n\n".join(problems)
