"""Where a browser's participant identity lives: a signed cookie per run it joined.

Participants have no account, so they need no server-side session: a cookie signed with the
site's key (`dpup-p-<run id>`, holding their participant id) is read on every page and socket
connect without a trip to the database, which keeps a thousand people joining at once as
fast as it was. A copied cookie names the same row, and stops letting anyone in once that
row is gone ("Leave and delete my data", or the host removing them). Team members sign in,
and their sessions are kept on the server (see signins.py).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

COOKIE_PREFIX = "dpup-p-"
SALT = "runs.participant"


def _is_number(text: str) -> bool:
    """ASCII digits only ("²" is a digit to str.isdigit, but not to int)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def cookie_name(run_id: int) -> str:
    return f"{COOKIE_PREFIX}{run_id}"


def participant_id(request, run_id: int) -> int | None:
    """The participant this browser is in run `run_id`, from its signed cookie."""
    value = request.get_signed_cookie(
        cookie_name(run_id), default=None, salt=SALT, max_age=settings.SESSION_COOKIE_AGE
    )
    return int(value) if value is not None and _is_number(value) else None


def participant_ids(cookies: dict[str, str]) -> list[int]:
    """Every participant a socket's cookies name, in any run (the socket knows only the
    run's code: the caller picks the one in that run)."""
    # Read as a page reads them (Django's signed cookies), from the socket's cookies.
    request = HttpRequest()
    request.COOKIES = cookies
    found = []
    for name in cookies:
        if name.startswith(COOKIE_PREFIX) and _is_number(name[len(COOKIE_PREFIX) :]):
            participant = participant_id(request, int(name[len(COOKIE_PREFIX) :]))
            if participant is not None:
                found.append(participant)
    return found


def remember(response, run_id: int, participant: int) -> None:
    response.set_signed_cookie(
        cookie_name(run_id),
        str(participant),
        salt=SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget(response, run_id: int) -> None:
    response.delete_cookie(cookie_name(run_id), samesite="Lax")
