"""`python -m dpup_workshop.serve [daphne's arguments]`: daphne, on uvloop where it is installed.

daphne runs Twisted on an asyncio loop. Every write to a socket registers and unregisters it
with the loop; with the standard loop that is Python code per write, with uvloop it is libuv's.
In a room of a thousand that is the difference between a push that keeps up and one that lags.
This only chooses the loop (a public asyncio API) and then runs daphne's own command line.
"""

from __future__ import annotations

import asyncio
import sys


def install_loop() -> None:
    """New event loops are uvloop's, where it is installed (daphne makes its loop after this)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - the standard loop works, only slower
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    install_loop()
    from daphne.cli import CommandLineInterface  # daphne makes its loop from the policy

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
