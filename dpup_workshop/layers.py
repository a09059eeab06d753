"""An in-process channel layer for the embedded configuration, built for big groups.

Channels' InMemoryChannelLayer checks every channel and group for expired entries on each
receive, so a push to a room of N costs O(N²) work. Here a group send touches each member's
queue once and a receive touches nothing else: O(N) per push. Group memberships don't
expire on a timer: consumers leave their groups when their socket closes, and a receiver's
queue goes when its consumer stops.

Like InMemoryChannelLayer it serves one process; for several processes use REDIS_URL.
Messages are passed as they are, not copied: the app only sends dicts of strings and numbers
and no receiver changes them.
"""

from __future__ import annotations

import asyncio
import random
import string

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer


class LocalChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(self, expiry=60, capacity=200, channel_capacity=None, **kwargs):
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        self.channels: dict[str, asyncio.Queue] = {}
        self.groups: dict[str, dict[str, None]] = {}
        self.dropped = 0  # messages not delivered because a receiver's queue was full

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self._queue(channel)
        if queue.full():
            raise ChannelFull(channel)
        queue.put_nowait(message)

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        queue = self._queue(channel)
        try:
            return await queue.get()
        except asyncio.CancelledError:
            # The consumer stopped: its queue goes with it (unless someone else waits on it).
            if queue.empty() and not getattr(queue, "_getters", None):
                self.channels.pop(channel, None)
            raise

    async def new_channel(self, prefix: str = "specific.") -> str:
        suffix = "".join(random.choices(string.ascii_letters, k=12))
        return f"{prefix}inmemory!{suffix}"

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
        for channel in tuple(self.groups.get(group, ())):
            queue = self._queue(channel)
            if queue.full():
                # A receiver that stopped reading doesn't hold up the room.
                self.dropped += 1
                continue
            queue.put_nowait(message)

    async def flush(self) -> None:
        self.channels = {}
        self.groups = {}

    async def close(self) -> None:
        pass
