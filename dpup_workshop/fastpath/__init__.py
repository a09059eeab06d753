"""The fast path: what keeps a room of a thousand close to what a bare websocket server does.

Each piece is kept here, apart from the app, because the benchmark showed it is needed
(README, Benchmark) and each is small enough to read whole:

- `websocket.py`: a Channels websocket consumer without Channels' per-message costs (its own
  receive loops, pushes written straight to daphne's socket, a token bucket per socket);
- `layers.py`: the in-process channel layer, O(N) per push to a group of N, framing a push
  once for the whole room;
- `http.py`: Django's WSGI handler behind ASGI in one hop to a worker thread;
- `eventloop.py`: running a coroutine on the sockets' loop from a worker thread.

Nothing here knows about runs, slides or participants.
"""
