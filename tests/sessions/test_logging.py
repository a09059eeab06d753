"""What the server's log says about refused requests and real errors."""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import pytest
from django.urls import path

from dpup_workshop.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("the database went away")


# A page that fails for real, beside the site's own.
urlpatterns = [path("broken/", broken), *site_urlpatterns]


@contextmanager
def console_output():
    """What the configured console handlers print, as the terminal would show it."""
    found, seen = [], set()
    logger = logging.getLogger("django.request")
    while logger is not None:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and id(handler) not in seen:
                seen.add(id(handler))
                found.append(handler)
        logger = logger.parent if logger.propagate else None
    buffer = io.StringIO()
    old = [handler.setStream(buffer) for handler in found]
    try:
        yield buffer
    finally:
        for handler, stream in zip(found, old, strict=True):
            handler.setStream(stream)


def test_a_refused_page_is_one_line_without_a_traceback(client, run, users, caplog):
    client.force_login(users["outsider"])
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get(f"/runs/{run.code}/console/").status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == (
        f"GET /runs/{run.code}/console/ 403: "
        "Only the facilitator, the host or a presenter can open this page."
    )


def test_a_refused_form_post_is_one_line(client, run, caplog):
    client.handler.enforce_csrf_checks = True
    with caplog.at_level(logging.INFO):
        assert client.post(f"/join/{run.code}/", {}).status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("django.")]
    assert lines == [f"POST /join/{run.code}/ 403: Forbidden (CSRF cookie not set.)"]


@pytest.mark.urls("tests.sessions.test_logging")
def test_a_real_error_keeps_its_traceback(client, db, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get("/broken/").status_code == 500
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)


def test_in_development_a_refusal_is_printed_once(client, run, users, settings):
    settings.DEBUG = True
    client.force_login(users["outsider"])
    with console_output() as printed:
        client.get(f"/runs/{run.code}/console/")
    lines = [line for line in printed.getvalue().splitlines() if "/console/" in line]
    assert len(lines) == 1, printed.getvalue()
    assert "Traceback" not in printed.getvalue()
