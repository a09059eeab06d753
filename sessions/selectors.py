"""Reads of runs that are more than a one-liner: who someone is in a run, and what each
audience's fragments show."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from sessions.agenda import HANDOFF_SECONDS, AgendaStatus, agenda_status
from sessions.models import Participant, ParticipantStatus, Presence, Run, TeamMember
from sessions.permissions import PRESENTER, Actor
from slides.content import DeckData
from slides.models import Role
from slides.rendering import RunContext, SlideView, slide_view

PRESENCE_TTL = timedelta(seconds=75)
ROSTER_LIMIT = 100


# --- who is who ------------------------------------------------------------------------------


def team_members(run: Run) -> list[TeamMember]:
    return list(run.team.select_related("user").order_by("role", "user__username"))


def actor_for_user(run: Run, user, members: list[TeamMember] | None = None) -> Actor:
    """The user's roles in this run (none for someone who is not on the team)."""
    if user is None or not user.is_authenticated:
        return Actor()
    if members is None:
        members = list(run.team.filter(user=user))
    mine = [m for m in members if m.user_id == user.pk]
    segments = set()
    for member in mine:
        if member.role == PRESENTER:
            segments.update(member.segments)
    all_presenter_segments = any(m.role == PRESENTER and not m.segments for m in mine)
    return Actor(
        user_id=user.pk,
        roles=frozenset(m.role for m in mine),
        presenter_segments=frozenset() if all_presenter_segments else frozenset(segments),
    )


def actor_for_participant(participant: Participant) -> Actor:
    return Actor(participant_id=participant.pk)


def controllers(run: Run, members: list[TeamMember]) -> list[int]:
    """User ids of everyone who may move the slides during the current segment."""
    segment = run.current_segment
    ids = {m.user_id for m in members if actor_for_user(run, m.user, members).controls(segment)}
    return sorted(ids)


def owners_of(run: Run, index: int, members: list[TeamMember]) -> list[int]:
    """User ids of the team members who own segment `index` (not counting the facilitator's
    standing control, unless the segment is the facilitator's own)."""
    segment = run.segments[index]
    ids = set()
    for member in members:
        if member.role not in segment.owners:
            continue
        if member.role == Role.PRESENTER and member.segments and segment.key not in member.segments:
            continue
        ids.add(member.user_id)
    return sorted(ids)


# --- slides ---------------------------------------------------------------------------------


_decks: dict[tuple[int, int], DeckData] = {}
_slides: dict[tuple, SlideView] = {}
_CACHE_LIMIT = 4096


def deck_for(run: Run) -> DeckData:
    """The run's frozen deck, parsed once per process per revision."""
    key = (run.pk, run.deck_revision)
    deck = _decks.get(key)
    if deck is None:
        if len(_decks) > 256:
            _decks.clear()
        deck = _decks[key] = run.deck_data
    return deck


def _slide(run: Run, number: int) -> SlideView:
    """Rendered once per process for each slide of each run (and agency details)."""
    key = (run.pk, run.deck_revision, number, run.agency_name, run.initiatives)
    view = _slides.get(key)
    if view is None:
        if len(_slides) > _CACHE_LIMIT:
            _slides.clear()
        deck = deck_for(run)
        context = RunContext(run.agency_name, run.initiatives)
        view = _slides[key] = slide_view(deck, deck.slides[number - 1], context)
    return view


def slide_for(run: Run, number: int, *, notes: bool) -> SlideView | None:
    """Slide `number` of the run, filled in with the agency's details. Without notes for
    anyone but the team: participants' and projectors' views are built from this."""
    deck = deck_for(run)
    if not 1 <= number <= len(deck.slides):
        return None
    view = _slide(run, number)
    if notes:
        return view
    return SlideView(
        number=view.number,
        count=view.count,
        title=view.title,
        body_html=view.body_html,
        notes_html="",
        videos=view.videos,
        question=view.question,
        answer=view.answer,
    )


def slide_titles(run: Run) -> list[tuple[int, str]]:
    return [(n, _slide(run, n).title) for n in range(1, run.slide_count + 1)]


# --- the agenda -----------------------------------------------------------------------------


def agenda_for(run: Run, now: datetime | None = None) -> AgendaStatus:
    segments = deck_for(run).segments
    return agenda_status(
        titles=[(s.key, s.title, s.owners) for s in segments],
        planned=run.planned_seconds(),
        actuals=run.actuals,
        current=run.segment_index,
        running_since=run.running_since,
        started_at=run.started_at,
        scheduled_at=run.scheduled_at,
        now=now or timezone.now(),
    )


# --- what each audience sees ----------------------------------------------------------------


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def staff_context(run: Run, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    members = team_members(run)
    agenda = agenda_for(run, now)
    next_owner_ids = owners_of(run, run.segment_index + 1, members) if agenda.next_segment else []
    return {
        "run": run,
        "slide": slide_for(run, run.slide_number, notes=True),
        "next_slide": slide_for(run, run.slide_number + 1, notes=True),
        "agenda": agenda,
        "segment_last_slide": run.current_segment.last_slide,
        "segments": deck_for(run).segments,
        "slide_numbers": slide_titles(run),
        "controller_ids": " ".join(map(str, controllers(run, members))),
        "next_owner_ids": " ".join(map(str, next_owner_ids)),
        "now_ms": _ms(now),
        "deadline_ms": _ms(agenda.deadline),
        "handoff_ms": _ms(agenda.deadline - timedelta(seconds=HANDOFF_SECONDS)),
        "elapsed_since_ms": _ms(now - timedelta(seconds=agenda.total_elapsed)),
    }


def participant_context(run: Run) -> dict:
    return {"run": run, "slide": slide_for(run, run.slide_number, notes=False)}


def screen_context(run: Run) -> dict:
    return participant_context(run)


def roster_context(run: Run, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    people = run.participants.exclude(status=ParticipantStatus.LEFT)
    waiting = people.filter(status=ParticipantStatus.WAITING).order_by("number")
    admitted = people.filter(status=ParticipantStatus.ADMITTED).order_by("-number")
    members = team_members(run)
    online = {
        (p.user_id, p.view)
        for p in Presence.objects.filter(run=run, seen_at__gte=now - PRESENCE_TTL)
    }
    team = {}
    for member in members:
        entry = team.setdefault(member.user_id, {"user": member.user, "roles": [], "views": set()})
        entry["roles"].append(member.get_role_display())
    for user_id, view in online:
        if user_id in team:
            team[user_id]["views"].add(view)
    return {
        "run": run,
        "waiting": list(waiting[:ROSTER_LIMIT]),
        "waiting_count": (waiting_count := waiting.count()),
        "waiting_more": max(0, waiting_count - ROSTER_LIMIT),
        "admitted": list(admitted[:ROSTER_LIMIT]),
        "admitted_count": admitted.count(),
        "roster_limit": ROSTER_LIMIT,
        "team": sorted(team.values(), key=lambda e: e["user"].get_username()),
    }
