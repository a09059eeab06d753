"""An in-process channel layer for the embedded configuration, built for big groups.

Channels' InMemoryChannelLayer checks every channel and group for expired entries on each
receive, so a push to a room of N costs O(N²) work. Here a group send touches each member's
queue once and a receive touches nothing else: O(N) per push. Group memberships don't
expire on a timer: consumers leave their groups when their socket closes, and a receiver's
queue goes when its consumer stops. A message nobody receives within `expiry` seconds is
dropped, as the Channels spec asks, and the queues of channels nobody reads any more are
swept once per `expiry`, so a send to a consumer that has gone leaks nothing.

Pushes to sockets (`run.push`) go further: a consumer can attach its socket's send to its
channel, and a group send then hands the message straight to each socket, instead of queueing
it for a thousand consumer tasks to wake up one by one and pass on; and the websocket frame is
built once per push, not once per socket.

It serves one process: several processes (on one machine or many) use channels-redis
(REDIS_URL).
Messages are passed as they are, not copied: the app only sends dicts of strings and numbers
and no receiver changes them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import string
import time
from collections.abc import Awaitable, Callable

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer

logger = logging.getLogger(__name__)
DIRECT = "run.push"  # the one message type delivered straight to an attached socket
YIELD_EVERY = 100  # let the event loop write out what is sent so far, every so many sockets


def text_frame(text: str) -> bytes:
    """A complete, unmasked websocket text frame (RFC 6455, server to client)."""
    payload = text.encode("utf-8")
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 65536:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


def _drain(queue: asyncio.Queue) -> list:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


class LocalChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]
    channel_tag = "inmemory"  # in every channel name this layer makes

    def __init__(self, expiry=60, capacity=200, channel_capacity=None, **kwargs):
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        # Each queue holds (deadline, message): past its deadline a message is dropped.
        self.channels: dict[str, asyncio.Queue] = {}
        self.groups: dict[str, dict[str, None]] = {}
        self.direct: dict[str, Callable[[dict], Awaitable[None]]] = {}
        self.receivers: dict[str, int] = {}  # how many receive() wait on each channel
        self.swept_at = time.monotonic()

    def attach(self, channel: str, deliver: Callable[[dict], Awaitable[None]]) -> None:
        """Deliver pushes for `channel` by calling `deliver` (a consumer's socket send)."""
        self.direct[channel] = deliver

    def detach(self, channel: str) -> None:
        self.direct.pop(channel, None)

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, queue: asyncio.Queue, message: dict, now: float) -> None:
        queue.put_nowait((now + self.expiry, message))
        if now - self.swept_at > self.expiry:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Drop expired messages from channels nobody is receiving on, and their emptied
        queues (once per `expiry`: O(channels) then, nothing in between)."""
        self.swept_at = now
        for channel, queue in list(self.channels.items()):
            if self.receivers.get(channel):
                continue
            kept = [item for item in _drain(queue) if item[0] >= now]
            if kept:
                for item in kept:
                    queue.put_nowait(item)
            else:
                del self.channels[channel]

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self._queue(channel)
        if queue.full():
            raise ChannelFull(channel)
        self._put(queue, message, time.monotonic())

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        queue = self._queue(channel)
        self.receivers[channel] = self.receivers.get(channel, 0) + 1
        try:
            while True:
                deadline, message = await queue.get()
                if deadline >= time.monotonic():
                    return message
        except asyncio.CancelledError:
            # The consumer stopped: its queue goes with it (unless someone else waits on it).
            if queue.empty() and self.receivers.get(channel) == 1:
                self.channels.pop(channel, None)
            raise
        finally:
            waiting = self.receivers.pop(channel, 1) - 1
            if waiting:
                self.receivers[channel] = waiting

    async def new_channel(self, prefix: str = "specific.") -> str:
        suffix = "".join(random.choices(string.ascii_letters, k=12))
        return f"{prefix}{self.channel_tag}!{suffix}"

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self.groups.setdefault(group, {})[channel] = None

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        members = self.groups.get(group)
        if members is not None:
            members.pop(channel, None)
            if not members:
                del self.groups[group]

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        direct = self.direct if message.get("type") == DIRECT else {}
        if direct:
            # Framed once for the whole room; each socket gets the same bytes.
            message = dict(message, frame=text_frame(message["text"]))
        delivered = 0
        for channel in tuple(self.groups.get(group, ())):
            deliver = direct.get(channel)
            if deliver is not None:
                try:
                    await deliver(message)
                except Exception:  # one broken socket must not stop the room's push
                    logger.exception("delivering to %s failed", channel)
                delivered += 1
                if delivered % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                continue
            queue = self._queue(channel)
            if queue.full():
                continue  # a receiver that stopped reading doesn't hold up the room
            self._put(queue, message, time.monotonic())

    async def flush(self) -> None:
        self.channels = {}
        self.groups = {}
        self.direct = {}
        self.receivers = {}

    async def close(self) -> None:
        pass
