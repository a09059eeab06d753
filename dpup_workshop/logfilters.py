"""Logging filters (see LOGGING in settings)."""

from __future__ import annotations

import logging


def _plain(text: str) -> str:
    # As Django does for the arguments it logs: no line breaks or control characters from a
    # request's path can forge a log line.
    return text.encode("unicode_escape").decode("ascii")


class ForbiddenInOneLine(logging.Filter):
    """A refused request (403) is ordinary: someone opened a page that isn't theirs, or a form
    went stale. Log it as one line (method, path, status, reason), not with the traceback of
    the PermissionDenied that said so. Real errors (500s) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Once per record, however many times logging was configured (each adds a filter).
        if getattr(record, "status_code", None) != 403 or getattr(record, "one_line", False):
            return True
        record.one_line = True
        request = getattr(record, "request", None)
        path = getattr(request, "path", "") or ""
        exception = record.exc_info[1] if record.exc_info else None
        if exception is not None:
            reason = str(exception) or "Permission denied"
        else:
            # Django's own line, e.g. "Forbidden (CSRF cookie not set.): /path": without the path.
            reason = record.getMessage().replace(f": {_plain(path)}", "")
        record.msg = "%s %s %s: %s"
        record.args = (getattr(request, "method", "-"), _plain(path), 403, _plain(reason))
        record.exc_info = None
        record.exc_text = None
        return True
