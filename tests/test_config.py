"""Configuration comes from the environment; each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.conftest import REPO

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], "
    "'cache': settings.CACHES['default']['BACKEND'], 'debug': settings.DEBUG}))"
)
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
# A proper production key: what `python -c "import secrets; print(secrets.token_urlsafe(50))"`
# prints (67 characters).
GOOD_KEY = "T0QhJ3rL8vN2xW5bY7cD9eF1gH4jK6mP8qR0sU2wZ4aB6dE8fG0hJ2kL4nM6pQ8rS0t"
REDIS = "redis://127.0.0.1:6379/0"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean |= {"DJANGO_SETTINGS_MODULE": "dpup_workshop.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=clean, capture_output=True, text=True
    )


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        f"execute_from_command_line(['manage.py', *{list(args)!r}])",
        **env,
    )


def test_embedded_default():
    result = run_python(PROBE)
    assert json.loads(result.stdout) == {
        "db": "django.db.backends.sqlite3",
        "layer": "dpup_workshop.fastpath.layers.LocalChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "debug": True,
    }


def test_embedded_sqlite_is_in_wal_mode_and_writers_wait_their_turn(tmp_path):
    """Django's own SQLite options: WAL (readers carry on while one writer commits), and
    BEGIN IMMEDIATE with a timeout (concurrent writers wait instead of failing)."""
    probe = (
        "import django; django.setup(); from django.db import connection; "
        "connection.ensure_connection(); "
        "print(connection.cursor().execute('PRAGMA journal_mode').fetchone()[0], "
        "connection.cursor().execute('PRAGMA busy_timeout').fetchone()[0], "
        "connection.transaction_mode)"
    )
    result = run_python(probe, SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"], result.stderr


def test_behind_the_tls_proxy_a_request_is_https_when_the_proxy_says_so_in_any_mode():
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECURE_PROXY_SSL_HEADER)"
    )
    assert run_python(probe, BEHIND_TLS_PROXY="true").stdout.strip() == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    assert run_python(probe).stdout.strip() == "None"


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up_with_a_clear_message():
    probe = "import django; django.setup()"
    result = run_python(probe, BEHIND_TLS_PROXY="true", TRUSTED_PROXIES="10.0.0.1, nginx")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx' does not appear to be an IPv4 or IPv6 network" in (
        result.stderr
    )


def test_scale_out_from_environment():
    result = run_python(PROBE, DATABASE_URL=POSTGRES, REDIS_URL=REDIS)
    assert json.loads(result.stdout) == {
        "db": "django.db.backends.postgresql",
        "layer": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "debug": True,
    }


def test_healthz_against_postgres_and_redis():
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code); print(r.content.decode())"
    )
    result = run_python(code, DATABASE_URL=POSTGRES, REDIS_URL=REDIS)
    status, body = result.stdout.strip().split("\n", 1)
    health = json.loads(body)
    assert status == "200", result.stderr
    assert health["database"]["vendor"] == "postgresql" and health["database"]["ok"]
    assert health["channel_layer"]["backend"].endswith("RedisPubSubChannelLayer")
    assert health["channel_layer"]["ok"]


def test_healthz_reports_a_dead_redis():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.json()['channel_layer']['ok'])"
    )
    result = run_python(code, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.stdout.split() == ["503", "False"], result.stderr


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY and ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "workshop.example.org"}, "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_secrets(env, missing):
    result = run_manage("check", DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert f"needs {missing} set in the environment" in result.stderr


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x", "is 1 character long"),
        ("k3#" + "a9Zq" * 10, "is 43 characters long"),
        ("ab" * 30, "has only 2 different characters"),
        ("django-insecure-development-key-do-not-use-in-production", "is the development key"),
        ("django-insecure-" + GOOD_KEY, 'starts with "django-insecure"'),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret_key(key, reason):
    result = run_manage(
        "check", DJANGO_ENV="production", SECRET_KEY=key, ALLOWED_HOSTS="workshop.example.org"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"SECRET_KEY {reason}" in result.stderr
    assert "at least 50 characters" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(50))"' in result.stderr
    if len(key) > 8:
        assert key not in result.stderr  # the message never repeats the key


def test_production_passes_deploy_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="workshop.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", result.stdout
    assert "WARNING" not in result.stderr and "W0" not in result.stderr, result.stderr


def test_healthz_embedded(client, db):
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["database"] == health["database"] | {"ok": True, "vendor": "sqlite"}
    assert health["channel_layer"]["ok"] is True


def test_no_pending_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_sessions_app_label_does_not_clash():
    from django.apps import apps

    assert apps.get_app_config("runs").name == "sessions"
    assert apps.get_app_config("sessions").name == "django.contrib.sessions"
