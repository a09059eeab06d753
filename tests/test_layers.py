"""The in-process channel layer keeps the Channels layer contract (fastpath/layers.py)."""

from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import ChannelFull

from dpup_workshop.fastpath.layers import DIRECT, LocalChannelLayer, text_frame


async def receive_soon(layer, channel, timeout=1.0):
    return await asyncio.wait_for(layer.receive(channel), timeout)


async def test_a_message_is_received_once_in_the_order_sent():
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    for number in range(3):
        await layer.send(channel, {"type": "note", "n": number})
    assert [(await receive_soon(layer, channel))["n"] for _ in range(3)] == [0, 1, 2]
    with pytest.raises(TimeoutError):
        await receive_soon(layer, channel, timeout=0.05)


async def test_a_full_channel_refuses_a_send_and_a_group_send_passes_it_by():
    layer = LocalChannelLayer(capacity=2)
    full, other = await layer.new_channel(), await layer.new_channel()
    for channel in (full, other):
        await layer.group_add("room", channel)
    await layer.send(full, {"type": "a"})
    await layer.send(full, {"type": "b"})
    with pytest.raises(ChannelFull):
        await layer.send(full, {"type": "c"})
    await layer.group_send("room", {"type": "to everyone"})  # no error, and `other` gets it
    assert (await receive_soon(layer, other))["type"] == "to everyone"
    assert [(await receive_soon(layer, full))["type"] for _ in range(2)] == ["a", "b"]


async def test_a_message_nobody_received_in_time_is_dropped(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("dpup_workshop.fastpath.layers.time.monotonic", lambda: now[0])
    layer = LocalChannelLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "stale"})
    now[0] += 61
    layer.swept_at = now[0]  # no sweep now: the receive itself must drop the stale one
    await layer.send(channel, {"type": "fresh"})
    assert (await receive_soon(layer, channel))["type"] == "fresh"


async def test_the_queue_of_a_channel_nobody_reads_is_swept_after_the_expiry(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("dpup_workshop.fastpath.layers.time.monotonic", lambda: now[0])
    layer = LocalChannelLayer(expiry=60)
    gone, alive = await layer.new_channel(), await layer.new_channel()
    await layer.send(gone, {"type": "for a consumer that has left"})
    waiting = asyncio.create_task(layer.receive(alive))
    await asyncio.sleep(0)
    now[0] += 61
    await layer.send(alive, {"type": "next"})  # any send sweeps, once per expiry
    assert gone not in layer.channels
    assert (await asyncio.wait_for(waiting, 1))["type"] == "next"


async def test_a_stopped_receiver_takes_its_queue_with_it():
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert channel not in layer.channels and channel not in layer.receivers


async def test_one_failed_delivery_does_not_stop_the_others():
    layer = LocalChannelLayer()
    broken, attached, queued = [await layer.new_channel() for _ in range(3)]
    got = []

    async def fail(message):
        raise ConnectionResetError

    async def keep(message):
        got.append(message)

    layer.attach(broken, fail)
    layer.attach(attached, keep)
    for channel in (broken, attached, queued):
        await layer.group_add("room", channel)
    await layer.group_send("room", {"type": DIRECT, "text": "slide 2"})
    assert got == [{"type": DIRECT, "text": "slide 2", "frame": text_frame("slide 2")}]
    assert (await receive_soon(layer, queued))["text"] == "slide 2"


async def test_a_channel_that_left_the_group_hears_nothing_more():
    layer = LocalChannelLayer()
    stays, leaves = await layer.new_channel(), await layer.new_channel()
    for channel in (stays, leaves):
        await layer.group_add("room", channel)
    await layer.group_discard("room", leaves)
    await layer.group_send("room", {"type": "note"})
    assert (await receive_soon(layer, stays))["type"] == "note"
    with pytest.raises(TimeoutError):
        await receive_soon(layer, leaves, timeout=0.05)
    await layer.group_discard("room", stays)
    assert "room" not in layer.groups


def test_a_frame_carries_its_length_in_the_form_rfc_6455_asks():
    assert text_frame("hi") == b"\x81\x02hi"
    assert text_frame("x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert text_frame("x" * 70000)[:10] == b"\x81\x7f" + (70000).to_bytes(8, "big")


async def test_a_message_redis_could_not_carry_as_it_is_fails_the_test_that_sends_it():
    """The check every test runs under (tests/conftest.py): a tuple would come back a list."""
    layer = LocalChannelLayer()
    with pytest.raises(AssertionError, match="comes back from Redis"):
        await layer.group_send("room", {"type": "participants.admitted", "ids": (1, 2)})
