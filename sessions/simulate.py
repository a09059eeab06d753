"""Simulated people for a live run: real HTTP join flow, real websocket, the documented protocol.

Used by `manage.py simulate_participants` (fill a run for a demo), the scale-out tests and
the benchmark. A simulated participant joins like a browser (join page, CSRF token, session
cookie), connects the run's websocket with that cookie, applies versions as live.js does
(asking for a snapshot when it sees a gap) and records what it saw and when.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import websockets

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LIVE_SLIDE = re.compile(r'id="live-slide"[^>]*>\s*<article[^>]*data-slide="(\d+)"')
SCREEN_SLIDE = re.compile(r'id="current-slide"[^>]*data-slide="(\d+)"')


def parse_meta(text: str) -> dict | None:
    if not text.startswith("<!--ev "):
        return None
    return json.loads(text[7 : text.index("-->")])


def ws_url(base_url: str, code: str, view: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws/runs/{code}/?view={view}"


async def _form_post(client: httpx.AsyncClient, url: str, data: dict) -> httpx.Response:
    page = await client.get(url)
    page.raise_for_status()
    match = CSRF_INPUT.search(page.text)
    if match is None:
        raise RuntimeError(f"no CSRF token on {url}")
    return await client.post(url, data={"csrfmiddlewaretoken": match.group(1), **data})


@dataclass
class Observer:
    """Everything one simulated socket saw."""

    seen: int | None = None
    slide: int | None = None
    events: list[tuple[float, dict]] = field(default_factory=list)
    gaps: int = 0
    stale: int = 0
    snapshots: int = 0
    errors: list[dict] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    keep_texts: bool = False
    arrived: dict[int, float] = field(default_factory=dict)

    def apply(self, text: str) -> dict | None:
        """What live.js does with a message; returns its metadata."""
        now = time.perf_counter()
        meta = parse_meta(text)
        if self.keep_texts:
            self.texts.append(text)
        if meta is None:
            return None
        kind = meta.get("t")
        version = meta.get("v")
        if kind == "snapshot":
            self.snapshots += 1
            self.seen = version
        elif kind == "error":
            self.errors.append(meta)
        elif isinstance(version, int):
            if self.seen is not None and version <= self.seen:
                self.stale += 1
                return meta
            if self.seen is not None and meta.get("prev") != self.seen:
                self.gaps += 1
                meta = dict(meta, gap=True)
                return meta
            self.seen = version
            self.arrived[version] = now
        match = LIVE_SLIDE.search(text) or SCREEN_SLIDE.search(text)
        if match:
            self.slide = int(match.group(1))
        self.events.append((now, meta))
        return meta


class Socket:
    """One simulated browser's websocket on a run."""

    def __init__(self, base_url: str, code: str, view: str, cookies: httpx.Cookies):
        self.base_url = base_url
        self.code = code
        self.view = view
        self.cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.observer = Observer()
        self.ws = None
        self.close_code: int | None = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()

    async def connect(self, *, attempts: int = 1, delay: float = 0.2) -> None:
        origin = self.base_url.rstrip("/")
        for attempt in range(attempts):
            try:
                self.ws = await websockets.connect(
                    ws_url(self.base_url, self.code, self.view),
                    additional_headers={"Cookie": self.cookie, "Origin": origin},
                    max_size=2**22,
                    open_timeout=30,
                    ping_interval=None,
                )
                break
            except (TimeoutError, OSError, websockets.InvalidHandshake):
                if attempt + 1 == attempts:
                    raise
                await asyncio.sleep(delay * (1 + attempt))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                meta = self.observer.apply(text)
                if meta and meta.get("gap"):
                    await self.send(action="sync")
                self._changed.set()
        except websockets.ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
        finally:
            self._changed.set()

    async def send(self, **message) -> None:
        await self.ws.send(json.dumps(message))

    async def wait_for(self, predicate, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate(self.observer):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self._reader is not None and self._reader.done()):
                return predicate(self.observer)
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return predicate(self.observer)
        return True

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    @property
    def open(self) -> bool:
        return self._reader is not None and not self._reader.done()


async def join(base_url: str, code: str, name: str = "", *, show_name: bool = False) -> Socket:
    """Join a run through its join page and return its (unconnected) socket."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        data = {"display_name": name}
        if show_name:
            data["show_name"] = "on"
        response = await _form_post(client, f"/join/{code}/", data)
        if response.status_code != 302:
            raise RuntimeError(f"join failed: HTTP {response.status_code}")
        return Socket(base_url, code, "participant", client.cookies)


async def team_socket(base_url: str, code: str, username: str, password: str, view="console"):
    """Log in like a browser and return a team member's (unconnected) socket."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        response = await _form_post(
            client, "/accounts/login/", {"username": username, "password": password}
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {username}: HTTP {response.status_code}")
        return Socket(base_url, code, view, client.cookies)
