"""The fast websocket consumer as a library (dpup_workshop/fastpath/websocket.py), on its own:
a small consumer that answers each action, with Channels' test communicator."""

from __future__ import annotations

import json

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from dpup_workshop.fastpath.layers import DIRECT
from dpup_workshop.fastpath.websocket import FastWebsocketConsumer

# Channels closes stale database connections as a socket goes, so the database is in play.
pytestmark = pytest.mark.django_db

stopped = []


class Echo(FastWebsocketConsumer):
    burst, refill = 3, 0.001
    max_message_bytes = 100

    async def connect(self):
        await self.channel_layer.group_add("room", self.channel_name)
        await self.accept()

    async def act(self, action, payload):
        if action == "fail":
            raise RuntimeError(f"secret {payload}")
        await self.send_text(json.dumps({"did": action}))

    async def refuse(self, code, message, action=None):
        await self.send_text(json.dumps({"refused": code, "action": action}))

    async def room_note(self, event):
        await self.send_text(json.dumps({"note": event["text"]}))

    def stopped(self):
        stopped.append(self.channel_name)


async def opened(**attributes) -> WebsocketCommunicator:
    consumer = type("Tuned", (Echo,), attributes) if attributes else Echo
    socket = WebsocketCommunicator(consumer.as_asgi(), "/ws/")
    connected, _ = await socket.connect()
    assert connected
    return socket


async def answer(socket, text: str | None = None, data: bytes | None = None) -> dict:
    await socket.send_to(text_data=text, bytes_data=data)
    return json.loads(await socket.receive_from())


async def test_each_message_is_taken_apart_before_the_consumer_sees_it():
    socket = await opened(burst=20)
    assert await answer(socket, '{"action": "hello"}') == {"did": "hello"}
    assert (await answer(socket, data=b"\x00"))["refused"] == "bad_message"
    assert (await answer(socket, "x" * 101))["refused"] == "too_large"
    assert (await answer(socket, "{not json"))["refused"] == "bad_message"
    assert (await answer(socket, '{"action": "\\ud800"}'))["refused"] == "invalid"
    assert (await answer(socket, "[1, 2]"))["refused"] == "bad_message"
    assert await answer(socket, '{"action": "still here"}') == {"did": "still here"}
    await socket.disconnect()


async def test_a_burst_past_the_bucket_is_refused():
    socket = await opened()
    replies = [await answer(socket, '{"action": "tap"}') for _ in range(4)]
    assert replies[:3] == [{"did": "tap"}] * 3
    assert replies[3]["refused"] == "rate_limited"
    await socket.disconnect()


async def test_a_failing_action_is_answered_logged_once_without_its_payload_and_the_socket_stays(
    caplog,
):
    socket = await opened(burst=20)
    reply = await answer(socket, '{"action": "fail", "pin": "1234"}')
    assert reply == {"refused": "server_error", "action": "fail"}
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "Action (unknown) failed: RuntimeError" in record.getMessage()
    assert "1234" not in record.getMessage()
    assert await answer(socket, '{"action": "again"}') == {"did": "again"}
    await socket.disconnect()


async def test_pushes_and_other_messages_from_the_layer_arrive_and_the_end_is_heard():
    socket = await opened()
    layer = get_channel_layer()
    await layer.group_send("room", {"type": DIRECT, "text": "slide 2"})
    assert await socket.receive_from() == "slide 2"
    await layer.group_send("room", {"type": "room.note", "text": "hi"})
    assert json.loads(await socket.receive_from()) == {"note": "hi"}
    before = len(stopped)
    await socket.disconnect()
    assert len(stopped) == before + 1
