"""The launcher (`python -m dpup_workshop.serve`) and the daphne internals the app relies on."""

from __future__ import annotations

import inspect
import subprocess
import sys

import autobahn.websocket.protocol
import daphne.server

from dpup_workshop.fastpath import websocket
from tests.conftest import REPO
from tests.server import Server, app_env, prepare


def test_the_launcher_serves_daphne_on_uvloop(tmp_path):
    env = app_env(SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    prepare(env)
    server = Server(env, log=tmp_path / "daphne.log")
    server.start()
    try:
        assert server.processes() == [server.pid]  # one process: the embedded configuration
        assert "Listening on TCP address" in (tmp_path / "daphne.log").read_text()
    finally:
        server.stop()


def test_the_launcher_makes_daphnes_loop_a_uvloop_one():
    """daphne builds its loop with asyncio.new_event_loop() as it starts, after the launcher
    has chosen the loop (what daphne's server module holds, in a fresh interpreter)."""
    probe = (
        "from dpup_workshop.serve import install_loop; install_loop(); "
        "import daphne.server; print(type(daphne.server.twisted_loop).__module__)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip().startswith("uvloop"), done.stderr


def test_the_direct_socket_writes_still_find_daphnes_websocket_protocol():
    """The fast consumer writes pushes straight to autobahn's transport when daphne serves it (see
    fastpath.websocket.daphne_protocol). These are the names that relies on, in the pinned versions
    (requirements.lock): if an upgrade renames one, this fails rather than the fast path
    quietly falling back to the slow one."""
    assert autobahn.websocket.protocol.WebSocketProtocol.STATE_OPEN == websocket.OPEN
    created = inspect.getsource(daphne.server.Server.create_application)
    assert "send=partial(self.handle_reply, protocol)" in created
    # The server side's handshake marks the connection open in `state`.
    server_side = inspect.getsource(autobahn.websocket.protocol.WebSocketServerProtocol)
    assert "self.state = WebSocketProtocol.STATE_OPEN" in server_side
