"""Who may see deck content outside a run: the staff who prepare workshops."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def can_preview_decks(user) -> bool:
    return user.is_active and user.is_staff


def staff_required(view):
    """Log in first; then only staff may continue (others get 403, not a login loop)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_preview_decks(request.user):
            raise PermissionDenied("Deck previews are for staff who prepare workshops.")
        return view(request, *args, **kwargs)

    return wrapper
