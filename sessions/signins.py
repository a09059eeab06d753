"""Signing out ends a session everywhere it is open.

Sessions are kept on the server (see SESSION_ENGINE), so a copied cookie stops working once
its session is gone. Open team views learn of it at once: signing out tells the sockets of
that session, "Sign out everywhere" (the admin's action on people) all of that person's, and
they close with 4401, "You were signed out". A password change ends the other sessions by
Django's own check (the session's hash no longer matches); open sockets find out at their
next ping (every 25 seconds), when the consumer checks its session again.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from sessions.broadcast import send_to_group, user_group_name
from sessions.models import SignedInSession

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
