"""Signing out ends a session everywhere it is open.

Sessions are kept on the server (see SESSION_ENGINE), so a copied cookie stops working once
its session is gone. Open team views learn of it at once: signing out tells the sockets of
that session, "Sign out everywhere" (the admin's action on people) all of that person's, and
they close with 4401, "You were signed out". A password change ends the other sessions by
Django's own check (the session's hash no longer matches); open sockets find out within
consumers.SIGN_IN_CHECK_SECONDS, when each checks its session again. The changer's own
session is renewed (a new key): RecordRenewedSessions notes it, so "Sign out everywhere"
still finds it.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.dispatch import receiver

from sessions.live.broadcast import send_to_group, user_group_name
from sessions.models import SignedInSession


class RecordRenewedSessions:
    """Middleware: a signed-in session whose key changed during the request (a password
    change renews it, as `update_session_auth_hash` does) is recorded under its new key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        key = session.session_key if session is not None else None
        if (
            key
            and key != request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and request.user.is_authenticated
            and Session.objects.filter(pk=key).exists()
        ):
            SignedInSession.objects.update_or_create(
                session_id=key, defaults={"user": request.user}
            )
        return response


SESSION_ENDED = "session.ended"


@receiver(user_logged_in, dispatch_uid="runs-signed-in")
def remember_session(sender, request, user, **kwargs) -> None:
    key = request.session.session_key if request is not None else None
    if key:
        SignedInSession.objects.update_or_create(session_id=key, defaults={"user": user})


@receiver(user_logged_out, dispatch_uid="runs-signed-out")
def close_session_sockets(sender, request, user, **kwargs) -> None:
    key = request.session.session_key if request is not None else None
    if user is not None and key:
        send_to_group(user_group_name(user.pk), {"type": SESSION_ENDED, "session_key": key})


def sign_out_everywhere(user) -> int:
    """End every session `user` is signed in with, and close their open team views.
    Returns how many sessions there were."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_id", flat=True))
    for key in keys:
        store(session_key=key).delete()
    send_to_group(user_group_name(user.pk), {"type": SESSION_ENDED, "session_key": None})
    return len(keys)
