"""The shipped scale-out (deploy/supervisord.conf): two daphne processes on one port, sharing a
run through PostgreSQL and Redis.

The kernel gives each new connection on the shared socket to whichever process accepts it
first; to put a socket on a chosen process the test pauses the other while it connects
(SupervisedServer.only), then checks in /proc which process holds the connection.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import signal

import psycopg

from bench.simulate import OPEN_CHOICES, Socket, join, team_socket
from tests.scaleout.conftest import FACILITATOR, new_run

PEOPLE = 20
ADVANCES = 8
QUIZ_SLIDE = 23  # the DPUP deck's first quiz question


def client_port(socket: Socket) -> int:
    return socket.protocol.transport.get_extra_info("sockname")[1]


async def connect_on(server, pid: int, *sockets: Socket) -> None:
    """Open each socket on process `pid` and wait for its first snapshot."""
    with server.only(pid):
        await asyncio.gather(*(s.connect() for s in sockets))
        for socket in sockets:
            assert await socket.wait_for(lambda o: o.snapshots >= 1, timeout=15)
    for socket in sockets:
        assert server.serving(client_port(socket)) == pid


async def team_on(server, pid: int, code: str, view: str = "console") -> Socket:
    """The facilitator's socket on process `pid`."""
    staff = await team_socket(server.url, code, *FACILITATOR, view=view)
    await connect_on(server, pid, staff)
    return staff


def stored(env, sql: str) -> int:
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql).fetchone()[0]


def my_answer(socket: Socket, interaction: int) -> list[int] | None:
    """The choices the socket's latest snapshot says this person gave (their #my-state)."""
    states = re.findall(r'id="my-state"[^>]*data-state="([^"]*)"', socket.observer.snapshot_text)
    state = json.loads(html.unescape(states[-1])) if states else {}
    return state.get("answers", {}).get(str(interaction), {}).get("choices")


def test_two_processes_share_the_port_and_every_slide_change_reaches_both(scaleout_env, supervised):
    env, _ = scaleout_env
    code = new_run(env, "--no-waiting-room")
    first, second = supervised.daphnes()
    assert first != second

    async def scenario():
        staff = await team_on(supervised, first, code)
        people = await asyncio.gather(*(join(supervised.url, code, f"P{i}") for i in range(PEOPLE)))
        await connect_on(supervised, first, *people[::2])
        await connect_on(supervised, second, *people[1::2])
        await staff.send(action="slide.goto", number=2)
        for _ in range(ADVANCES):
            await staff.send(action="slide.next")
        final = 2 + ADVANCES
        for person in people:
            assert await person.wait_for(lambda o, final=final: o.slide == final, timeout=15)
        for person in people:
            seen = sorted(
                v
                for _, meta in person.observer.events
                if (v := meta.get("v")) and meta["t"] != "snapshot"
            )
            assert person.observer.gaps == 0 and person.observer.errors == []
            assert seen == list(range(seen[0], seen[0] + ADVANCES + 1))
        for socket in (staff, *people):
            await socket.close()

    asyncio.run(scenario())


def test_a_host_on_one_process_admits_a_participant_waiting_on_the_other(scaleout_env, supervised):
    env, _ = scaleout_env
    code = new_run(env)
    first, second = supervised.daphnes()

    async def scenario():
        host = await team_on(supervised, first, code, view="host")
        person = await join(supervised.url, code, "Waiting on the second")
        person.observer.keep_texts = True
        await connect_on(supervised, second, person)
        assert "waiting room" in person.observer.texts[-1]
        await host.send(action="participant.admit_all")
        assert await person.wait_for(lambda o: o.snapshots == 2, timeout=15)
        assert 'id="live-slide"' in person.observer.texts[-1]
        await host.close()
        await person.close()

    asyncio.run(scenario())


def test_a_persons_chat_limit_holds_across_processes(scaleout_env, supervised):
    """One participant with a socket on each process sends 10 lines at once: the limit (5 per
    10 seconds) is counted in Redis, which both see, so exactly 5 are stored."""
    env, _ = scaleout_env
    code = new_run(env, "--no-waiting-room")
    first, second = supervised.daphnes()

    async def scenario():
        staff = await team_on(supervised, first, code)
        await staff.send(action="run.start")
        person = await join(supervised.url, code, "Two sockets")
        twin = Socket(supervised.url, code, "participant", {})  # the same browser's cookie
        twin.cookie = person.cookie
        await connect_on(supervised, first, person)
        await connect_on(supervised, second, twin)
        sockets = [person, twin]
        for i in range(10):
            await sockets[i % 2].send(action="chat.send", text=f"line {i}")
        refused = lambda o: sum(e.get("action") == "chat.send" for e in o.errors)  # noqa: E731
        assert await _eventually(lambda: sum(refused(s.observer) for s in sockets) == 5)
        for socket in (staff, *sockets):
            await socket.close()

    asyncio.run(scenario())
    assert stored(env, "SELECT count(*) FROM runs_chatmessage WHERE text LIKE 'line %%'") == 5


def test_killing_one_process_loses_no_answer_and_its_sockets_resync(scaleout_env, supervised):
    env, _ = scaleout_env
    code = new_run(env, "--no-waiting-room")
    doomed, survivor = supervised.daphnes()

    async def scenario():
        staff = await team_on(supervised, survivor, code)
        people = await asyncio.gather(*(join(supervised.url, code, f"Q{i}") for i in range(8)))
        on_doomed, on_survivor = people[::2], people[1::2]
        await connect_on(supervised, doomed, *on_doomed)
        await connect_on(supervised, survivor, *on_survivor)
        await staff.send(action="run.start")
        await staff.send(action="slide.goto", number=QUIZ_SLIDE)
        for person in people:
            assert await person.wait_for(lambda o: OPEN_CHOICES.search(o.last_text), 15)
        interaction, choice = map(int, OPEN_CHOICES.search(people[0].observer.last_text).groups())
        for person in people:
            await person.send(action="answer.choose", interaction=interaction, choice=choice)
        for person in people:
            assert await person.wait_for(lambda o: o.acks, 15)

        before = {id(p): p.observer.snapshots for p in people}
        os.kill(doomed, signal.SIGKILL)
        for person in on_doomed:  # they reconnect by themselves and take a fresh snapshot
            assert await person.wait_for(lambda o, p=person: o.snapshots > before[id(p)], 30)
            assert supervised.serving(client_port(person)) not in (None, doomed)
            assert my_answer(person, interaction) == [choice]
        for person in on_survivor:  # untouched
            assert person.observer.snapshots == before[id(person)]
        await staff.send(action="slide.next")
        for person in people:
            assert await person.wait_for(lambda o: o.slide == QUIZ_SLIDE + 1, timeout=15)
        for socket in (staff, *people):
            await socket.close()
        return interaction

    interaction = asyncio.run(scenario())
    count = f"SELECT count(*) FROM runs_response WHERE interaction_id = {interaction}"
    assert stored(env, count) == 8
    restarted = supervised.wait_for_daphnes()
    assert doomed not in restarted and survivor in restarted  # supervisord started a new one


async def _eventually(condition, timeout: float = 10) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
