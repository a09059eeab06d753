"""Refusals are pages, never errors.

A service refuses with PermissionDenied (not allowed) or ActionError (not now, or not
possible). A view that doesn't catch one would answer 500 with a traceback in the log; here
it becomes Django's PermissionDenied with the refusal's own words: the site's 403 page,
logged as one line with the reason (dpup_workshop.logfilters).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as Forbidden

from sessions.domain.permissions import ActionError, PermissionDenied


class RefusalsAsPages:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ActionError | PermissionDenied):
            raise Forbidden(str(exception)) from exception
        return None
