"""Run the app the way users run it (daphne), in subprocesses, for the benchmark and the tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DPUP = REPO / "content" / "decks" / "dpup-intro"
SUPERVISORD_CONF = REPO / "deploy" / "supervisord.conf"
# Debian's Chromium, as the browser tests and the screenshots drive it: without the
# background-networking flags it keeps trying hosts this network refuses.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**extra: str) -> dict[str, str]:
    """This process's environment without the scale-out variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return (
        env | {"DJANGO_SETTINGS_MODULE": "dpup_workshop.settings", "PYTHONUNBUFFERED": "1"} | extra
    )


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str], *accounts: tuple[str, str]) -> None:
    """A database ready to serve: migrated, the DPUP deck loaded, these (username, password)
    facilitator accounts in place."""
    manage("migrate", "--no-input", env=env)
    manage("load_deck", str(DPUP), env=env)
    for username, password in accounts:
        manage("ensure_demo_facilitator", "--username", username, "--password", password, env=env)


def create_run(env: dict[str, str], facilitator: str, *options: str) -> str:
    """A run of the DPUP deck made with `create_run`; returns its join code (no dashes)."""
    out = manage(
        "create_run", "--deck", "dpup-intro", "--facilitator", facilitator, *options, env=env
    )
    line = next(line for line in out.splitlines() if line.startswith("Join code"))
    return line.split(": ")[1].replace("-", "")


def _alive(pid: int) -> bool:
    """Whether `pid` is still running (not gone, and not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Server:
    """One daphne process, as `make run` serves (the embedded configuration, or one of several
    behind a proxy); stop() and start() again keep the port and the database."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        port: int | None = None,
        application: str = "dpup_workshop.asgi:application",
    ):
        self.env = env
        self.application = application
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "dpup_workshop.serve",
            # A deep listen backlog: a thousand people joining at once aren't turned away.
            "-e",
            f"tcp:port={self.port}:interface=127.0.0.1:backlog=4096",
            # In a storm a handshake may queue behind others for more than daphne's 5 s.
            "--websocket_connect_timeout",
            "60",
            self.application,
        ]

    def start(self, timeout: float = 30) -> None:
        log = self.log.open("a")
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends its children too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log.read_text()[-3000:]}")
            if self._ready():
                return
            time.sleep(0.05)
        raise RuntimeError(
            f"the server did not answer in {timeout}s:\n{self.log.read_text()[-3000:]}"
        )

    def _ready(self) -> bool:
        return self._healthy()

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server and its children (SIGTERM, or SIGKILL with `kill`), and wait until
        none is left listening: a restart on the same port must not share it with them."""
        if self.process and self.process.poll() is None:
            workers = self.processes()[1:]
            self._signal_group(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
            deadline = time.monotonic() + 10
            while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.02)
            for pid in workers:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
        self.process = None

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def restart(self) -> None:
        self.stop()
        self.start()

    def processes(self) -> list[int]:
        """The server's process and all its descendants."""
        if self.pid is None:
            return []
        pids, found = [self.pid], 0
        while found < len(pids):
            pid, found = pids[found], found + 1
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    pids += [int(child) for child in task.read_text().split()]
        return pids

    def usage(self) -> dict:
        """CPU seconds used and peak and current resident memory of the server's processes
        (summed over them), from /proc."""
        if self.pid is None:
            return {}
        totals = {"cpu_s": 0.0, "rss_mb": 0.0, "peak_rss_mb": 0.0}
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in self.processes():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it exited as we looked
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            totals["cpu_s"] += (int(stat[11]) + int(stat[12])) / ticks
            totals["rss_mb"] += int(fields["VmRSS"].split()[0]) / 1024
            totals["peak_rss_mb"] += int(fields["VmHWM"].split()[0]) / 1024
        return totals


class SupervisedServer(Server):
    """The shipped scale-out: supervisord with deploy/supervisord.conf, `count` daphne processes
    sharing one listening socket (the kernel gives each new connection to one of them)."""

    def __init__(self, env: dict[str, str], log: Path, *, count: int = 2, port: int | None = None):
        super().__init__(env, log, port)
        self.count = count
        self.run_dir = log.parent / f"supervisor-{self.port}"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.env = env | {
            "DPUP_BIND": f"127.0.0.1:{self.port}",
            "DPUP_PROCESSES": str(count),
            "DPUP_RUN_DIR": str(self.run_dir),
        }

    def command(self) -> list[str]:
        return [str(REPO / ".venv" / "bin" / "supervisord"), "-c", str(SUPERVISORD_CONF)]

    def _ready(self) -> bool:
        """Every process answers on the shared port (each asked alone, the others paused)."""
        daphnes = self.daphnes()
        return len(daphnes) == self.count and all(self.answers(pid) for pid in daphnes)

    def daphnes(self) -> list[int]:
        """The daphne processes supervisord runs now, oldest first."""
        return self.processes()[1:]

    def answers(self, pid: int) -> bool:
        with self.only(pid):
            return self._healthy()

    @contextlib.contextmanager
    def only(self, pid: int):
        """While inside, only `pid` takes new connections: the others are paused (SIGSTOP),
        so the shared socket's queue is served by `pid` alone."""
        others = [other for other in self.daphnes() if other != pid]
        for other in others:
            with contextlib.suppress(ProcessLookupError):
                os.kill(other, signal.SIGSTOP)
        try:
            yield
        finally:
            for other in others:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(other, signal.SIGCONT)

    def serving(self, client_port: int) -> int | None:
        """Which process holds the server's end of the connection from 127.0.0.1:`client_port`."""
        local, remote = f"0100007F:{self.port:04X}", f"0100007F:{client_port:04X}"
        inode = None
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == local and fields[2] == remote:
                inode = fields[9]
        if inode is None:
            return None
        for pid in self.daphnes():
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
        return None

    def wait_for_daphnes(self, timeout: float = 30) -> list[int]:
        """Until `count` processes run again and each answers (after one was killed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready():
                return self.daphnes()
            time.sleep(0.1)
        raise RuntimeError(
            f"supervisord did not restart its processes:\n{self.log.read_text()[-3000:]}"
        )
