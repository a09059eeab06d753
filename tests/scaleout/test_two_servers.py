"""Two daphne processes share one run through PostgreSQL and Redis."""

from __future__ import annotations

import asyncio

import psycopg

from bench.simulate import Socket, join, team_socket
from tests.scaleout.conftest import FACILITATOR, new_run

PEOPLE = 20
ADVANCES = 8


def test_every_slide_change_reaches_participants_on_both_servers(scaleout_env, two_servers):
    env, _ = scaleout_env
    code = new_run(env, "--no-waiting-room")
    a, b = (server.url for server in two_servers)

    async def scenario():
        staff = await team_socket(a, code, *FACILITATOR)
        await staff.connect()
        people = await asyncio.gather(
            *(join(a if i % 2 else b, code, f"P{i}") for i in range(PEOPLE))
        )
        await asyncio.gather(*(p.connect() for p in people))
        for socket in (staff, *people):
            assert await socket.wait_for(lambda o: o.snapshots == 1)
        await staff.send(action="slide.goto", number=2)
        for _ in range(ADVANCES):
            await staff.send(action="slide.next")
        final = 2 + ADVANCES
        for person in people:
            assert await person.wait_for(lambda o, final=final: o.slide == final, timeout=15)
        versions = [
            sorted(
                v
                for _, meta in p.observer.events
                if (v := meta.get("v")) and meta["t"] != "snapshot"
            )
            for p in people
        ]
        for person, seen in zip(people, versions, strict=True):
            assert person.observer.gaps == 0 and person.observer.errors == []
            assert len(seen) == ADVANCES + 1 and seen == list(
                range(seen[0], seen[0] + ADVANCES + 1)
            )
        for socket in (staff, *people):
            await socket.close()

    asyncio.run(scenario())


def test_waiting_room_admission_crosses_servers(scaleout_env, two_servers):
    env, _ = scaleout_env
    code = new_run(env)
    a, b = (server.url for server in two_servers)

    async def scenario():
        host = await team_socket(a, code, *FACILITATOR, view="host")
        await host.connect()
        person = await join(b, code, "Waiting on B")
        person.observer.keep_texts = True
        await person.connect()
        assert await person.wait_for(lambda o: o.snapshots == 1)
        assert "waiting room" in person.observer.texts[-1]
        await host.send(action="participant.admit_all")
        assert await person.wait_for(lambda o: o.snapshots == 2)
        assert 'id="live-slide"' in person.observer.texts[-1]
        await host.close()
        await person.close()

    asyncio.run(scenario())


def test_a_persons_chat_limit_holds_across_servers(scaleout_env, two_servers):
    """One participant with sockets on both servers sends 10 lines at once: the limit (5 per
    10 seconds) is counted in Redis, which both see, so exactly 5 are stored."""
    env, _ = scaleout_env
    code = new_run(env, "--no-waiting-room")
    a, b = (server.url for server in two_servers)

    async def scenario():
        staff = await team_socket(a, code, *FACILITATOR)
        await staff.connect()
        await staff.send(action="run.start")
        person = await join(a, code, "Two sockets")
        # The same browser (its session cookie) on the other server too.
        twin = Socket(b, code, "participant", {})
        twin.cookie = person.cookie
        sockets = [person, twin]
        for socket in sockets:
            await socket.connect()
            assert await socket.wait_for(lambda o: o.snapshots >= 1)
        for i in range(10):
            await sockets[i % 2].send(action="chat.send", text=f"line {i}")
        refused = lambda o: sum(e.get("action") == "chat.send" for e in o.errors)  # noqa: E731
        assert await _eventually(lambda: sum(refused(s.observer) for s in sockets) == 5)
        for socket in (staff, *sockets):
            await socket.close()

    asyncio.run(scenario())
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        (stored,) = conn.execute(
            "SELECT count(*) FROM runs_chatmessage WHERE text LIKE 'line %%'"
        ).fetchone()
    assert stored == 5


async def _eventually(condition, timeout: float = 10) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
