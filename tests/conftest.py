from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from slides.services import deck_load

REPO = Path(__file__).resolve().parent.parent
DPUP = REPO / "content" / "decks" / "dpup-intro"


def pytest_collection_modifyitems(items):
    # Browser tests run in their own pytest call (see Makefile): mark them by folder.
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """The test database is a file, as the served one is, not SQLite's shared-cache memory
    database: there two threads' connections (a test's and a consumer's) lock whole tables and
    fail at once with "database table is locked" instead of waiting their turn, so a test that
    drives a socket while it reads would fail by chance."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database["TEST"].get("NAME"):
        database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with the production hasher costs ~0.4 s a user; tests don't need the strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _login_passes_a_request(monkeypatch):
    """django-axes (login throttling) needs the request in authenticate(); Client.login gives
    none. Give it one as the client's own requests look, as axes' docs suggest, so axes stays
    on in every test and counts these logins like real ones."""
    from django.test import RequestFactory
    from django.test.client import ClientMixin

    login = ClientMixin.login

    def login_with_request(self, **credentials):
        credentials.setdefault("request", RequestFactory(**self.defaults).post("/accounts/login/"))
        return login(self, **credentials)

    monkeypatch.setattr(ClientMixin, "login", login_with_request)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _messages_travel_through_redis(monkeypatch):
    """Every channel-layer message a test sends is one channels-redis could carry: packed and
    unpacked by its serialiser (msgpack), it comes back equal (a tuple would come back a
    list, a set or a model not at all)."""
    from channels_redis.serializers import registry

    from dpup_workshop.fastpath.layers import LocalChannelLayer

    serializer = registry.get_serializer("msgpack")

    def checked(method):
        async def send(self, name, message):
            carried = serializer.deserialize(serializer.serialize(message))
            assert carried == message, f"{message!r} comes back from Redis as {carried!r}"
            await method(self, name, message)

        return send

    monkeypatch.setattr(LocalChannelLayer, "send", checked(LocalChannelLayer.send))
    monkeypatch.setattr(LocalChannelLayer, "group_send", checked(LocalChannelLayer.group_send))


@pytest.fixture
def deck(db):
    """The bundled DPUP deck, loaded."""
    return deck_load(path=DPUP)


@pytest.fixture
def deck_copy(tmp_path) -> Path:
    """A writable copy of the bundled deck folder."""
    folder = tmp_path / "dpup-intro"
    shutil.copytree(DPUP, folder)
    return folder


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(
        username="fran", password="a-long-test-password", is_staff=True
    )


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
