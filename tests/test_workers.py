"""Several worker processes on one port, with no Redis: `serve --workers N`, the peer layer that
passes group messages between them, and the shared SQLite writer lock."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
import uvloop

from bench.simulate import OPEN_CHOICES, join, team_socket
from dpup_workshop.layers import PeerChannelLayer
from dpup_workshop.serve import default_workers
from dpup_workshop.serve import main as serve_main
from tests.conftest import REPO
from tests.server import Server, app_env, create_run, prepare

FACILITATOR = ("workers-facilitator", "workers-password-123")
PEOPLE = 20
QUIZ_SLIDE = 23


# --- the peer layer ---------------------------------------------------------------------------


def peers(directory, count: int = 2) -> list[PeerChannelLayer]:
    return [PeerChannelLayer(str(directory), index, count) for index in range(count)]


@pytest.fixture
async def pair(tmp_path):
    """Two workers' layers, listening."""
    layers = peers(tmp_path)
    for layer in layers:
        await layer.listen()
    gc.collect()  # nothing the layers listen with may be collected while they serve
    yield layers
    for layer in layers:
        await layer.close()


async def test_a_group_send_reaches_members_in_every_worker(pair):
    a, b = pair
    here, there = await a.new_channel(), await b.new_channel()
    await a.group_add("room", here)
    await b.group_add("room", there)
    await a.group_send("room", {"type": "run.note", "text": "hello"})
    assert await asyncio.wait_for(a.receive(here), 2) == {"type": "run.note", "text": "hello"}
    assert await asyncio.wait_for(b.receive(there), 2) == {"type": "run.note", "text": "hello"}


def test_a_worker_keeps_listening_after_garbage_collection(tmp_path):
    """On uvloop, the event loop the server runs on, a listening server nothing refers to
    is collected and stops accepting: the other workers' messages would be lost."""

    async def scenario():
        a, b = peers(tmp_path)
        await a.listen()
        await b.listen()
        gc.collect()
        there = await b.new_channel()
        await b.group_add("room", there)
        await a.group_send("room", {"type": "n"})
        assert await asyncio.wait_for(b.receive(there), 2) == {"type": "n"}
        await a.close()
        await b.close()

    asyncio.run(scenario(), loop_factory=uvloop.new_event_loop)


async def test_a_channel_send_goes_to_the_worker_that_made_the_channel(pair):
    a, b = pair
    theirs = await b.new_channel()
    assert theirs.startswith("specific.w1!")
    await a.send(theirs, {"type": "healthz.ping", "token": "t"})
    assert await asyncio.wait_for(b.receive(theirs), 2) == {"type": "healthz.ping", "token": "t"}


async def test_messages_between_two_workers_keep_their_order(pair):
    a, b = pair
    there = await b.new_channel()
    await b.group_add("room", there)
    await asyncio.gather(*(a.group_send("room", {"type": "n", "i": i}) for i in range(150)))
    received = [(await asyncio.wait_for(b.receive(there), 2))["i"] for _ in range(150)]
    assert received == list(range(150))


async def test_a_worker_that_is_not_listening_does_not_stop_the_others(tmp_path):
    a, b, _absent = peers(tmp_path, count=3)
    for layer in (a, b):
        await layer.listen()
    here, there = await a.new_channel(), await b.new_channel()
    await a.group_add("room", here)
    await b.group_add("room", there)
    await a.group_send("room", {"type": "n"})  # worker 2 never started
    assert await asyncio.wait_for(a.receive(here), 2) == {"type": "n"}
    assert await asyncio.wait_for(b.receive(there), 2) == {"type": "n"}
    await a.close()
    await b.close()


async def test_a_garbled_message_from_a_peer_closes_only_that_link(pair, caplog):
    a, b = pair
    there = await b.new_channel()
    await b.group_add("room", there)
    await a.group_send("room", {"type": "before"})  # a's link to b is open
    assert await asyncio.wait_for(b.receive(there), 2) == {"type": "before"}
    _, writer = await asyncio.open_unix_connection(b.socket_path(1))
    writer.write((5).to_bytes(4, "big") + b"\xc1\xc1\xc1\xc1\xc1")  # not msgpack
    await writer.drain()
    await asyncio.sleep(0.1)
    assert "could not be read" in caplog.text
    await a.group_send("room", {"type": "after"})
    assert await asyncio.wait_for(b.receive(there), 2) == {"type": "after"}
    writer.close()


async def test_a_restarted_worker_gets_the_very_next_message(tmp_path):
    a, b = peers(tmp_path)
    await a.listen()
    await b.listen()
    there = await b.new_channel()
    await b.group_add("room", there)
    await a.group_send("room", {"type": "first"})
    assert await asyncio.wait_for(b.receive(there), 2) == {"type": "first"}
    await b.close()  # b stops...
    await asyncio.sleep(0.1)
    b = PeerChannelLayer(str(tmp_path), 1, 2)  # ...and a new b listens in its place
    await b.listen()
    there = await b.new_channel()
    await b.group_add("room", there)
    await a.group_send("room", {"type": "second"})
    assert await asyncio.wait_for(b.receive(there), 2) == {"type": "second"}
    await a.close()
    await b.close()


# --- the app in two worker processes ----------------------------------------------------------


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workers")
    env = app_env(
        SQLITE_PATH=str(folder / "db.sqlite3"), WEB_CONCURRENCY="2", JOIN_ROOM_RATE_LIMIT="100000"
    )
    prepare(env, FACILITATOR)
    server = Server(env, log=folder / "daphne.log")
    server.start()
    yield env, server
    server.stop()


def test_the_server_runs_the_workers_it_was_asked_for_and_restarts_one_that_dies(workers):
    _, server = workers
    supervisor, *running = server.processes()
    assert len(running) == 2
    os.kill(running[0], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = server.processes()[1:]
        if len(now) == 2 and running[0] not in now:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"worker not restarted: {server.processes()}")
    assert server.processes()[0] == supervisor
    answered = set()
    deadline = time.monotonic() + 20
    while answered != {0, 1} and time.monotonic() < deadline:  # both answer, the new one too
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                answered.add(json.load(response)["worker"])
        except OSError:
            time.sleep(0.1)
    assert answered == {0, 1}


def test_a_room_spread_over_two_workers_sees_every_change_and_one_tally(workers):
    env, server = workers
    code = create_run(env, FACILITATOR[0], "--no-waiting-room")

    async def scenario():
        staff = await team_socket(server.url, code, *FACILITATOR)
        staff.observer.keep_texts = True
        await staff.connect()
        people = await asyncio.gather(*(join(server.url, code, f"P{i}") for i in range(PEOPLE)))
        await asyncio.gather(*(p.connect() for p in people))
        for socket in (staff, *people):
            assert await socket.wait_for(lambda o: o.snapshots == 1)
        for number in range(2, 7):
            await staff.send(action="slide.goto", number=number)
        for person in people:
            assert await person.wait_for(lambda o: o.slide == 6, timeout=15)
            assert person.observer.gaps == 0 and person.observer.errors == []
            assert set(range(2, 7)) <= set(person.observer.slide_arrived)

        await staff.send(action="slide.goto", number=QUIZ_SLIDE)
        for person in people:
            assert await person.wait_for(lambda o: OPEN_CHOICES.search(o.last_text), 15)
        interaction, choice = OPEN_CHOICES.search(people[0].observer.last_text).groups()
        for person in people:
            await person.send(
                action="answer.choose", interaction=int(interaction), choice=int(choice)
            )
        for person in people:
            assert await person.wait_for(lambda o: o.acks, 15)
        answered = re.compile(rf'id="answered-{interaction}">{PEOPLE}<')
        assert await staff.wait_for(lambda o: answered.search(o.last_text), 15)
        for socket in (staff, *people):
            await socket.close()

    asyncio.run(scenario())


# --- start-up choices and the shared writer lock ----------------------------------------------


def test_the_number_of_workers_comes_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert default_workers() == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    assert default_workers() == 4  # more would only share the database's one writer
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert default_workers() == 1


def test_no_workers_is_refused_with_a_clear_message(capsys):
    assert serve_main(["--workers", "0"]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err


def test_a_killed_supervisors_peer_directory_is_swept_at_the_next_start(tmp_path, monkeypatch):
    import socket
    import tempfile

    from dpup_workshop.serve import Supervisor

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = tmp_path / f"dpup-workers-{gone.pid}-abc123"
    stale.mkdir()
    (stale / "worker-0.sock").touch()
    running = tmp_path / f"dpup-workers-{os.getpid()}-def456"
    running.mkdir()
    # A supervisor this process can't see (another container sharing /tmp): its socket answers.
    elsewhere = tmp_path / f"dpup-workers-{gone.pid}-ghi789"
    elsewhere.mkdir()
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening.bind(str(elsewhere / "worker-0.sock"))
    listening.listen()
    try:
        supervisor = Supervisor(2, [])
    finally:
        listening.close()
    assert not stale.exists()
    assert running.exists()  # its supervisor is alive
    assert elsewhere.exists()
    assert pathlib.Path(supervisor.peer_dir).parent == tmp_path


LOCK_CHECK = """
import fcntl, os, django
django.setup()
from django.db import connection, transaction

def taken():
    with open(os.environ["SQLITE_PATH"] + "-writers", "a") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(other, fcntl.LOCK_UN)
        return False

with transaction.atomic():
    connection.cursor().execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    during = taken()
print(during, taken())
"""


def test_a_worker_holds_the_shared_write_lock_for_its_whole_transaction(tmp_path):
    env = app_env(
        SQLITE_PATH=str(tmp_path / "db.sqlite3"), DPUP_WORKERS="2", DPUP_PEER_DIR=str(tmp_path)
    )
    done = subprocess.run(
        [sys.executable, "-c", LOCK_CHECK], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]
