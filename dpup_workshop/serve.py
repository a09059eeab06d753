"""`python -m dpup_workshop.serve [daphne's arguments]`: daphne, on uvloop where it is installed.

daphne runs Twisted on an asyncio loop. Every write to a socket registers and unregisters it
with the loop; with the standard loop that is Python code per write, with uvloop it is libuv's.
In a room of a thousand that is the difference between a push that keeps up and one that lags.

Twisted parses every POST's Content-Type header with the email package, which costs more
than the Django view that answers a join; the same few values come again and again, so the
answers are remembered.
"""

from __future__ import annotations

import asyncio
import functools
import sys

try:
    import uvloop
except ImportError:  # pragma: no cover - the standard loop works, only slower
    uvloop = None

if uvloop is not None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

from daphne.cli import CommandLineInterface  # noqa: E402 - after the loop policy is set
from twisted.web import http  # noqa: E402 - after daphne has installed its reactor

# bytes in, bytes out, no side effects: safe to remember (a bounded number of values).
http._parseContentType = functools.lru_cache(maxsize=64)(http._parseContentType)


def main() -> None:
    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
