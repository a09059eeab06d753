"""Refusals are pages, never errors.

A service refuses with PermissionDenied (not allowed) or ActionError (not now, or not
possible). A view that doesn't catch one would answer 500 with a traceback in the log; here
it becomes the site's 403 page with the refusal's own words, logged as one line
(dpup_workshop.logfilters).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as Forbidden
from django.urls import get_resolver

from sessions.domain.permissions import ActionError, PermissionDenied


class RefusalsAsPages:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ActionError | PermissionDenied):
            handler = get_resolver().resolve_error_handler(403)
            return handler(request, exception=Forbidden(str(exception)))
        return None
