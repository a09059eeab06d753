"""`python -m dpup_workshop.serve [--workers N] [daphne's arguments]`: daphne, on uvloop where
it is installed, in N worker processes that share the port.

Workers: one Python process uses one core. With `--workers N` (default: `WEB_CONCURRENCY`, or
the machine's cores up to 4) this process starts N daphne processes with the same arguments
and looks after them: each listens on the port with SO_REUSEPORT, so the kernel spreads new
connections over them, and a worker that dies is started again. Without REDIS_URL the workers
pass group messages to each other over Unix sockets (layers.PeerChannelLayer); with it, Redis
carries them as it does between machines. SIGTERM or SIGINT stops them all.

daphne runs Twisted on an asyncio loop. Every write to a socket registers and unregisters it
with the loop; with the standard loop that is Python code per write, with uvloop it is libuv's.
In a room of a thousand that is the difference between a push that keeps up and one that lags.

Twisted parses every POST's Content-Type header with the email package, which costs more
than the Django view that answers a join; the same few values come again and again, so the
answers are remembered. autobahn pretty-prints every new websocket's settings for a debug log
line, written or not; here the printing waits until the line is written.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import os
import pathlib
import pprint
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

MAX_DEFAULT_WORKERS = 4
STOP_TIMEOUT = 10.0  # seconds the workers get to close their sockets before they are killed
CRASH_WINDOW = 5.0  # a worker that dies this soon after starting, twice running, stops the server


def default_workers() -> int:
    if os.environ.get("WEB_CONCURRENCY"):
        return int(os.environ["WEB_CONCURRENCY"])
    if not hasattr(socket, "SO_REUSEPORT"):  # pragma: no cover - workers can't share a port
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def _die_with(supervisor: int):
    def die_with_parent() -> None:
        """In a worker, just before it starts: be stopped if the supervisor is killed outright."""
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != supervisor:  # it died before the line above: nobody would tell us
            os._exit(1)

    return die_with_parent


PEER_DIR_PREFIX = "dpup-workers-"


def _sweep_peer_dirs() -> None:
    """Remove the peer directories of supervisors that were killed outright (SIGKILL leaves
    no chance to clean up). Each directory's name carries its supervisor's process id; one
    goes only if that process is gone here and none of its sockets answers (a supervisor in
    another container sharing /tmp has a process id this one can't see)."""
    temp = pathlib.Path(tempfile.gettempdir())
    for folder in temp.glob(f"{PEER_DIR_PREFIX}*-*"):
        pid = folder.name.removeprefix(PEER_DIR_PREFIX).split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            if not any(_answers(path) for path in folder.glob("*.sock")):
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # someone else's live process, or another supervisor swept it first
            continue


def _answers(path: pathlib.Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


class Supervisor:
    """Start `count` workers running daphne with `arguments`; keep them running until stopped."""

    def __init__(self, count: int, arguments: list[str]):
        self.count = count
        self.arguments = arguments
        _sweep_peer_dirs()
        self.peer_dir = tempfile.mkdtemp(prefix=f"{PEER_DIR_PREFIX}{os.getpid()}-")
        self.workers: dict[int, subprocess.Popen] = {}
        self.started_at: dict[int, float] = {}
        self.quick_deaths: dict[int, int] = {}
        self.stopping = False

    def spawn(self, index: int) -> None:
        env = os.environ | {
            "DPUP_WORKER": str(index),
            "DPUP_WORKERS": str(self.count),
            "DPUP_PEER_DIR": self.peer_dir,
        }
        self.workers[index] = subprocess.Popen(
            [sys.executable, "-m", "dpup_workshop.serve", "--workers", "1", *self.arguments],
            env=env,
            preexec_fn=_die_with(os.getpid()),  # the supervisor runs no threads: safe here
        )
        self.started_at[index] = time.monotonic()

    def stop(self, signum=None, frame=None) -> None:
        self.stopping = True
        for worker in self.workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        try:
            for index in range(self.count):
                self.spawn(index)
            while not self.stopping:
                time.sleep(0.2)
                for index, worker in list(self.workers.items()):
                    if worker.poll() is None or self.stopping:
                        continue
                    quick = time.monotonic() - self.started_at[index] < CRASH_WINDOW
                    self.quick_deaths[index] = self.quick_deaths.get(index, 0) + 1 if quick else 0
                    if self.quick_deaths[index] >= 2:
                        print(
                            f"error: worker {index} keeps exiting (code {worker.returncode}) "
                            "just after it starts; stopping.",
                            file=sys.stderr,
                        )
                        self.stop()
                        return 1
                    print(
                        f"worker {index} exited with code {worker.returncode}; starting it again",
                        file=sys.stderr,
                    )
                    self.spawn(index)
            return 0
        finally:
            self.stop()
            deadline = time.monotonic() + STOP_TIMEOUT
            for worker in self.workers.values():
                try:
                    worker.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    print(
                        f"worker {worker.pid} did not stop within {STOP_TIMEOUT:.0f}s; killed",
                        file=sys.stderr,
                    )
                    worker.kill()
                    worker.wait()
            shutil.rmtree(self.peer_dir, ignore_errors=True)


def _share_port() -> None:
    """Let every worker listen on the same port (SO_REUSEPORT): the kernel balances them."""
    from twisted.internet import tcp

    create = tcp.Port.createInternetSocket

    def create_shared(self):
        sock = create(self)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        return sock

    tcp.Port.createInternetSocket = create_shared


class _Pretty:
    """`pprint.pformat(value)`, worked out only when a log line is written with it."""

    def __init__(self, value) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return format(pprint.pformat(self.value), spec)

    def __str__(self) -> str:
        return pprint.pformat(self.value)


def _lazy_debug_lines() -> None:
    from autobahn.websocket import protocol

    protocol.pformat = _Pretty  # used only in debug log lines, and by Timings below
    protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)


def run_daphne(arguments: list[str]) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - the standard loop works, only slower
        uvloop = None
    if uvloop is not None:
        import asyncio

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    from daphne.cli import CommandLineInterface  # after the loop policy is set
    from twisted.web import http  # after daphne has installed its reactor

    # bytes in, bytes out, no side effects: safe to remember (a bounded number of values).
    http._parseContentType = functools.lru_cache(maxsize=64)(http._parseContentType)
    _lazy_debug_lines()
    if int(os.environ.get("DPUP_WORKERS", "1")) > 1:
        _share_port()
        from twisted.internet import reactor

        # callWhenRunning fires before the asyncio loop runs; a moment later it does.
        reactor.callWhenRunning(reactor.callLater, 0, _listen_for_peers)
    CommandLineInterface().run(arguments)


def _listen_for_peers() -> None:
    """As the worker starts serving: listen for the other workers' messages (the channel
    layer's, when it passes them between workers)."""
    import asyncio

    from channels.layers import get_channel_layer

    from dpup_workshop import eventloop

    loop = asyncio.get_running_loop()
    eventloop.serve_from(loop)
    listen = getattr(get_channel_layer(), "listen", None)
    if listen is not None:
        loop.create_task(listen())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workers", type=int, default=None)
    options, arguments = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    workers = default_workers() if options.workers is None else options.workers
    if workers < 1:
        print("error: --workers must be 1 or more", file=sys.stderr)
        return 2
    if workers == 1:
        sys.argv[0] = "daphne"
        run_daphne(arguments)
        return 0
    return Supervisor(workers, arguments).run()


if __name__ == "__main__":
    sys.exit(main())
