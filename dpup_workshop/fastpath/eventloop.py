"""The event loop that serves the sockets, and running coroutines on it from worker threads.

Views, services and coalesced flushes run in worker threads; what they send to the channel
layer must run on the loop that owns the sockets. asgiref's `async_to_sync` does that, but
it runs the coroutine in a copy of the calling thread's context, which names that call's
short-lived executor. Anything the coroutine schedules on the loop (a socket write that has
to wait, a connection that resumes reading) keeps that context, and a request served from it
later fails with "CurrentThreadExecutor already quit or is broken" (asgiref #491, #526).
`call_in_loop` starts the coroutine in a fresh, empty context instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync

logger = logging.getLogger(__name__)

# Longest a worker thread waits for a coroutine it ran on the loop (a stopped loop never answers).
CALL_TIMEOUT = 30.0

_loop: asyncio.AbstractEventLoop | None = None


def serve_from(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the event loop that serves the sockets (called as requests and sockets come)."""
    global _loop
    _loop = loop


def serving_loop() -> asyncio.AbstractEventLoop | None:
    loop = _loop
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    """`loop.call_soon_threadsafe`, with the callback (and any task it makes) in a fresh context."""
    loop.call_soon_threadsafe(callback, *args, context=contextvars.Context())


def call_in_loop(function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Run `await function(*args)` on the serving loop from a worker thread; return its result.

    Without a serving loop (management commands, synchronous tests) this is `async_to_sync`.
    The coroutine must not call back into thread-sensitive `sync_to_async`: the calling
    thread (perhaps the database thread) is waiting for it. The channel layers' sends don't.

    Once the serving loop has stopped (the server is shutting down) a worker thread's call
    does nothing and returns None: the sockets are gone, and `async_to_sync` would wait
    forever for the stopped loop, keeping the process from exiting.
    """
    loop = serving_loop()
    if (
        loop is None
        and _loop is not None
        and threading.current_thread() is not threading.main_thread()
    ):
        logger.debug("not sending %s: the server is shutting down", function.__qualname__)
        return None
    if loop is None or _on_loop_thread(loop):
        return async_to_sync(function)(*args)
    coroutine = function(*args)
    try:
        # run_coroutine_threadsafe schedules in the caller's context: run it in an empty one.
        future = contextvars.Context().run(asyncio.run_coroutine_threadsafe, coroutine, loop)
    except RuntimeError:  # the loop closed since we looked: the server is shutting down
        coroutine.close()
        raise
    try:
        return future.result(timeout=CALL_TIMEOUT)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise TimeoutError(
            f"{function.__qualname__} took over {CALL_TIMEOUT}s on the event loop"
        ) from None
