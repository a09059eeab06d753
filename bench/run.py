"""`make bench`: a room of N simulated participants against the app as users run it, and the
same fan-out from a bare websocket server (the floor), on this machine.

    python -m bench.run --n 1000 --scenario all --config embedded [--repeat 3]

Every participant is a real websocket client that joined through the join page (see
bench/simulate.py). Only ever targets 127.0.0.1. Writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import html
import json
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.servers import (  # noqa: E402
    Server,
    SupervisedServer,
    app_env,
    create_run,
    free_port,
    prepare,
)

RESULTS = REPO / "bench" / "results"
STAFF = ("bench-facilitator", "bench-password-123")
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
ADVANCES = 20
RATE = 2.0  # advances per second
QUIZ_SLIDE = 23  # a question the fan-out (slides 2-22) has not passed
SCENARIOS = ("join", "fanout", "floor", "quiz", "words", "rating", "chat", "reconnect", "slow")
# A word cloud's answers: a few words each from a shared vocabulary, macrons and case mixed
# ("Whānau" and "whānau" count together, "whanau" apart), so the counts test the counting.
VOCABULARY = (
    "whānau", "Whānau", "whanau", "trust", "Trust", "privacy", "mana", "consent", "purpose",
    "respect", "safety", "tika", "pono", "aroha", "care", "choice", "access", "value",
    "kaitiakitanga", "openness",
)  # fmt: skip
RATING_STATEMENTS = ("I know where to find DPUP", "I could explain it", "I will use it")

try:  # the load generator on libuv, as the server is: it shares the machine's two cores
    import uvloop

    LOOP = uvloop.new_event_loop
except ImportError:  # pragma: no cover
    LOOP = None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- the app under test -------------------------------------------------------------------------


class App:
    """The app started the way users run it: one daphne (embedded), or two under the shipped
    supervisord config on PostgreSQL and Redis (redis)."""

    def __init__(self, config: str, folder: Path):
        self.config = config
        self.folder = folder
        self.database = None
        extra = {"JOIN_ROOM_RATE_LIMIT": "1000000", "LOG_LEVEL": "WARNING", "DJANGO_DEBUG": "false"}
        if config == "redis":
            import psycopg

            self.database = f"dpup_bench_{secrets.token_hex(4)}"
            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
            extra |= {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
                "REDIS_URL": REDIS,
                "REDIS_PREFIX": f"bench-{self.database}",
            }
        else:
            extra["SQLITE_PATH"] = str(folder / "bench.sqlite3")
        self.env = app_env(**extra)
        prepare(self.env, STAFF)
        if config == "redis":  # the shipped scale-out: two daphne processes under supervisord
            self.servers = [SupervisedServer(self.env, log=folder / "supervisord.log", count=2)]
        else:  # what `make run` serves: one daphne process
            self.servers = [Server(self.env, log=folder / "daphne.log")]
        for server in self.servers:
            server.start(timeout=60)
        self.sqlite_path = extra.get("SQLITE_PATH")

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def new_run(self) -> str:
        return create_run(self.env, STAFF[0], "--no-waiting-room", "--title", "Benchmark")

    def count(self, sql: str, *params) -> int:
        """A count straight from the run's database (its own connection: every run of the
        benchmark has a database of its own)."""
        if self.sqlite_path:
            import sqlite3

            with contextlib.closing(sqlite3.connect(self.sqlite_path)) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchone()[0]
        import psycopg

        dsn = f"postgresql://postgres@127.0.0.1:5432/{self.database}"
        with psycopg.connect(dsn) as conn:
            return conn.execute(sql, params).fetchone()[0]

    def rows(self, sql: str, *params) -> list[tuple]:
        """Rows straight from the run's database, as `count` reads one."""
        if self.sqlite_path:
            import sqlite3

            with contextlib.closing(sqlite3.connect(self.sqlite_path)) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        dsn = f"postgresql://postgres@127.0.0.1:5432/{self.database}"
        with psycopg.connect(dsn) as conn:
            return conn.execute(sql, params).fetchall()

    def usage(self) -> dict:
        parts = [server.usage() for server in self.servers]
        return {
            "cpu_s": sum(p.get("cpu_s", 0) for p in parts),
            "rss_mb": sum(p.get("rss_mb", 0) for p in parts),
            "peak_rss_mb": sum(p.get("peak_rss_mb", 0) for p in parts),
        }

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        if self.database:
            import psycopg

            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def stored_answers(app: App, interaction_id: int) -> int:
    return app.count("SELECT count(*) FROM runs_response WHERE interaction_id = %s", interaction_id)


def stored_chat(app: App, code: str) -> int:
    return app.count(
        "SELECT count(*) FROM runs_chatmessage c JOIN runs_run r ON r.id = c.run_id "
        "WHERE r.code = %s AND c.participant_id IS NOT NULL",
        code,
    )


# --- scenarios --------------------------------------------------------------------------------


async def join_storm(app: App, code: str, n: int) -> tuple[list, dict]:
    """N participants join at once, through the join page, and open their sockets."""
    from bench.simulate import join

    urls = app.urls
    started = time.perf_counter()

    async def one(i: int):
        socket = await join(urls[i % len(urls)], code, f"Sim {i}" if i % 2 else "")
        await socket.connect(attempts=5)
        ok = await socket.wait_for(lambda o: o.snapshots >= 1, timeout=60)
        if not ok:
            raise RuntimeError("no snapshot")
        return socket

    results = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    sockets = [r for r in results if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        print(f"  join errors: {len(errors)}, e.g. {errors[0]!r}", file=sys.stderr)
    return sockets, {"join_s": round(elapsed, 2), "join_errors": len(errors)}


async def advance(staff, people, *, advances: int = ADVANCES, rate: float = RATE) -> dict:
    """The presenter moves on `advances` times at `rate` a second; every phone must follow."""
    start_slide = 2
    await staff.send(action="slide.goto", number=start_slide)
    await asyncio.gather(*(p.wait_for(lambda o: o.slide == start_slide, 20) for p in people))
    for person in people:
        person.observer.slide_arrived.clear()
    gaps_before = sum(p.observer.gaps for p in people)
    sent = {}
    for step in range(1, advances + 1):
        slide = start_slide + step
        sent[slide] = time.perf_counter()
        await staff.send(action="slide.next")
        await asyncio.sleep(1 / rate)
    final = start_slide + advances
    await asyncio.gather(*(p.wait_for(lambda o: o.slide == final, 30) for p in people))
    latencies, per_step = [], {slide: [] for slide in sent}
    missing = 0
    for person in people:
        for slide, at in sent.items():
            arrived = person.observer.slide_arrived.get(slide)
            if arrived is None:
                missing += 1
                continue
            latencies.append(arrived - at)
            per_step[slide].append(arrived - at)
    medians = [statistics.median(v) for v in per_step.values() if v]
    head, tail = medians[:5], medians[-5:]
    firsts = [min(v) for v in per_step.values() if v]
    spreads = [max(v) - min(v) for v in per_step.values() if v]
    return {
        "first_ms": ms(statistics.median(firsts)) if firsts else None,
        "spread_ms": ms(statistics.median(spreads)) if spreads else None,
        "latencies": latencies,
        "gaps": sum(p.observer.gaps for p in people) - gaps_before,
        "missing": missing,
        "backlog_growth": round(statistics.median(tail) / statistics.median(head), 2)
        if head and tail and statistics.median(head) > 0
        else None,
    }


async def floor(n: int, payload_bytes: int, *, advances: int = ADVANCES, rate: float = RATE):
    """The same fan-out from a bare websockets server to N clients."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.floor", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        process.stdout.readline()  # "ready"
        from bench.simulate import _open_websocket

        received: dict[int, list[float]] = {}

        def heard(message: str) -> None:
            received.setdefault(int(message[:8]), []).append(time.perf_counter())

        # The same client code as the app's simulated participants: the same cost per message.
        clients = await asyncio.gather(
            *(_open_websocket(f"ws://127.0.0.1:{port}/", {}, heard, 60) for _ in range(n))
        )
        padding = "x" * max(0, payload_bytes - 8)
        control = await _open_websocket(f"ws://127.0.0.1:{port}/control", {}, heard, 60)
        sent = {}
        for step in range(1, advances + 1):
            sent[step] = time.perf_counter()
            control.send_text(f"{step:08d}{padding}")
            await asyncio.sleep(1 / rate)
        deadline = time.monotonic() + 60
        while len(received.get(advances, ())) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        control.close()
        for client in clients:
            client.close()
        return [t - sent[step] for step, times in received.items() for t in times]
    finally:
        process.terminate()
        process.wait()


async def quiz_storm(app: App, staff, people) -> dict:
    """Everyone answers the open quiz question at once."""
    from bench.simulate import open_choices

    await staff.send(action="slide.goto", number=QUIZ_SLIDE)
    await asyncio.gather(*(p.wait_for(lambda o: o.slide == QUIZ_SLIDE, 20) for p in people))
    opened = open_choices(people[0].observer.last_text)
    if not opened:
        await asyncio.gather(*(p.wait_for(lambda o: open_choices(o.last_text), 10) for p in people))
        opened = open_choices(people[0].observer.last_text)
    if not opened:
        raise RuntimeError(
            "no quiz question opened on its slide: " + people[0].observer.last_text[:3000]
        )
    interaction, options = next(iter(opened.items()))
    chosen = [random.choice(options) for _ in people]
    expected = [chosen.count(option) for option in options]
    for person in people:
        person.observer.acks.clear()
    staff_before = len(staff.observer.events)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            p.send(action="answer.choose", interaction=interaction, choice=c)
            for p, c in zip(people, chosen, strict=True)
        )  # fmt: skip
    )
    await asyncio.gather(*(p.wait_for(lambda o: o.acks, 30) for p in people))
    acks = [p.observer.acks[0][0] - started for p in people if p.observer.acks]
    all_acked = max(acks) if len(acks) == len(people) else float("nan")
    await asyncio.sleep(1.0)  # let the coalesced tally land
    window = (max(acks) if acks else 0) + 1.0
    updates = [
        meta for at, meta in staff.observer.events[staff_before:]
        if meta.get("t") == "activity.changed" and at - started <= window
    ]  # fmt: skip
    text = staff.observer.last_text
    card = text[text.find(f'id="staff-card-{interaction}"') :]
    answered = re.search(rf'id="answered-{interaction}">(\d+)<', card)
    bars = [int(x) for x in re.findall(r'<span class="chart-value"><strong>(\d+)</strong>', card)][
        : len(options)
    ]
    stored = await asyncio.to_thread(stored_answers, app, interaction)
    return {
        "quiz_ack_p50_ms": ms(pct(acks, 50)),
        "quiz_ack_p99_ms": ms(pct(acks, 99)),
        "quiz_all_acked_s": round(all_acked, 3),
        "quiz_stored": stored,
        "quiz_tally_ok": bool(
            stored == len(people)
            and answered
            and int(answered.group(1)) == len(people)
            and bars == expected
        ),
        "tally_updates_per_s": round(len(updates) / window, 1),
        "_interaction": interaction,
        "_chosen": dict(zip((id(p) for p in people), chosen, strict=True)),
    }


def stored_column(app: App, interaction_id: int, column: str) -> list:
    """Every stored response's `column` (a JSON list) of one interaction."""
    rows = app.rows(
        f"SELECT {column} FROM runs_response WHERE interaction_id = %s",  # noqa: S608
        interaction_id,
    )
    return [json.loads(value) if isinstance(value, str) else value for (value,) in rows]


def word_key(word: str) -> str:
    """As the app counts words (sessions.domain.wordcount): NFC, case-folded, macrons kept."""
    import unicodedata

    return unicodedata.normalize("NFC", word).casefold()


async def answer_storm(app: App, staff, screen, people, kind: str) -> dict:
    """Everyone answers an ad-hoc word cloud or rating scale at once, its results on the
    screen and the phones: every answer acknowledged, the stored counts exactly what was
    sent, and the screen's pushes coalesced."""
    form = "words-form-(\\d+)" if kind == "words" else 'data-rating="(\\d+)"'
    seen_ids = {int(i) for i in re.findall(form, people[0].observer.last_text)}
    fields = {"options": list(RATING_STATEMENTS)} if kind == "rating" else {"max_words": 3}
    await staff.send(
        action="interaction.create", kind=kind, text=f"Bench {kind}", token=secrets.token_hex(8),
        **fields,
    )  # fmt: skip

    def opened(o) -> bool:
        return bool({int(i) for i in re.findall(form, o.last_text)} - seen_ids)

    if not await people[0].wait_for(opened, 20):
        raise RuntimeError(f"no {kind} opened: " + people[0].observer.last_text[:3000])
    (interaction,) = {int(i) for i in re.findall(form, people[0].observer.last_text)} - seen_ids
    await staff.send(action="interaction.results", interaction=interaction, visible=True)
    await asyncio.gather(*(p.wait_for(opened, 20) for p in people))
    await asyncio.sleep(1.0)  # the opening's pushes have landed
    if kind == "words":
        sent = [random.sample(VOCABULARY, 3) for _ in people]
        messages = [{"words": words} for words in sent]
    else:
        sent = [(i % len(RATING_STATEMENTS), random.randint(1, 5)) for i in range(len(people))]
        messages = [{"statement": s, "rating": r} for s, r in sent]
    action = "answer.words" if kind == "words" else "answer.rate"
    for person in people:
        person.observer.acks.clear()
    screen_before = len(screen.observer.events)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            p.send(action=action, interaction=interaction, **message)
            for p, message in zip(people, messages, strict=True)
        )  # fmt: skip
    )
    await asyncio.gather(*(p.wait_for(lambda o: o.acks, 30) for p in people))
    acks = [p.observer.acks[0][0] - started for p in people if p.observer.acks]
    all_acked = max(acks) if len(acks) == len(people) else float("nan")
    await asyncio.sleep(1.0)  # the coalesced pushes land
    window = (max(acks) if acks else 0) + 1.0
    pushes = [
        meta for at, meta in screen.observer.events[screen_before:]
        if isinstance(meta.get("v"), int) and at - started <= window
    ]  # fmt: skip
    if kind == "words":
        expected = Counter(key for words in sent for key in {word_key(w) for w in words})
        column = await asyncio.to_thread(stored_column, app, interaction, "words")
        stored = Counter(word_key(w) for words in column for w in words)
    else:
        expected = Counter(sent)
        column = await asyncio.to_thread(stored_column, app, interaction, "choices")
        stored = Counter(
            (index, rating) for ratings in column for index, rating in enumerate(ratings)
            if rating is not None
        )  # fmt: skip
    errors = sum(1 for p in people for e in p.observer.errors if e.get("action") == action)
    return {
        f"{kind}_ack_p50_ms": ms(pct(acks, 50)),
        f"{kind}_ack_p99_ms": ms(pct(acks, 99)),
        f"{kind}_all_acked_s": round(all_acked, 3),
        f"{kind}_errors": errors,
        f"{kind}_stored": len(column),
        f"{kind}_counts_ok": bool(len(column) == len(people) and stored == expected),
        f"{kind}_screen_pushes_per_s": round(len(pushes) / window, 1),
    }


async def chat_burst(app: App, code: str, staff, people) -> dict:
    """A tenth of the room (up to 100) sends a chat line at once."""
    senders = people[: max(5, min(100, len(people) // 10))]
    before = await asyncio.to_thread(stored_chat, app, code)
    logs = []
    staff.on_message = lambda socket, text, meta: (
        logs.append(text) if 'id="chat-log"' in text else None
    )
    lines = [f"Kia ora from {i}<" for i in range(len(senders))]
    started = time.perf_counter()
    await asyncio.gather(*(p.send(action="chat.send", text=f"Kia ora from {i}")
                           for i, p in enumerate(senders)))  # fmt: skip
    ok = await staff.wait_for(
        lambda o: bool(logs) and all(line in logs[-1] for line in lines), timeout=30
    )
    staff.on_message = None
    delivered = time.perf_counter() - started
    stored = await asyncio.to_thread(stored_chat, app, code) - before
    errors = sum(1 for p in senders for e in p.observer.errors if e.get("action") == "chat.send")
    return {
        "chat_sent": len(senders),
        "chat_stored": stored,
        "chat_errors": errors,
        "chat_delivered_s": round(delivered, 3) if ok else None,
    }


async def reconnect_storm(app: App, people, quiz: dict | None) -> dict:
    """Kill the server(s) as if they crashed and start again: everyone must resync unaided."""
    counts = {id(p): p.observer.snapshots for p in people}
    started = time.perf_counter()
    for server in app.servers:
        server.stop(kill=True)
    for server in app.servers:
        await asyncio.to_thread(server.start)

    def resynced_after(count: int):
        return lambda observer: observer.snapshots > count

    ok = await asyncio.gather(
        *(p.wait_for(resynced_after(counts[id(p)]), timeout=60) for p in people)
    )
    resynced = [
        p.observer.last_snapshot_at - started
        for p in people
        if p.observer.snapshots > counts[id(p)]
    ]
    identity = None
    if quiz is not None:
        interaction = quiz["_interaction"]
        kept = 0
        answered = [p for p in people if id(p) in quiz["_chosen"]]
        for person in answered:
            choice = quiz["_chosen"][id(person)]
            text = person.observer.snapshot_text
            # The last #my-state is the personal one (the page's empty placeholder comes first).
            mine = re.findall(r'id="my-state"[^>]*data-state="([^"]*)"', text)
            state = json.loads(html.unescape(mine[-1])) if mine else {}
            answer = state.get("answers", {}).get(str(interaction), {})
            kept += answer.get("choices") == [choice]
        identity = kept == len(answered)
        if not identity:
            print(f"  identity kept for {kept} of {len(answered)}; e.g. {text[:300]!r}",
                  file=sys.stderr)  # fmt: skip
    return {
        "resync_s": round(max(resynced), 2) if all(ok) else None,
        "resync_p50_s": round(pct(resynced, 50), 2),
        "resynced": sum(ok),
        "resync_identity_ok": identity,
    }


async def slow_clients(app: App, staff, people) -> dict:
    """2% of phones stop reading; the others' latency and the server's memory must hold."""
    slow = people[: max(1, len(people) // 50)]
    for person in slow:
        person.stop_reading()
    others = people[len(slow) :]
    rss_before = app.usage()["rss_mb"]
    result = await advance(staff, others)
    await asyncio.sleep(1)
    rss_after = app.usage()["rss_mb"]
    return {
        "slow_clients": len(slow),
        "slow_others_p99_ms": ms(pct(result["latencies"], 99)),
        "slow_others_gaps": result["gaps"],
        "slow_rss_growth_mb": round(rss_after - rss_before, 1),
    }


class FloorApp:
    """bench/floor_app.py behind the same daphne as the app, answering the same join requests,
    websockets and answers with no work behind them: the join, answer and reconnect floors."""

    code = "FLOOR"

    def __init__(self, folder: Path, snapshot_bytes: int):
        env = app_env(FLOOR_SNAPSHOT_BYTES=str(snapshot_bytes))
        log = folder / "floor.log"
        self.servers = [Server(env, log=log, application="bench.floor_app:application")]
        self.servers[0].start()

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def close(self) -> None:
        for server in self.servers:
            server.stop()


async def echo_round_trip(people) -> list[float]:
    """Everyone sends one message at once; the time until each is acknowledged."""
    for person in people:
        person.observer.acks.clear()
    started = time.perf_counter()
    for person in people:
        await person.send(action="answer.choose", interaction=1, choice=1)
    await asyncio.gather(*(p.wait_for(lambda o: o.acks, 30) for p in people))
    return [p.observer.acks[0][0] - started for p in people if p.observer.acks]


async def floors(n: int, folder: Path, snapshot_bytes: int, scenarios: set[str]) -> dict:
    """The same join storm, answers and restart against FloorApp, with the same clients."""
    floor_app = await asyncio.to_thread(FloorApp, folder, snapshot_bytes)
    people: list = []
    result: dict = {}
    try:
        people, joined = await join_storm(floor_app, floor_app.code, n)
        result["floor_join_s"] = joined["join_s"]
        if "quiz" in scenarios:
            acks = await echo_round_trip(people)
            result["floor_ack_p99_ms"] = ms(pct(acks, 99))
            result["floor_acked"] = len(acks)
        if "reconnect" in scenarios:
            resync = await reconnect_storm(floor_app, people, None)
            result["floor_resync_s"] = resync["resync_s"]
    finally:
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
        await asyncio.to_thread(floor_app.close)
    return result


def ratio(value, floor_value) -> float | None:
    if not value or not floor_value:
        return None
    return round(value / floor_value, 2)


# --- one run ------------------------------------------------------------------------------------


async def bench_once(n: int, config: str, scenarios: set[str]) -> dict:
    from bench.simulate import team_socket

    folder = Path(tempfile.mkdtemp(prefix="dpup-bench-"))
    app = await asyncio.to_thread(App, config, folder)
    result: dict = {"n": n, "config": config}
    people: list = []
    staff = None
    finished = False
    try:
        code = await asyncio.to_thread(app.new_run)
        staff = await team_socket(app.urls[0], code, *STAFF)
        await staff.connect()
        await staff.wait_for(lambda o: o.snapshots >= 1)
        await staff.send(action="run.start")
        # Warm up (templates compiled, caches filled) before taking the idle baseline.
        for number in (3, 1):
            await staff.send(action="slide.goto", number=number)
            await staff.wait_for(lambda o, n=number: o.slide == n, timeout=10)
        idle = app.usage()
        result["server_idle_rss_mb"] = round(idle["rss_mb"], 1)

        print(f"  join storm: {n} participants…", file=sys.stderr)
        people, joined = await join_storm(app, code, n)
        result |= joined
        snapshot_bytes = len(people[0].observer.snapshot_text.encode()) if people else 4096
        connected = app.usage()
        result["server_rss_mb"] = round(connected["rss_mb"], 1)
        result["rss_per_participant_kb"] = round(
            (connected["rss_mb"] - idle["rss_mb"]) * 1024 / max(1, len(people)), 1
        )
        fanout = None
        if "fanout" in scenarios or "floor" in scenarios:
            print("  slide fan-out…", file=sys.stderr)
            fanout = await advance(staff, people)
            lat = fanout["latencies"]
            result |= {
                "fanout_p50_ms": ms(pct(lat, 50)),
                "fanout_p95_ms": ms(pct(lat, 95)),
                "fanout_p99_ms": ms(pct(lat, 99)),
                "fanout_max_ms": ms(max(lat) if lat else float("nan")),
                "fanout_gaps": fanout["gaps"],
                "fanout_missing": fanout["missing"],
                "fanout_backlog_growth": fanout["backlog_growth"],
            }
            sizes = [len(t) for p in people[:1] for t in [p.observer.last_text]]
            result["fanout_message_bytes"] = sizes[0] if sizes else 0
        quiz = None
        if "quiz" in scenarios:
            print("  quiz storm…", file=sys.stderr)
            quiz = await quiz_storm(app, staff, people)
            result |= {k: v for k, v in quiz.items() if not k.startswith("_")}
        for kind in ("words", "rating"):
            if kind in scenarios:
                print(f"  {kind} storm…", file=sys.stderr)
                screen = await team_socket(app.urls[0], code, *STAFF, view="screen")
                await screen.connect()
                await screen.wait_for(lambda o: o.snapshots >= 1)
                try:
                    result |= await answer_storm(app, staff, screen, people, kind)
                finally:
                    await screen.close()
        if "chat" in scenarios:
            print("  chat burst…", file=sys.stderr)
            result |= await chat_burst(app, code, staff, people)
        usage = app.usage()  # before a restart starts the counts again
        result["server_peak_rss_mb"] = round(usage["peak_rss_mb"], 1)
        result["server_cpu_s"] = round(usage["cpu_s"], 1)
        if "reconnect" in scenarios:
            print("  reconnect storm (server killed and restarted)…", file=sys.stderr)
            result |= await reconnect_storm(app, people + [staff], quiz)
        if "slow" in scenarios:
            print("  slow clients…", file=sys.stderr)
            result |= await slow_clients(app, staff, people)
        usage = app.usage()
        result["server_peak_rss_mb"] = max(
            result["server_peak_rss_mb"], round(usage["peak_rss_mb"], 1)
        )
        finished = True
    finally:
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
        if staff is not None:
            await staff.close()
        await asyncio.to_thread(app.close)
        if finished:  # a run that failed keeps its server logs and database to look into
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"  the server's logs and database are kept in {folder}", file=sys.stderr)
    if "floor" in scenarios:
        print("  floor (bare websockets broadcast)…", file=sys.stderr)
        lat = await floor(n, result.get("fanout_message_bytes") or 1024)
        result |= {
            "floor_p50_ms": ms(pct(lat, 50)),
            "floor_p99_ms": ms(pct(lat, 99)),
            "floor_max_ms": ms(max(lat)),
        }
        if result.get("fanout_p99_ms"):
            result["fanout_ratio_p99"] = round(result["fanout_p99_ms"] / result["floor_p99_ms"], 2)
        print("  floors (a bare ASGI app behind the same daphne)…", file=sys.stderr)
        folder = Path(tempfile.mkdtemp(prefix="dpup-bench-floor-"))
        result |= await floors(n, folder, snapshot_bytes, scenarios)
        shutil.rmtree(folder, ignore_errors=True)
        result["join_ratio"] = ratio(result.get("join_s"), result.get("floor_join_s"))
        if "quiz" in scenarios:
            result["quiz_ack_ratio_p99"] = ratio(
                result.get("quiz_ack_p99_ms"), result.get("floor_ack_p99_ms")
            )
        if "reconnect" in scenarios:
            result["resync_ratio"] = ratio(result.get("resync_s"), result.get("floor_resync_s"))
    return result


def git_sha() -> str:
    with contextlib.suppress(Exception):
        command = ["git", "rev-parse", "--short", "HEAD"]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
        return done.stdout.strip()
    return "unknown"


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {round(kb / 1024 / 1024)} GiB"
    return f"{os.cpu_count()} cores ({model}){memory}, Python {platform.python_version()}"


def median_of(runs: list[dict]) -> dict:
    """Per key, the median over runs (numbers), or the first run's value."""
    merged = {}
    for key in runs[0]:
        values = [r.get(key) for r in runs]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) == len(values) and numbers:
            merged[key] = round(statistics.median(numbers), 3)
        elif all(isinstance(v, bool) for v in values):
            merged[key] = all(values)
        else:
            merged[key] = values[0]
    return merged


def table(result: dict) -> str:
    rows = [(key, value) for key, value in result.items() if key not in ("runs",)]
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"  {key.ljust(width)}  {value}" for key, value in rows)


def main(argv: list[str] | None = None) -> dict:
    # The load generator holds thousands of sockets too: its collector mustn't add pauses to
    # what it measures (the floor is measured the same way).
    gc.set_threshold(50_000, 20, 20)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--config", choices=("embedded", "redis"), default="embedded")
    parser.add_argument(
        "--scenario", default="all", help="all, or a comma list of " + ", ".join(SCENARIOS)
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs; figures are the medians")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"))
    args = parser.parse_args(argv)
    scenarios = set(SCENARIOS) if args.scenario == "all" else set(args.scenario.split(","))
    unknown = scenarios - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    runs = []
    for i in range(args.repeat):
        print(f"run {i + 1} of {args.repeat}: N={args.n}, {args.config}", file=sys.stderr)
        runs.append(asyncio.run(bench_once(args.n, args.config, scenarios), loop_factory=LOOP))
    result = median_of(runs) if len(runs) > 1 else runs[0]
    result |= {
        "runs": runs if len(runs) > 1 else None,
        "repeat": len(runs),
        "scenarios": sorted(scenarios),
        "git_sha": git_sha(),
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(table({k: v for k, v in result.items() if k != "runs"}))
    print(f"\nwritten to {out}")
    return result


if __name__ == "__main__":
    main()
