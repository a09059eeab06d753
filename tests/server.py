"""The app served by daphne in a subprocess, for browser and scale-out tests.

pytest-django's live_server is WSGI-only and has no websockets, so tests that need a real
server start daphne (see bench/servers.py), on a free port, against their own database.
"""

from bench.servers import (
    DPUP,
    Server,
    SupervisedServer,
    app_env,
    create_run,
    free_port,
    manage,
    prepare,
)

__all__ = [
    "DPUP",
    "Server",
    "SupervisedServer",
    "app_env",
    "create_run",
    "free_port",
    "manage",
    "prepare",
]
