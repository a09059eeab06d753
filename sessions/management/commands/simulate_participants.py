from __future__ import annotations

import asyncio
import random

from django.core.management.base import BaseCommand, CommandError

from bench.simulate import Answerer, join
from sessions.models import normalise_code

NAMES = ["Aroha", "Sam", "Mere", "Tama", "Priya", "Losa", "Wiremu", "Chen", "Hana", "Ioane"]


class Command(BaseCommand):
    help = (
        "Fill a live run with simulated participants who join through the join page and answer "
        "prompts, polls and the quiz as they open (Ctrl-C to stop). Only for local servers."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the run's join code, e.g. ABC-DEF-GHJ")
        parser.add_argument("--n", type=int, default=20, help="how many participants (1-2000)")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the app runs")
        parser.add_argument("--seconds", type=float, default=0, help="stop after this long")

    def handle(self, *args, code: str, n: int, url: str, seconds: float, **options):
        if not 1 <= n <= 2000:
            raise CommandError("--n must be between 1 and 2000.")
        host = url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if host not in {"127.0.0.1", "localhost", "::1", "[::1]"}:
            raise CommandError("Simulated participants only ever target this machine.")
        try:
            asyncio.run(self._simulate(url, normalise_code(code), n, seconds))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    async def _simulate(self, url: str, code: str, n: int, seconds: float) -> None:
        async def one(i: int):
            name = f"{random.choice(NAMES)} (sim {i + 1})" if i % 3 else ""
            socket = await join(url, code, name, show_name=bool(name) and i % 2 == 0)
            Answerer(socket)
            await socket.connect(attempts=5)
            return socket

        results = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
        sockets = [r for r in results if not isinstance(r, Exception)]
        failed = [r for r in results if isinstance(r, Exception)]
        self.stdout.write(f"{len(sockets)} simulated participants joined {code}.")
        if failed:
            self.stderr.write(f"{len(failed)} could not join: {failed[0]}")
        try:
            if seconds:
                await asyncio.sleep(seconds)
            else:
                await asyncio.Event().wait()
        finally:
            await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
