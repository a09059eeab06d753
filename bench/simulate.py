"""Simulated people for a live run: real HTTP join flow, real websocket, the documented protocol.

Used by `manage.py simulate_participants` (fill a run for a demo), the scale-out tests and
the benchmark. A simulated participant joins like a browser (join page, CSRF token, session
cookie), connects the run's websocket with that cookie, applies versions as live.js does
(asking for a snapshot when it sees a gap), reconnects by itself with jittered backoff, and
records what it saw and when.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LIVE_SLIDE = re.compile(r'id="live-slide"[^>]*>\s*<article[^>]*data-slide="(\d+)"')
SCREEN_SLIDE = re.compile(r'id="current-slide"[^>]*data-slide="(\d+)"')
# A choice button that isn't disabled: its question is open for answers.
OPEN_CHOICES = re.compile(
    r'<button[^>]*data-interaction="(\d+)" data-choice="(\d+)"(?![^>]*disabled)'
)
OPEN_PROMPT = re.compile(r'id="prompt-form-(\d+)"')
FINAL_CLOSE_CODES = {4403, 4404, 4410}
# A pushed message that arrives before the one it follows waits this long for it (as in
# live.js): with several server processes, one's push can overtake another's by a moment.
HOLD_SECONDS = 0.5
MAX_HELD = 50


def parse_meta(text: str) -> dict | None:
    """The metadata at the head of a pushed message (see broadcast.envelope), or None."""
    if not text.startswith("<!--ev "):
        return None
    return json.loads(text[7 : text.index("-->")])


def ws_url(base_url: str, code: str, view: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws/runs/{code}/?view={view}"


def backoff(attempt: int) -> float:
    """Full jitter from a quarter second, capped at 3 s: the same as live.js's."""
    return random.random() * min(3.0, 0.25 * 2**attempt)


@dataclass
class Reply:
    status: int
    cookies: dict[str, str]
    text: str


class _Connection:
    """One HTTP/1.1 connection, kept alive between requests as a browser keeps it: all a
    browser's join needs, and cheap enough that a thousand simulated people don't make the
    load generator the bottleneck."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.parts = urlsplit(base_url)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, cookies: dict, form: dict | None = None, *, last=False
    ):
        if self.writer is None:
            host, port = self.parts.hostname, self.parts.port or 80
            self.reader, self.writer = await asyncio.open_connection(host, port)
        body = urlencode(form).encode() if form is not None else b""
        headers = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.parts.netloc}",
            "User-Agent: dpup-simulated-participant",
        ]
        if last:
            headers.append("Connection: close")
        if cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        if form is not None:
            headers.append("Content-Type: application/x-www-form-urlencoded")
            headers.append(f"Content-Length: {len(body)}")
            headers.append(f"Referer: {self.base_url}{path}")
        self.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        jar, length, chunked, close = {}, None, False, last
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                jar[key] = rest.split(";", 1)[0]
            elif name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = value.lower() == "chunked"
            elif name == "connection" and value.lower() == "close":
                close = True
        if status in (204, 304) or method == "HEAD":
            content = b""
        elif chunked:
            content = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                content += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        elif length is not None:
            content = await self.reader.readexactly(length)
        else:
            content, close = await self.reader.read(), True
        if close:
            self.close()
        return Reply(status, jar, content.decode("utf-8", "replace"))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def _form_post(base_url: str, path: str, data: dict) -> dict[str, str]:
    """GET a form page, POST it back with its CSRF token on the same connection; return the
    cookies set."""
    connection = _Connection(base_url)
    try:
        page = await connection.request("GET", path, {})
        if page.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {page.status}")
        match = CSRF_INPUT.search(page.text)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}")
        cookies = dict(page.cookies)
        reply = await connection.request(
            "POST", path, cookies, {"csrfmiddlewaretoken": match.group(1), **data}, last=True
        )
    finally:
        connection.close()
    if reply.status != 302:
        raise RuntimeError(f"POST {path}: HTTP {reply.status}")
    return cookies | reply.cookies


@dataclass
class Observer:
    """Everything one simulated socket saw."""

    seen: int | None = None
    slide: int | None = None
    events: list[tuple[float, dict]] = field(default_factory=list)
    gaps: int = 0
    snapshots: int = 0
    last_snapshot_at: float = 0.0
    snapshot_text: str = ""
    errors: list[dict] = field(default_factory=list)
    acks: list[tuple[float, dict]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    keep_texts: bool = False
    last_text: str = ""
    slide_arrived: dict[int, float] = field(default_factory=dict)
    # (text, metadata) of messages that came early, by the version each one waits for
    held: dict[int, tuple[str, dict]] = field(default_factory=dict)
    held_since: float | None = None
    reordered: int = 0

    def apply(self, text: str) -> dict | None:
        """What live.js does with a message; returns its metadata (with `held` if it waits
        for an earlier one, `gap` if the socket should ask for a snapshot)."""
        meta = parse_meta(text)
        version = meta.get("v") if meta is not None else None
        if isinstance(version, int) and meta.get("t") != "snapshot" and self.seen is not None:
            prev = meta.get("prev")
            if version <= self.seen:
                return meta  # already in the snapshot we hold
            if prev != self.seen:
                if isinstance(prev, int) and prev > self.seen and len(self.held) < MAX_HELD:
                    # Another server process's push can overtake this one by a moment.
                    self.held[prev] = (text, meta)
                    self.held_since = self.held_since or time.perf_counter()
                    return dict(meta, held=True)
                self._missed()
                return dict(meta, gap=True)
        meta = self._accept(text, meta)
        while self.seen in self.held:
            self.reordered += 1
            self._accept(*self.held.pop(self.seen))
        if not self.held:
            self.held_since = None
        return meta

    def waited_too_long(self) -> bool:
        """True, and a gap counted, if a held message's predecessor hasn't come within
        HOLD_SECONDS: the socket asks for a snapshot."""
        if not self.held or time.perf_counter() - (self.held_since or 0) < HOLD_SECONDS:
            return False
        self._missed()
        return True

    def _missed(self) -> None:
        """A gap: what was held goes, and the socket asks for a snapshot."""
        self.gaps += 1
        self.held.clear()
        self.held_since = None

    def _accept(self, text: str, meta: dict | None) -> dict | None:
        now = time.perf_counter()
        self.last_text = text
        if self.keep_texts:
            self.texts.append(text)
        if meta is None:
            return None
        kind = meta.get("t")
        version = meta.get("v")
        if kind == "snapshot":
            self.snapshots += 1
            self.last_snapshot_at = now
            self.snapshot_text = text
            self.seen = version
            # Held messages the snapshot already covers go; the rest wait for their turn.
            self.held = {prev: t for prev, t in self.held.items() if prev >= (version or 0)}
        elif kind == "error":
            self.errors.append(meta)
        elif kind == "answer.saved":
            self.acks.append((now, meta))
        elif isinstance(version, int):
            self.seen = version
        match = LIVE_SLIDE.search(text) or SCREEN_SLIDE.search(text)
        if match:
            number = int(match.group(1))
            if number != self.slide:
                self.slide_arrived.setdefault(number, now)
            self.slide = number
        self.events.append((now, meta))
        return meta


class _WebSocket(asyncio.Protocol):
    """A minimal websocket client (RFC 6455) on an asyncio protocol.

    A thousand simulated browsers in one process must cost the load generator far less than
    they cost the server, or the benchmark measures the wrong side: this reads frames with a
    few slices per message instead of a coroutine hop per message.
    """

    def __init__(self, on_text: Callable[[str], None]):
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.handshake: asyncio.Future = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.upgraded = False
        self.fragments: list[bytes] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
            del self.buffer[: end + 4]
            if b" 101 " not in status:
                self.handshake.set_exception(ConnectionError(status.decode("latin-1")))
                self.transport.close()
                return
            self.upgraded = True
            self.handshake.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            opcode = first & 0x0F
            if opcode in (0x1, 0x0):
                self.fragments.append(payload)
                if first & 0x80:
                    text = b"".join(self.fragments).decode("utf-8")
                    self.fragments = []
                    self.on_text(text)
            elif opcode == 0x8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._write(0x8, payload[:2])
                self.transport.close()
            elif opcode == 0x9:
                self._write(0xA, payload)

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = bytes([0x80 | opcode, 0x80 | length])
        elif length < 65536:
            header = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
        key = int.from_bytes((mask * (length // 4 + 1))[:length], "big") if length else 0
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(length, "big") if length else b""
        self.transport.write(header + mask + masked)

    def send_text(self, text: str) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        self._write(0x1, text.encode("utf-8"))
        return True

    def close(self, code: int = 1000) -> None:
        self._write(0x8, code.to_bytes(2, "big"))
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)


async def _open_websocket(url: str, headers: dict[str, str], on_text, timeout: float):
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    transport, protocol = await asyncio.wait_for(
        loop.create_connection(lambda: _WebSocket(on_text), parts.hostname, parts.port or 80),
        timeout,
    )
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await asyncio.wait_for(protocol.handshake, timeout)
    return protocol


class Socket:
    """One simulated browser's websocket on a run, reconnecting by itself like live.js."""

    def __init__(self, base_url: str, code: str, view: str, cookies: dict[str, str]):
        self.base_url = base_url
        self.code = code
        self.view = view
        self.cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.observer = Observer()
        self.protocol: _WebSocket | None = None
        self.close_code: int | None = None
        self.on_message: Callable[[Socket, str, dict | None], None] | None = None
        self._task: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self._closing = False
        self._hold_timer: asyncio.TimerHandle | None = None
        self._syncing = False  # a snapshot was asked for and hasn't come yet

    def _sync(self) -> None:
        """Ask for a snapshot, once until it comes (as live.js does)."""
        if not self._syncing:
            self._syncing = self.send_now(action="sync")

    def _heard(self, text: str) -> None:
        meta = self.observer.apply(text)
        if meta and meta.get("t") == "snapshot":
            self._syncing = False
        if meta and meta.get("gap"):
            self._sync()
        elif meta and meta.get("held") and self._hold_timer is None:
            self._hold_timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, self._waited)
        if self.on_message is not None:
            self.on_message(self, text, meta)
        self._changed.set()

    def _waited(self) -> None:
        self._hold_timer = None
        if self.observer.waited_too_long():
            self._sync()
        elif self.observer.held:  # a later message is waiting now: give it its full time
            self._hold_timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, self._waited)

    async def _open(self, timeout: float = 60) -> None:
        # What was held waits no longer: the (re)connect's snapshot brings the whole picture.
        self.observer.held.clear()
        self.observer.held_since = None
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None
        headers = {"Cookie": self.cookie, "Origin": self.base_url.rstrip("/")}
        self.protocol = await _open_websocket(
            ws_url(self.base_url, self.code, self.view), headers, self._heard, timeout
        )

    async def connect(self, *, attempts: int = 1) -> None:
        """Open the socket (retrying with backoff) and keep it open in the background."""
        for attempt in range(attempts):
            try:
                await self._open()
                break
            except (TimeoutError, OSError, ConnectionError):
                if attempt + 1 == attempts:
                    raise
                await asyncio.sleep(backoff(attempt + 1))
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        attempt = 0
        while True:
            self.close_code = await self.protocol.closed
            self._changed.set()
            if self._closing or self.close_code in FINAL_CLOSE_CODES:
                return
            while not self._closing:
                attempt += 1
                await asyncio.sleep(backoff(attempt))
                try:
                    await self._open(timeout=10)
                    attempt = 0
                    break
                except (TimeoutError, OSError, ConnectionError):
                    continue

    def send_now(self, **message) -> bool:
        # A message lost to a closed socket is resent, if it matters, after the reconnect.
        return self.protocol is not None and self.protocol.send_text(json.dumps(message))

    async def send(self, **message) -> None:
        self.send_now(**message)

    async def wait_for(self, predicate, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate(self.observer):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self._task is not None and self._task.done()):
                return predicate(self.observer)
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return predicate(self.observer)
        return True

    def stop_reading(self) -> None:
        """Behave like a stalled phone: keep the connection, read nothing more."""
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.pause_reading()

    async def close(self) -> None:
        self._closing = True
        if self.protocol is not None:
            self.protocol.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


async def join(base_url: str, code: str, name: str = "", *, show_name: bool = False) -> Socket:
    """Join a run through its join page and return its (unconnected) socket."""
    data = {"display_name": name}
    if show_name:
        data["show_name"] = "on"
    cookies = await _form_post(base_url, f"/join/{code}/", data)
    return Socket(base_url, code, "participant", cookies)


async def team_socket(base_url: str, code: str, username: str, password: str, view="console"):
    """Log in like a browser and return a team member's (unconnected) socket."""
    cookies = await _form_post(
        base_url, "/accounts/login/", {"username": username, "password": password}
    )
    return Socket(base_url, code, view, cookies)


def open_choices(text: str) -> dict[int, list[int]]:
    """The questions open for answers in a pushed fragment, with their option numbers."""
    found: dict[int, list[int]] = {}
    for interaction, choice in OPEN_CHOICES.findall(text):
        found.setdefault(int(interaction), []).append(int(choice))
    return found


def open_prompts(text: str) -> list[int]:
    return [int(number) for number in OPEN_PROMPT.findall(text)]


class Answerer:
    """Makes a socket behave like a keen participant: it answers whatever opens."""

    LINES = [
        "Knowing why the information is needed makes a difference.",
        "I'd want to know who will see it.",
        "Being asked, not told.",
        "Clear purpose first.",
    ]

    def __init__(self, socket: Socket, *, delay: tuple[float, float] = (0.5, 4.0)):
        self.socket = socket
        self.delay = delay
        self.done: set[int] = set()
        socket.on_message = self._heard

    def _heard(self, socket: Socket, text: str, meta: dict | None) -> None:
        if meta is None or meta.get("t") in ("error", "answer.saved"):
            return
        for interaction, choices in open_choices(text).items():
            if interaction not in self.done:
                self.done.add(interaction)
                asyncio.get_running_loop().create_task(
                    self._later(
                        action="answer.choose",
                        interaction=interaction,
                        choice=random.choice(choices),
                    )  # fmt: skip
                )
        for interaction in open_prompts(text):
            if interaction not in self.done:
                self.done.add(interaction)
                asyncio.get_running_loop().create_task(
                    self._later(
                        action="answer.write",
                        interaction=interaction,
                        text=random.choice(self.LINES),
                    )  # fmt: skip
                )

    async def _later(self, **message) -> None:
        await asyncio.sleep(random.uniform(*self.delay))
        await self.socket.send(**message)
