"""The floor: a bare `websockets` broadcast server, the least any server could do.

Started by the benchmark as `python -m bench.floor PORT`. Clients connect to `/`; whatever
arrives on `/control` is sent to every client at once with `websockets.broadcast`.
"""

from __future__ import annotations

import asyncio
import sys

import websockets

clients: set = set()


async def handler(websocket) -> None:
    if websocket.request.path == "/control":
        async for message in websocket:
            websockets.broadcast(clients, message)
        return
    clients.add(websocket)
    try:
        await websocket.wait_closed()
    finally:
        clients.discard(websocket)


async def main(port: int) -> None:
    async with websockets.serve(
        handler, "127.0.0.1", port, ping_interval=None, max_size=2**22, backlog=4096
    ):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
