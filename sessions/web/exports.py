"""The report's downloads: each a file the team takes away, made (and recorded) by
sessions.domain.exports. Team-only, as the report is."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sessions.domain.exports import ExportFile, NoSuchExport, What, run_export
from sessions.domain.permissions import Actor
from sessions.models import Run
from sessions.web.views import team_view

DOING = "export this workshop's results"


def _download(made: ExportFile) -> HttpResponse:
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.filename)
    return response


def _export(run: Run, actor: Actor, what: str, key: str = "") -> HttpResponse:
    try:
        return _download(run_export(run=run, actor=actor, what=what, interaction_key=key))
    except NoSuchExport as missing:
        raise Http404(str(missing)) from None


@require_GET
@never_cache
@team_view("run.export", DOING)
def export(request: HttpRequest, run: Run, actor: Actor, what: str) -> HttpResponse:
    """The attendance CSV, the workbook or the insights: one interaction's CSV has its own
    address, by key."""
    if what == What.INTERACTION_CSV:
        raise Http404("Choose which of the workshop's interactions to export.")
    return _export(run, actor, what)


@require_GET
@never_cache
@team_view("run.export", DOING)
def export_interaction(request: HttpRequest, run: Run, actor: Actor, key: str) -> HttpResponse:
    return _export(run, actor, What.INTERACTION_CSV, key)
