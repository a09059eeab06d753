"""The join storm's hand-written SQL gives what the ORM would, and joins still number people
in order; the simulated browser and the rate limit as they behave with several workers."""

from __future__ import annotations

import asyncio
import time

import pytest

from bench.simulate import HOLD_SECONDS, Observer, _Connection
from sessions.domain import hotsql, participants, selectors
from sessions.domain.permissions import ActionError
from sessions.live.broadcast import envelope
from sessions.models import Participant, ParticipantStatus, Run


def test_fetch_gives_the_values_the_orm_gives(run):
    run.audience_versions = {"participants": 4, "staff": 5}
    run.waiting_room = True
    run.save()
    fetched = hotsql.fetch(Run, "code = %s", [run.code], omit=("deck_snapshot",))
    loaded = Run.objects.get(pk=run.pk)
    for field in Run._meta.concrete_fields:
        if field.name != "deck_snapshot":
            assert getattr(fetched, field.attname) == getattr(loaded, field.attname), field.name
    assert fetched.audience_versions == {"participants": 4, "staff": 5}
    assert fetched.waiting_room is True
    assert fetched.updated_at.tzinfo is not None
    assert "deck_snapshot" in fetched.get_deferred_fields()
    assert fetched.deck_data == loaded.deck_data  # a deferred field still loads on use


def test_fetch_finds_nothing_for_an_unknown_code(db):
    assert selectors.run_for_join("NOSUCHCODE") is None


def test_insert_saves_a_row_the_orm_reads_back(run):
    participant = hotsql.insert(
        Participant(run=run, number=7, display_name="Aroha", show_name=True)
    )
    assert participant.pk is not None and not participant._state.adding
    stored = Participant.objects.get(pk=participant.pk)
    assert (stored.number, stored.display_name, stored.show_name) == (7, "Aroha", True)
    assert stored.joined_at == participant.joined_at


def test_joins_are_numbered_in_order_and_a_socket_finds_its_participant(run):
    run.waiting_room = False
    run.save()
    first = participants.participant_join(run=run, display_name="A")
    second = participants.participant_join(run=run, display_name="B")
    assert (first.number, second.number) == (1, 2)
    assert second.status == ParticipantStatus.ADMITTED
    found_run, found = selectors.participant_for_socket(run.code, [999_999, second.pk])
    assert found_run.pk == run.pk and found.pk == second.pk and found.run is found_run
    assert selectors.participant_for_socket(run.code, [999_999]) == (found_run, None)
    assert selectors.participant_for_socket("NOSUCHCODE", [second.pk]) == (None, None)


def test_joining_an_ended_or_missing_run_is_refused(run):
    run.status = "ended"
    run.save()
    with pytest.raises(ActionError):
        participants.participant_join(run=run)
    with pytest.raises(Run.DoesNotExist):
        selectors.run_for_joining(999_999)


# --- the simulated browser, as live.js: a push that overtakes the one before it --------------


def push(event: str, version: int, prev: int | None = None) -> str:
    return envelope(event, "", version=version, prev=prev)


def test_an_early_push_waits_for_the_one_it_follows():
    observer = Observer()
    observer.apply(push("snapshot", version=10))
    held = observer.apply(push("slide.changed", version=12, prev=11))
    assert held["held"] and observer.seen == 10
    observer.apply(push("segment.changed", version=11, prev=10))
    assert observer.seen == 12 and observer.gaps == 0 and observer.reordered == 1
    assert [meta["v"] for _, meta in observer.events] == [10, 11, 12]


def test_a_push_whose_predecessor_never_comes_is_a_gap(monkeypatch):
    observer = Observer()
    observer.apply(push("snapshot", version=10))
    observer.apply(push("slide.changed", version=12, prev=11))
    assert not observer.waited_too_long()
    later = time.perf_counter() + HOLD_SECONDS
    monkeypatch.setattr(time, "perf_counter", lambda: later)
    assert observer.waited_too_long() and observer.gaps == 1 and observer.held == {}


def test_a_snapshot_takes_the_place_of_what_it_covers():
    observer = Observer()
    observer.apply(push("snapshot", version=10))
    observer.apply(push("slide.changed", version=12, prev=11))
    observer.apply(push("snapshot", version=12))
    assert observer.held == {} and observer.seen == 12
    observer.apply(push("slide.changed", version=13, prev=12))
    assert observer.seen == 13 and observer.gaps == 0


async def test_the_simulated_browser_reads_each_kind_of_response_body():
    """Lengths, chunks, or the connection closing: whichever the server sends."""
    replies = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1; Path=/\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: /x/\r\nConnection: close\r\n\r\nbye",
    ]

    async def serve(reader, writer):
        for reply in replies:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = _Connection(f"http://127.0.0.1:{port}")
    first = await connection.request("GET", "/", {})
    second = await connection.request("GET", "/", {"a": "1"})
    third = await connection.request("GET", "/", {}, last=True)
    assert (first.status, first.text, first.cookies) == (200, "hello", {"a": "1"})
    assert (second.status, second.text) == (200, "abcde")
    assert (third.status, third.text) == (302, "bye")
    server.close()
