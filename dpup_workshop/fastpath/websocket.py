"""A Channels websocket consumer without the per-message costs a big room can't afford.

Channels' AsyncConsumer waits on the socket and the channel layer together with asyncio.wait,
making new tasks and futures for every message, and hops to a thread before each handler to
close stale database connections; in a room of a thousand, that was the biggest cost of a
push. FastWebsocketConsumer instead

- runs one loop per source (the socket, the channel layer), each awaiting the next message;
- hands pushes (messages of type `layers.DIRECT`) straight to the socket, and, where the
  channel layer can (LocalChannelLayer.attach), has the layer call the socket itself, with
  the websocket frame built once for the whole room;
- under daphne, writes text frames straight to the connection's transport;
- gives each socket a token bucket (`take_token`) for its inbound messages, and takes each
  one apart before the subclass sees it: JSON text within `max_message_bytes`, valid Unicode,
  with an "action"; anything else is refused (`refuse`) and the socket stays open, as it
  does when the subclass's `act` fails (logged once, by action name, without the payload).

Database connections are not closed per message: they are kept (CONN_MAX_AGE) and checked
where they are used, in the database thread (database_sync_to_async).

The direct writes rely on how daphne and autobahn are built (tests/test_serve.py checks the
names, in the versions requirements.lock pins). Anywhere else (Channels' test communicator,
another server) everything goes the standard ASGI way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import traceback

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from dpup_workshop.fastpath import eventloop
from dpup_workshop.fastpath.layers import DIRECT, text_frame
from dpup_workshop.text import InvalidText, json_is_valid_unicode

logger = logging.getLogger(__name__)

OPEN = 3  # autobahn's WebSocketProtocol.STATE_OPEN


def daphne_protocol(send):
    """daphne's websocket protocol behind an ASGI `send`, if that is what serves us.

    daphne passes each connection `partial(server.handle_reply, protocol)`; the protocol is
    an autobahn WebSocketServerProtocol with a Twisted transport. Anything else: None.
    """
    if isinstance(send, functools.partial) and send.args:
        protocol = send.args[0]
        if hasattr(protocol, "transport") and hasattr(protocol, "state"):
            return protocol
    return None


class FastWebsocketConsumer(AsyncWebsocketConsumer):
    """AsyncWebsocketConsumer, fast on the paths a big room takes. Subclasses write connect,
    disconnect and the channel-layer handlers as usual, `act(action, payload)` for each inbound
    message and `refuse(code, message, action)` to answer one that can't be taken;
    `stopped()` runs as the socket goes."""

    burst = 20  # inbound messages a socket may send at once...
    refill = 5.0  # ...and per second after that
    max_message_bytes = 64 * 1024

    async def __call__(self, scope, receive, send) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.base_send = send
        self._wire = daphne_protocol(send)
        self.tokens, self.refilled = float(self.burst), time.monotonic()
        eventloop.serve_from(asyncio.get_running_loop())
        attach = getattr(self.channel_layer, "attach", None)
        if attach is not None:
            attach(self.channel_name, self._deliver)
        pushes = asyncio.create_task(self._pushes())
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            if attach is not None:
                self.channel_layer.detach(self.channel_name)
            self.stopped()
            pushes.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopConsumer):
                await pushes

    def stopped(self) -> None:
        """The socket has gone (after disconnect): stop what the subclass started."""

    def listening(self) -> bool:
        """Whether inbound messages are taken now (e.g. not before connect has accepted)."""
        return True

    async def act(self, action: str, payload: dict) -> None:
        raise NotImplementedError

    async def refuse(self, code: str, message: str, action: str | None = None) -> None:
        raise NotImplementedError

    def action_label(self, action: str) -> str:
        """How the log names an action that failed: a name the sender made up is not logged."""
        return "(unknown)"

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if not self.listening():
            return
        if text_data is None:
            await self.refuse("bad_message", "Send JSON text, not binary.")
            return
        if len(text_data.encode("utf-8", "surrogatepass")) > self.max_message_bytes:
            limit = self.max_message_bytes
            await self.refuse("too_large", f"That message is too large (over {limit} bytes).")
            return
        if not self.take_token():
            await self.refuse("rate_limited", "Too many messages: slow down a little.")
            return
        try:
            payload = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.refuse("bad_message", "That message is not valid JSON.")
            return
        if not json_is_valid_unicode(payload):
            await self.refuse("invalid", InvalidText.message)
            return
        action = payload.get("action") if isinstance(payload, dict) else None
        if not isinstance(action, str):
            await self.refuse("bad_message", "A message needs an 'action'.")
            return
        try:
            await self.act(action, payload)
        except Exception as exc:
            # A bug, not the sender's doing: say so to this socket, keep it, log it once by
            # action name and where it happened (the payload, and the exception's message,
            # which may quote it, stay out of the log).
            logger.error(
                "Action %s failed: %s\n%s",
                self.action_label(action),
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
            )
            message = "That didn't work because of a problem on our side. Please try again."
            await self.refuse("server_error", message, action[:60])

    async def send_text(self, text: str) -> None:
        """Send one text message, framed here and written straight out under daphne."""
        protocol = self._wire
        if protocol is not None and protocol.state == OPEN:
            protocol.transport.write(text_frame(text))
            return
        await self.base_send({"type": "websocket.send", "text": text})

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        if text_data is not None and bytes_data is None and not close:
            await self.send_text(text_data)
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def _deliver(self, message: dict) -> None:
        """A push from the channel layer, straight to the socket: under daphne, the bytes the
        layer framed once for the whole room are written as they are."""
        frame = message.get("frame")
        protocol = self._wire
        if frame is not None and protocol is not None and protocol.state == OPEN:
            protocol.transport.write(frame)
            return
        await self.base_send({"type": "websocket.send", "text": message["text"]})

    async def _pushes(self) -> None:
        """Messages from the channel layer; one that fails is logged, the next still comes."""
        while True:
            message = await self.channel_layer.receive(self.channel_name)
            try:
                await self.dispatch(message)
            except (StopConsumer, asyncio.CancelledError):
                raise
            except Exception:
                logger.exception("handling %s failed", message.get("type"))

    async def dispatch(self, message) -> None:
        # A push goes straight to the socket, with no hop to a thread first.
        if message["type"] == DIRECT:
            await self.base_send({"type": "websocket.send", "text": message["text"]})
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def take_token(self) -> bool:
        """One inbound message's token, if the socket has one left (burst, then refill/s)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.refill)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
