from __future__ import annotations

import secrets

import psycopg
import pytest

from tests.server import SupervisedServer, app_env, create_run, prepare

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
FACILITATOR = ("scale-facilitator", "scale-password-123")


def pytest_collection_modifyitems(items):
    for item in items:
        if "scaleout" in item.path.parts:
            item.add_marker(pytest.mark.scaleout)


@pytest.fixture(scope="module")
def scaleout_env(tmp_path_factory):
    """A fresh PostgreSQL database and Redis prefix, migrated, with the deck and a facilitator."""
    name = f"dpup_scaleout_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = app_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}",
        REDIS_URL=REDIS,
        REDIS_PREFIX=f"test-{name}",
        JOIN_ROOM_RATE_LIMIT="100000",
    )
    try:
        prepare(env, FACILITATOR)
        yield env, tmp_path_factory.mktemp("scaleout")
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def supervised(scaleout_env):
    """The shipped supervisord config: two daphne processes on one port."""
    env, folder = scaleout_env
    server = SupervisedServer(env, log=folder / "supervisord.log", count=2)
    server.start(timeout=60)
    yield server
    server.stop()


def new_run(env, *options: str) -> str:
    """A run of the DPUP deck facilitated by the scale-out account; its code without dashes."""
    return create_run(env, FACILITATOR[0], *options)
