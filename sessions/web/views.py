"""Pages of a run: setting it up, joining it, and the five live views.

Views read through selectors and change things only through services.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dpup_workshop.clients import client_address
from sessions.domain import participants, runs, selectors, sessionkeys, team
from sessions.domain.exports import report_exports
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.ratelimit import allow, over, retry_after
from sessions.live import fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import (
    Participant,
    ParticipantStatus,
    RoleInvite,
    Run,
    Status,
    TeamMember,
    join_link_key,
)
from sessions.web.forms import InviteForm, JoinCodeForm, JoinForm, RunForm, TeamMemberForm
from slides.models import Role

ROLE_VIEWS = {
    Role.FACILITATOR: "runs:console",
    Role.HOST: "runs:host",
    Role.PRESENTER: "runs:present",
}


def team_view(action: str, doing: str = "open this page"):
    """A run's page for its team: signed in, the run found by its code, and the person allowed
    `action` by the permission table (the row the services and the websocket check). The view
    is called with the run and the actor in place of the code."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, code: str, *args, **kwargs) -> HttpResponse:
            run = get_object_or_404(Run, code=code)
            actor = selectors.actor_for_user(run, request.user)
            check(action, actor, doing=doing)
            return view(request, run, actor, *args, **kwargs)

        return login_required(wrapper)

    return decorate


def _participant(request: HttpRequest, run: Run) -> Participant | None:
    participant_id = sessionkeys.participant_id(request, run.pk)
    if participant_id is None:
        return None
    return run.participants.filter(pk=participant_id).first()


def _join_url(request: HttpRequest, run: Run) -> str:
    return request.build_absolute_uri(run.join_path)


def _guessing(request: HttpRequest) -> bool:
    """This address has tried too many wrong codes lately: refuse every code, right or not."""
    return over(
        "join-code", client_address(request),
        limit=settings.JOIN_RATE_LIMIT, window=settings.JOIN_RATE_WINDOW,
    )  # fmt: skip


def _wrong_code(request: HttpRequest) -> None:
    allow(
        "join-code", client_address(request),
        limit=settings.JOIN_RATE_LIMIT, window=settings.JOIN_RATE_WINDOW,
    )  # fmt: skip


def _joining_too_often(request: HttpRequest, run: Run) -> bool:
    """Joins to one run from one address: a whole room may share it, so the limit is high."""
    return not allow(
        f"join:{run.pk}", client_address(request),
        limit=settings.JOIN_ROOM_RATE_LIMIT, window=settings.JOIN_RATE_WINDOW,
    )  # fmt: skip


def _too_many(request: HttpRequest, *, guessing: bool = True) -> HttpResponse:
    wait = retry_after(settings.JOIN_RATE_WINDOW)
    context = {"guessing": guessing, "minutes": max(1, round(wait / 60))}
    response = render(request, "runs/too_many.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _by_link(request: HttpRequest, code: str) -> bool:
    """Whether the request came by the run's join link or QR code (its key matches)."""
    key = request.GET.get("k", "")
    return bool(key) and constant_time_compare(key, join_link_key(code))


class _Guessing(Exception):
    """Raised by `_by_code` for an address past its wrong codes: the view answers 429."""


def _refuses_guessers(view):
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _Guessing:
            return _too_many(request)

    return wrapper


def _by_code(
    request: HttpRequest, code: str, find: Callable[[str], Run | None] | None = None
) -> tuple[Run, Participant | None]:
    """The run named in a page's address, and this browser's participant in it.

    Anyone can try an address, so an unknown code counts as a wrong guess, as a typed one
    does; and past the limit, an address's codes are refused (unless it is already in the
    run, or a signed-in team member's), so no page tells a guesser which codes exist.
    """
    run = find(code) if find else Run.objects.filter(code=code).first()
    participant = _participant(request, run) if run is not None else None
    if (
        participant is None
        and not request.user.is_authenticated
        and not _by_link(request, code)
        and _guessing(request)
    ):
        raise _Guessing
    if run is None:
        _wrong_code(request)
        raise Http404("No workshop has that code.")
    return run, participant


# --- setting up --------------------------------------------------------------------------------


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    mine = TeamMember.objects.filter(user=request.user)
    runs = (
        Run.objects.filter(team__user=request.user)
        .distinct()
        .select_related("deck")
        .prefetch_related(Prefetch("team", queryset=mine, to_attr="my_roles"))
    )
    return render(request, "runs/run_list.html", {"runs": runs})


@login_required
def run_new(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        deck, hosts, presenters = data.pop("deck"), data.pop("hosts"), data.pop("presenters")
        run = runs.run_create(deck=deck, facilitator=request.user, **data)
        # (Posted twice, the form gets the same run, and adding its team again changes nothing.)
        actor = selectors.actor_for_user(run, request.user)
        for role, people in ((Role.HOST, hosts), (Role.PRESENTER, presenters)):
            for person in people:
                team.team_add(run=run, actor=actor, user=person, role=role)
        messages.success(request, f"Created. Participants join at {_join_url(request, run)}")
        return redirect("runs:settings", code=run.code)
    return render(request, "runs/run_form.html", {"form": form})


def _settings_page(request: HttpRequest, run: Run, **forms) -> HttpResponse:
    context = {
        "run": run,
        "join_url": _join_url(request, run),
        "form": forms.get("form") or RunForm(instance=run),
        "team_form": forms.get("team_form") or TeamMemberForm(run=run),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "members": selectors.team_members(run),
        "invites": run.invites.filter(revoked_at__isnull=True),
        "segment_titles": {segment.key: segment.title for segment in run.segments},
    }
    status = 400 if any(form.errors for form in forms.values()) else 200
    return render(request, "runs/run_settings.html", context, status=status)


@team_view("run.edit", doing="change the run's settings")
def run_settings(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        form = RunForm(request.POST, instance=Run.objects.get(pk=run.pk))
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.fields}
            try:
                runs.run_update(run=run, actor=actor, **changes)
            except ActionError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Settings saved.")
            return redirect("runs:settings", code=run.code)
        return _settings_page(request, run, form=form)
    return _settings_page(request, run)


@require_POST
@team_view("team.manage", doing="change the run's team")
def team_add(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    form = TeamMemberForm(request.POST, run=run)
    if not form.is_valid():
        return _settings_page(request, run, team_form=form)
    member = team.team_add(
        run=run,
        actor=actor,
        user=form.cleaned_data["user"],
        role=form.cleaned_data["role"],
        segments=form.cleaned_data["segments"],
    )
    messages.success(request, f"{member.user.get_username()} is now {member.get_role_display()}.")
    return redirect("runs:settings", code=run.code)


@require_POST
@team_view("team.manage", doing="change the run's team")
def team_remove(request: HttpRequest, run: Run, actor: Actor, member_id: int) -> HttpResponse:
    member = get_object_or_404(TeamMember, pk=member_id, run=run)
    try:
        team.team_remove(run=run, actor=actor, member=member)
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("runs:settings", code=run.code)


@require_POST
@team_view("team.manage", doing="change the run's team")
def invite_create(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, run, invite_form=form)
    team.invite_create(run=run, actor=actor, role=form.cleaned_data["role"])
    return redirect(reverse("runs:settings", kwargs={"code": run.code}) + "#invites")


@require_POST
@team_view("team.manage", doing="change the run's team")
def invite_revoke(request: HttpRequest, run: Run, actor: Actor, invite_id: int) -> HttpResponse:
    # Another run's invite is as unknown here as one that doesn't exist.
    invite = get_object_or_404(RoleInvite, pk=invite_id, run=run)
    team.invite_revoke(run=run, actor=actor, invite=invite)
    return redirect(reverse("runs:settings", kwargs={"code": run.code}) + "#invites")


@login_required
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    invite = get_object_or_404(
        RoleInvite.objects.select_related("run").defer("run__deck_snapshot"), token=token
    )
    if request.method == "POST":
        try:
            member = team.invite_accept(invite=invite, user=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
            return redirect("runs:list")
        messages.success(request, f"You are {member.get_role_display()} for {invite.run.title}.")
        return redirect(ROLE_VIEWS[member.role], code=invite.run.code)
    return render(request, "runs/invite.html", {"invite": invite})


# --- the live views ---------------------------------------------------------------------------


def _staff_page(
    request: HttpRequest, run: Run, actor: Actor, template: str, view: str
) -> HttpResponse:
    context = fragments.page_context(run, STAFF) | {
        "actor": actor,
        "my_roles": " ".join(sorted(actor.roles)),
        "view": view,
        "join_url": _join_url(request, run),
        "ws_path": f"/ws/runs/{run.code}/?view={view}",
    }
    return render(request, template, context)


@never_cache
@team_view("run.view")
def console(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    return _staff_page(request, run, actor, "runs/console.html", "console")


@never_cache
@team_view("run.view")
def host(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    return _staff_page(request, run, actor, "runs/host.html", "host")


@never_cache
@team_view("run.view")
def present(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    return _staff_page(request, run, actor, "runs/present.html", "present")


@never_cache
@team_view("run.view")
def screen(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    context = fragments.page_context(run, SCREEN) | {
        "join_url": _join_url(request, run),
        "ws_path": f"/ws/runs/{run.code}/?view=screen",
    }
    return render(request, "runs/screen.html", context)


@require_GET
@never_cache
@team_view("run.view")
def agenda(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    """The agenda panel, re-fetched now and then so projections follow the clock."""
    return HttpResponse(fragments.render("agenda", selectors.staff_context(run)))


@require_GET
@never_cache
@team_view("run.view")
def report(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    """How the run went, for the team: during the run so far, and afterwards."""
    context = selectors.report_context(run) | {
        "view": "report",
        "my_roles": " ".join(sorted(actor.roles)),
        "join_url": _join_url(request, run),
    }
    context |= report_exports(run)
    return render(request, "runs/report.html", context)


@require_GET
@team_view("run.view")
def qr(request: HttpRequest, run: Run, actor: Actor) -> HttpResponse:
    # A whole SVG document (with its namespace): browsers draw nothing of an <img> without it.
    response = HttpResponse(content_type="image/svg+xml")
    segno.make(_join_url(request, run), error="m").save(
        response, kind="svg", scale=8, dark="#1b1f24", light="#ffffff", border=2, omitsize=True,
        title=f"Join {run.title}",
    )  # fmt: skip
    return response


@never_cache
@_refuses_guessers
def participant_view(request: HttpRequest, code: str) -> HttpResponse:
    run, participant = _by_code(request, code)
    if participant is None:
        return redirect("runs:join", code=run.code)
    if participant.gone:
        return render(request, "runs/gone.html", {"run": run, "participant": participant})
    state = "live" if participant.status == ParticipantStatus.ADMITTED else "waiting"
    context = fragments.page_context(run, PARTICIPANTS) | {
        "participant": participant,
        "state": state,
        "ws_path": f"/ws/runs/{run.code}/?view=participant",
    }
    return render(request, "runs/participant.html", context)


@never_cache
@require_GET
@_refuses_guessers
def browse_slide(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """An earlier slide, for a participant stepping back (only slides already shown)."""
    run, participant = _by_code(request, code)
    team = selectors.actor_for_user(run, request.user).is_team
    if not team and (participant is None or participant.status != ParticipantStatus.ADMITTED):
        raise PermissionDenied("Join the workshop to see its slides.")
    if not team and number > run.max_slide_shown:
        raise Http404("That slide hasn't been shown yet.")
    slide = selectors.slide_for(run, number, notes=False)
    if slide is None:
        raise Http404("No such slide.")
    return HttpResponse(
        fragments.render("browse_slide", {"slide": slide, "run": run}),
    )


# --- joining ----------------------------------------------------------------------------------


def join_code(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _guessing(request):
            return _too_many(request)
        if form.is_valid():
            if Run.objects.filter(code=form.cleaned_data["code"]).exists():
                return redirect("runs:join", code=form.cleaned_data["code"])
            _wrong_code(request)
            form.add_error("code", "No workshop has that code. Check it and try again.")
    return render(
        request, "runs/join_code.html", {"form": form}, status=400 if form.errors else 200
    )


_join_pages: dict[tuple, str] = {}
CSRF_PLACEHOLDER = "csrf-token-placeholder-7d1f"


def _join_page(request: HttpRequest, run: Run) -> HttpResponse | None:
    """The join page for a newcomer: the same for everyone but its CSRF token, so it is
    rendered once per run (until the run's settings change), not once per person."""
    if request.user.is_authenticated or get_messages(request):
        return None
    key = (run.pk, run.updated_at)
    page = _join_pages.get(key)
    if page is None:
        if len(_join_pages) > 256:
            _join_pages.clear()
        # The join storm's row holds only a few fields; the page shows most of them.
        context = {"run": Run.objects.get(pk=run.pk), "form": JoinForm(), "left": False}
        context["csrf_token"] = CSRF_PLACEHOLDER
        page = _join_pages[key] = render_to_string("runs/join.html", context, request=request)
    return HttpResponse(page.replace(CSRF_PLACEHOLDER, get_token(request)))


@never_cache
@_refuses_guessers
def join(request: HttpRequest, code: str) -> HttpResponse:
    # The hottest page in a join storm: read only what every request needs (the rest loads
    # on the rare request that renders the page afresh).
    run, participant = _by_code(request, code, find=selectors.run_for_join)
    if participant is not None and participant.refused:
        # Removed or turned away by the host: not back in from this browser, even as someone
        # new (someone who left of their own accord may join again).
        context = {"run": get_object_or_404(Run, pk=run.pk), "refused": participant.status}
        return render(request, "runs/join.html", context, status=403)
    if participant is not None and participant.status != ParticipantStatus.LEFT:
        return redirect("runs:participant", code=run.code)
    if request.method != "POST" and participant is None:
        cached = _join_page(request, run)
        if cached is not None:
            return cached
    form = JoinForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and run.status != Status.ENDED:
        if _joining_too_often(request, run):
            return _too_many(request, guessing=False)
        if form.is_valid():
            try:
                joined = participants.participant_join(
                    run=run,
                    display_name=form.cleaned_data["display_name"],
                    show_name=form.cleaned_data["show_name"],
                    token=form.cleaned_data["token"] or None,
                )
            except Run.DoesNotExist:
                raise Http404("No workshop has that code.") from None
            except ActionError:
                # It ended between reading the run and joining it: the page says so.
                status = 409
            else:
                response = redirect("runs:participant", code=run.code)
                sessionkeys.remember(response, run.pk, joined.pk)
                return response
    page_run = Run.objects.filter(pk=run.pk).first()
    if page_run is None:
        raise Http404("No workshop has that code.")
    return render(
        request,
        "runs/join.html",
        {"run": page_run, "form": form, "left": participant is not None},
        status=400 if form.errors else status,
    )


def _data_owner(request: HttpRequest, code: str) -> tuple[Run, Participant | None]:
    """The run, and the participant this browser is in it (None: no one whose data is here)."""
    run, participant = _by_code(request, code)
    if participant is not None and participant.status == ParticipantStatus.LEFT:
        participant = None
    return run, participant


@never_cache
@_refuses_guessers
def my_data(request: HttpRequest, code: str) -> HttpResponse:
    """What this run holds about the participant, with the choice to change or delete it."""
    run, participant = _data_owner(request, code)
    if participant is None:
        return redirect("runs:join", code=run.code)
    form = JoinForm(
        request.POST if request.method == "POST" else None,
        initial={"display_name": participant.display_name, "show_name": participant.show_name},
    )
    if request.method == "POST":
        if request.POST.get("leave"):
            participants.participant_leave(participant=participant)
            response = render(request, "runs/gone.html", {"run": run, "participant": participant})
            if not participant.refused:  # the browser keeps a refusal: see `join`
                sessionkeys.forget(response, run.pk)
            return response
        if form.is_valid():
            participants.participant_update(
                participant=participant,
                display_name=form.cleaned_data["display_name"],
                show_name=form.cleaned_data["show_name"],
            )
            messages.success(request, "Saved.")
            return redirect("runs:my-data", code=run.code)
    context = {"run": run, "participant": participant, "form": form}
    return render(
        request, "runs/my_data.html", context | selectors.participant_records(participant)
    )


@require_GET
@never_cache
@_refuses_guessers
def my_data_download(request: HttpRequest, code: str) -> HttpResponse:
    """A copy of everything on "Your data", as a JSON file the participant keeps."""
    run, participant = _data_owner(request, code)
    if participant is None:
        return redirect("runs:join", code=run.code)
    data = selectors.participant_export(
        run, participant, selectors.participant_records(participant)
    )
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="my-data-{run.code}.json"'
    return response
