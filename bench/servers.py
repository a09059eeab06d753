"""Run the app the way users run it (daphne), in subprocesses, for the benchmark and the tests."""

from __future__ import annotations

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


class Server:
    """One daphne process; stop() and start() again keep the port and the database."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None):
        self.env = env
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout: float = 30) -> None:
        log = self.log.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dpup_workshop.serve",
                # A deep listen backlog: a thousand people joining at once aren't turned away.
                "-e",
                f"tcp:port={self.port}:interface=127.0.0.1:backlog=4096",
                # In a storm a handshake may queue behind others for more than daphne's 5 s.
                "--websocket_connect_timeout",
                "60",
                "dpup_workshop.asgi:application",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"daphne did not answer in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self, *, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def usage(self) -> dict:
        """CPU seconds used and peak and current resident memory, from /proc."""
        if self.pid is None:
            return {}
        status = Path(f"/proc/{self.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        stat = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return {
            "cpu_s": (int(stat[11]) + int(stat[12])) / ticks,
            "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
            "peak_rss_mb": int(fields["VmHWM"].split()[0]) / 1024,
        }
