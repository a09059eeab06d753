"""An in-process channel layer for the embedded configuration, built for big groups.

Channels' InMemoryChannelLayer checks every channel and group for expired entries on each
receive, so a push to a room of N costs O(N²) work. Here a group send touches each member's
queue once and a receive touches nothing else: O(N) per push. Group memberships don't
expire on a timer: consumers leave their groups when their socket closes, and a receiver's
queue goes when its consumer stops.

Pushes to sockets (`run.push`) go further: a consumer can attach its socket's send to its
channel, and a group send then hands the message straight to each socket, instead of queueing
it for a thousand consumer tasks to wake up one by one and pass on; and the websocket frame is
built once per push, not once per socket.

It serves one process. Several worker processes on one machine use PeerChannelLayer (below);
several machines use REDIS_URL.
Messages are passed as they are, not copied: the app only sends dicts of strings and numbers
and no receiver changes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import string
from collections.abc import Awaitable, Callable

import msgpack
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


class LocalChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]
    channel_tag = "inmemory"  # in every channel name this layer makes

    def __init__(self, expiry=60, capacity=200, channel_capacity=None, **kwargs):
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        self.channels: dict[str, asyncio.Queue] = {}
        self.groups: dict[str, dict[str, None]] = {}
        self.direct: dict[str, Callable[[dict], Awaitable[None]]] = {}

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
            queue.put_nowait(message)

    async def flush(self) -> None:
        self.channels = {}
        self.groups = {}
        self.direct = {}

    async def close(self) -> None:
        pass


# --- several worker processes on one machine -------------------------------------------------

PEER_BACKLOG_BYTES = 8 * 1024 * 1024  # wait for a peer to read once this much is queued for it
PEER_MAX_FRAME_BYTES = 64 * 1024 * 1024


class PeerChannelLayer(LocalChannelLayer):
    """LocalChannelLayer for one of several worker processes serving the same port.

    `python -m dpup_workshop.serve --workers N` starts N processes; the kernel hands each new
    connection to one of them, so a room's sockets are spread over all N. Each process keeps its
    own groups and sockets, as LocalChannelLayer does; a group send is also passed, once, to
    every other worker over a Unix socket, and each delivers it to its own members. A send to a
    channel goes to the worker that made the channel (its name says which).

    Messages to a worker that isn't listening (still starting, or restarting) are dropped, as a
    Redis pub/sub layer drops messages nobody is subscribed to: its sockets reconnect and take a
    snapshot. Each worker listens from start-up, so a worker with sockets is always reachable.
    Messages from one worker to another keep their order (one stream each way); pushes from two
    workers can cross by a moment, and the browsers wait briefly for a version that is late.
    """

    def __init__(self, directory: str, index: int, count: int, **kwargs):
        super().__init__(**kwargs)
        self.directory = directory
        self.index = int(index)
        self.count = int(count)
        self.channel_tag = f"w{self.index}"  # names the worker that made a channel (_owner)
        self.peers = tuple(i for i in range(self.count) if i != self.index)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listening: asyncio.Task | None = None
        self._server: asyncio.AbstractServer | None = None
        self._links: dict[int, asyncio.StreamWriter] = {}
        self._connecting: dict[int, asyncio.Future] = {}
        self._accepted: set[asyncio.StreamWriter] = set()

    def socket_path(self, index: int) -> str:
        return os.path.join(self.directory, f"worker-{index}.sock")

    async def listen(self) -> None:
        """Listen for the other workers, once per event loop: at start-up (see serve.py), and
        on first use on any other loop."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._listening = loop, None
            self._links, self._connecting = {}, {}
        if self._listening is None or (
            self._listening.done() and self._listening.exception() is not None
        ):
            self._listening = loop.create_task(self._start_listening())
        # Shielded: a caller that is cancelled while waiting doesn't cancel it for the others.
        await asyncio.shield(self._listening)

    async def _start_listening(self) -> None:
        path = self.socket_path(self.index)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by this worker's previous life
        # Kept: a server nothing refers to may be collected, and stop listening.
        self._server = await asyncio.start_unix_server(self._serve_peer, path=path)

    async def _serve_peer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._accepted.add(writer)
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(4), "big")
                if size > PEER_MAX_FRAME_BYTES:
                    raise ValueError(f"a {size}-byte message is more than a push can be")
                kind, target, message = msgpack.unpackb(await reader.readexactly(size), raw=False)
                await self._deliver_from_peer(kind, target, message)
        except asyncio.IncompleteReadError:
            pass  # the peer stopped
        except Exception:
            logger.exception("a message from a peer worker could not be read; link closed")
        finally:
            self._accepted.discard(writer)
            writer.close()

    async def _deliver_from_peer(self, kind: str, target: str, message: dict) -> None:
        try:
            if kind == "g":
                await LocalChannelLayer.group_send(self, target, message)
            elif target in self.channels:  # a channel that has gone doesn't come back
                await LocalChannelLayer.send(self, target, message)
        except ChannelFull:
            logger.warning("channel %s is full; a message from a peer was dropped", target)
        except Exception:  # one bad message must not cost the ones after it
            logger.exception("a message from a peer worker to %s could not be delivered", target)

    async def _link(self, index: int) -> asyncio.StreamWriter | None:
        writer = self._links.get(index)
        if writer is not None and not writer.is_closing():
            return writer
        pending = self._connecting.get(index)
        if pending is not None:
            return await pending
        # A worker that isn't listening (starting or restarting) refuses at once: cheap to try
        # again on every message until it is back.
        pending = self._connecting[index] = asyncio.get_running_loop().create_future()
        writer = None
        try:
            reader, writer = await asyncio.open_unix_connection(self.socket_path(index))
            self._links[index] = writer
            asyncio.get_running_loop().create_task(self._watch(index, reader, writer))
        except OSError:
            pass
        finally:
            del self._connecting[index]
            pending.set_result(writer)
        return writer

    async def _watch(self, index: int, reader, writer) -> None:
        """The peer never writes back: the link's end of file means it has stopped. Forget the
        link then, so the next message goes to whichever process listens in its place."""
        with contextlib.suppress(Exception):
            await reader.read()
        writer.close()
        if self._links.get(index) is writer:
            del self._links[index]

    async def _forward(self, peers, kind: str, target: str, message: dict) -> None:
        try:
            body = msgpack.packb((kind, target, message), use_bin_type=True)
        except (TypeError, ValueError):
            logger.exception("a message to %s can't be passed to the other workers", target)
            return
        frame = len(body).to_bytes(4, "big") + body
        for index in peers:
            writer = await self._link(index)
            if writer is None:
                continue
            writer.write(frame)
            if writer.transport.get_write_buffer_size() > PEER_BACKLOG_BYTES:
                try:
                    await writer.drain()
                except ConnectionError:
                    writer.close()

    def _owner(self, channel: str) -> int:
        """The worker that made `channel` (its channel_tag is in the name)."""
        name = channel.partition("!")[0].rpartition(".")[2]
        if name.startswith("w") and name[1:].isdigit():
            return int(name[1:])
        return self.index

    async def send(self, channel: str, message: dict) -> None:
        owner = self._owner(channel)
        if owner == self.index:
            return await super().send(channel, message)
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        await self.listen()
        await self._forward((owner,), "c", channel, message)

    async def group_add(self, group: str, channel: str) -> None:
        await self.listen()
        await super().group_add(group, channel)

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        await self.listen()
        # The others first: they deliver to their sockets while this one delivers to its own.
        await self._forward(self.peers, "g", group, message)
        await super().group_send(group, message)

    async def close(self) -> None:
        for writer in self._links.values():
            writer.close()
        self._links = {}
        for writer in tuple(self._accepted):
            writer.close()
        if self._server is not None:
            self._server.close()
            self._server = None
            self._listening = None
