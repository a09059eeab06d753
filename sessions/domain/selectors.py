"""Reads of runs that are more than a one-liner: who someone is in a run, and what each
audience's fragments show."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from sessions.domain import hotsql
from sessions.domain import reactioncounts as reactions
from sessions.domain.agenda import HANDOFF_SECONDS, AgendaStatus, agenda_status
from sessions.domain.borda import RankedItem, borda
from sessions.domain.permissions import PRESENTER, Actor
from sessions.domain.ratingcount import StatementResult, rating_results
from sessions.domain.wordcount import WORD_MAX, CloudWord, cloud
from sessions.models import (
    RESULTS_SHOWN,
    AudienceQuestion,
    Breakout,
    BreakoutGroup,
    ChatMessage,
    Interaction,
    Kind,
    Participant,
    ParticipantStatus,
    Presence,
    Response,
    Run,
    State,
    Status,
    TeamMember,
)
from slides.content import DeckData
from slides.models import Role
from slides.rendering import RunContext, SlideView, letter, slide_view

PRESENCE_TTL = timedelta(seconds=75)
RESPONSES_SHOWN = 50
ROSTER_LIMIT = 100


# --- the join storm's reads (see hotsql) --------------------------------------------------


def run_for_join(code: str) -> Run | None:
    """The run a join page names, with only what every join request needs loaded."""
    return hotsql.fetch(Run, "code = %s", [code], fields=("code", "status", "updated_at"))


def run_for_joining(run_id: int) -> Run:
    """The run's status and waiting-room setting, its row locked where the database can (call
    inside the transaction that adds the participant)."""
    run = hotsql.fetch(Run, "id = %s", [run_id], fields=("status", "waiting_room"), for_update=True)
    if run is None:
        raise Run.DoesNotExist(f"No run {run_id}.")
    return run


def participant_by_join_token(run_id: int, token: str) -> Participant | None:
    """Who already joined the run with this join form (see services.participant_join).

    The last condition repeats the unique index's own (written as Django writes it), so the
    database looks the token up in that index instead of reading the run's participants."""
    return hotsql.fetch(
        Participant,
        """run_id = %s AND join_token = %s AND NOT ("join_token" = '')""",
        [run_id, token],
    )


def last_participant_number(run_id: int) -> int:
    table = connection.ops.quote_name(Participant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(number) FROM {table} WHERE run_id = %s", [run_id])
        return cursor.fetchone()[0] or 0


def participant_for_socket(code: str, ids: list[int]) -> tuple[Run | None, Participant | None]:
    """The run named by `code` (all but its frozen deck), and the participant among `ids` (from
    the browser's session) who is in it."""
    run = hotsql.fetch(Run, "code = %s", [code], omit=("deck_snapshot",))
    if run is None or not ids:
        return run, None
    marks = ", ".join(["%s"] * len(ids))
    participant = hotsql.fetch(Participant, f"id IN ({marks}) AND run_id = %s", [*ids, run.pk])
    if participant is not None:
        participant.run = run
    return run, participant


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


_slides: dict[tuple, SlideView] = {}
_CACHE_LIMIT = 4096


def deck_for(run: Run) -> DeckData:
    return run.deck_data


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
    return replace(view, notes_html="")


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


def reopen_until(run: Run) -> datetime | None:
    """An ended run can be resumed by its facilitator until midnight of the day it ended."""
    if run.status != Status.ENDED or run.ended_at is None or run.purged_at is not None:
        return None
    ended = timezone.localtime(run.ended_at)
    midnight = (ended + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if timezone.now() < midnight else None


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
        # "Previous" at the start of a segment's slides goes back a segment: say which.
        "back_to_segment": agenda.segments[run.segment_index - 1]
        if run.segment_index and run.slide_number <= run.current_segment.first_slide
        else None,
        "segments": deck_for(run).segments,
        "slide_numbers": slide_titles(run),
        "controller_ids": " ".join(map(str, controllers(run, members))),
        "next_owner_ids": " ".join(map(str, next_owner_ids)),
        "now_ms": _ms(now),
        "deadline_ms": _ms(agenda.deadline),
        "handoff_ms": _ms(agenda.deadline - timedelta(seconds=HANDOFF_SECONDS)),
        "elapsed_since_ms": _ms(now - timedelta(seconds=agenda.total_elapsed)),
        "reopen_until": reopen_until(run),
    } | reactions.reactions_context(run)


def participant_context(run: Run) -> dict:
    return {
        "run": run,
        "slide": slide_for(run, run.slide_number, notes=False),
        "reaction_choices": reactions.CHOICES,
    }


def site_host() -> str:
    """The site's address as people type it (from SITE_URL), or "" to use the page's own."""
    url = getattr(settings, "SITE_URL", "")
    return urlsplit(url).netloc if url else ""


def screen_context(run: Run) -> dict:
    return participant_context(run) | {"site_host": site_host()} | reactions.reactions_context(run)


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


# --- interactions -----------------------------------------------------------------------------


@dataclass
class Bar:
    index: int
    text: str
    count: int
    percent: int
    correct: bool

    @property
    def letter(self) -> str:
        return letter(self.index)


@dataclass
class InteractionView:
    """One activity (prompt, poll, quiz question, word cloud, rating scale, ranking or open
    question) with what an audience may see of its answers."""

    item: Interaction
    answered: int = 0
    bars: list[Bar] = field(default_factory=list)
    total: int = 0
    responses: list[Response] = field(default_factory=list)
    volunteers: int = 0
    accepting: bool = False
    closes_at_ms: int | None = None
    public_results: bool = False  # participants may see the tally now
    counted_aloud: int = 0  # answers the team counted by hand (said aloud, sent in chat)
    written: int = 0  # prompts: responses with words in them
    passed: int = 0  # prompts: people who passed
    timed_out: bool = False  # open, but its timer has run out
    cloud: list[CloudWord] = field(default_factory=list)  # word clouds: the words shown
    hidden_words: list[str] = field(default_factory=list)  # word clouds: taken off by the team
    cloud_more: int = 0  # word clouds: words sent, fewer people each, not shown live
    ratings: list[StatementResult] = field(default_factory=list)  # rating scales, by statement
    ranking: list[RankedItem] = field(default_factory=list)  # rankings: the combined order
    answers: list[Response] = field(default_factory=list)  # open questions: newest first
    answers_more: int = 0  # open questions: answers the room may see, not in `answers`
    answers_hidden: int = 0  # open questions: answers the team hid from the room
    answers_kept: int = 0  # open questions: answers the team kept for insights

    @property
    def revealed(self) -> bool:
        return self.item.state == State.REVEALED

    @property
    def word_slots(self) -> range:
        """Word clouds: the numbers of the boxes a participant types words in."""
        return range(1, self.item.max_words + 1)

    word_max = WORD_MAX

    @property
    def scale(self) -> range:
        """Rating scales: the ratings a person can give, lowest first."""
        return range(self.item.scale_low, self.item.scale_high + 1)

    @property
    def results_toggle(self) -> bool:
        """The team may show or hide its results to the room."""
        return self.item.kind in RESULTS_SHOWN

    @property
    def ranking_most(self) -> int:
        """Rankings: the most an item can score (first in everyone's order)."""
        return self.answered * max(0, len(self.item.options) - 1)

    @property
    def room_answers(self) -> int:
        """Open questions: the answers the room may see (every answer the team didn't hide)."""
        return self.answered - self.answers_hidden


def current_interactions(run: Run) -> list[Interaction]:
    """What the room is working on now: anything open, plus, while their slide is live, a
    revealed quiz question, a poll with visible results and anything closed by hand (so a
    phone shows it closed, with what its owner had typed)."""
    now_slide = run.slide_number
    current = []
    for item in run.interactions.all():
        on_slide = item.on_slide(now_slide)
        if item.asked_again:
            continue  # its second round is the one on the screens now
        if (
            item.state == State.OPEN
            or (item.state in (State.REVEALED, State.CLOSED) and on_slide)
            or (item.kind in RESULTS_SHOWN and item.results_visible and on_slide)
        ):
            current.append(item)
    return current


def interaction_view(
    item: Interaction, *, audience: str, now: datetime | None = None, with_responses: bool = True
) -> InteractionView:
    """What `audience` sees of one interaction. Counts come from a light query over all its
    responses (a thousand rows, no model instances); only the responses shown by name are
    loaded whole, and only a few of them."""
    now = now or timezone.now()
    if item.kind == Kind.WORDS:
        return _cloud_view(item, audience=audience, now=now, whole=not with_responses)
    if item.kind == Kind.RATING:
        return _rating_view(item, audience=audience, now=now)
    if item.kind == Kind.RANKING:
        return _ranking_view(item, audience=audience, now=now)
    if item.kind == Kind.TEXT:
        return _open_view(item, audience=audience, now=now, whole=not with_responses)
    rows = list(item.responses.values_list("choices", "text", "passed", "volunteer"))
    view = InteractionView(
        item=item,
        answered=sum(1 for choices, text, passed, _ in rows if choices or text or passed),
        accepting=item.accepting(now),
        closes_at_ms=_ms(item.closes_at) if item.closes_at else None,
        public_results=(item.kind == Kind.POLL and item.results_visible)
        or item.state == State.REVEALED,
        counted_aloud=sum(item.manual_tally[: len(item.options)]) if item.is_choice else 0,
    )
    view.timed_out = item.state == State.OPEN and not view.accepting
    if item.is_choice:
        counts = [0] * len(item.options)
        for choices, _, _, _ in rows:
            for choice in choices:
                if 0 <= choice < len(counts):
                    counts[choice] += 1
        for index, extra in enumerate(item.manual_tally[: len(counts)]):
            counts[index] += extra
        view.total = sum(counts)
        show_correct = item.kind == Kind.QUIZ and (audience == "staff" or view.revealed)
        view.bars = [
            Bar(
                index=i,
                text=text,
                count=counts[i],
                percent=round(100 * counts[i] / view.total) if view.total else 0,
                correct=show_correct and i in item.correct,
            )
            for i, text in enumerate(item.options)
        ]
    else:
        view.volunteers = sum(1 for _, _, _, volunteer in rows if volunteer)
        view.written = sum(1 for _, text, _, _ in rows if text)
        view.passed = sum(1 for _, text, passed, _ in rows if passed and not text)
    if with_responses and not item.is_choice:
        named = item.responses.select_related("participant")
        if audience == "staff":
            # Shortlisted or on the screen: the team always sees what the room sees.
            shortlisted = list(
                named.filter(models.Q(shortlisted=True) | models.Q(shown=True)).exclude(text="")
            )
            latest = list(
                named.exclude(text="")
                .filter(shortlisted=False, shown=False)
                .order_by("-updated_at")[:RESPONSES_SHOWN]
            )
            seen = {r.pk for r in shortlisted + latest}
            volunteers = [r for r in named.filter(volunteer=True) if r.pk not in seen]
            # In the order they came, so shortlisting one doesn't move the list under the
            # pointer of whoever is choosing what to show.
            view.responses = sorted(shortlisted + latest + volunteers, key=lambda r: r.pk)
        elif any(text for _, text, _, _ in rows):
            view.responses = list(named.filter(shown=True).exclude(text=""))
    return view


def _results_view(item: Interaction, now: datetime, *, answered: int) -> InteractionView:
    """The view every kind whose results the team shows the room starts from: how many
    answered, whether it takes answers now, and whether the room may see the results."""
    view = InteractionView(
        item=item,
        answered=answered,
        accepting=item.accepting(now),
        closes_at_ms=_ms(item.closes_at) if item.closes_at else None,
        public_results=item.results_visible,
    )
    view.timed_out = item.state == State.OPEN and not view.accepting
    return view


# A live cloud shows its most sent words only: a thousand people's words would be a push of
# hundreds of kilobytes to every phone, and more than any screen can show. The report has all.
CLOUD_SHOWN = {"staff": 100, "participants": 50, "screen": 50}


def _cloud_view(item: Interaction, *, audience: str, now: datetime, whole: bool) -> InteractionView:
    rows = [words for words in item.responses.values_list("words", flat=True) if words]
    view = _results_view(item, now, answered=len(rows))
    if audience == "staff" or view.public_results:
        words, hidden = cloud(item.hidden_words, rows)
        shown = len(words) if whole else CLOUD_SHOWN.get(audience, 50)
        view.cloud, view.cloud_more = words[:shown], max(0, len(words) - shown)
        if audience == "staff":
            view.hidden_words = hidden
    return view


def _rating_view(item: Interaction, *, audience: str, now: datetime) -> InteractionView:
    stored = [item.ratings_in(c) for c in item.responses.values_list("choices", flat=True)]
    given = [r for r in stored if any(rating is not None for rating in r)]
    view = _results_view(item, now, answered=len(given))
    if audience == "staff" or view.public_results:
        view.ratings = rating_results(item, given)
    return view


def _ranking_view(item: Interaction, *, audience: str, now: datetime) -> InteractionView:
    """A ranking: how many ranked, and the combined order (Borda count) for the team always,
    for phones and the screen once its results are shown."""
    ranked, count = borda(item.options, item.responses.values_list("choices", flat=True))
    view = _results_view(item, now, answered=count)
    if audience == "staff" or view.public_results:
        view.ranking = ranked
    return view


# A live open question shows the room its newest answers only (the screen then shows as many
# of these as fit: static/js/opentext.js); the team sees every answer, by name.
OPEN_SHOWN = {"participants": 10, "screen": 20, "staff": 100}


def _open_view(item: Interaction, *, audience: str, now: datetime, whole: bool) -> InteractionView:
    rows = list(item.responses.exclude(text="").values_list("hidden", "kept"))
    view = _results_view(item, now, answered=len(rows))
    view.answers_hidden = sum(1 for hidden, _ in rows if hidden)
    view.answers_kept = sum(1 for _, kept in rows if kept)
    newest = item.responses.exclude(text="").order_by("-updated_at", "-id")
    if audience == "staff":  # every answer by name: the newest hundred live, all in the report
        limit = len(rows) if whole else OPEN_SHOWN["staff"]
        view.answers = list(newest.select_related("participant")[:limit])
        view.answers_more = len(rows) - len(view.answers)
    elif view.public_results:
        # Names stay out of the room's render: only the words are loaded.
        shown = newest.filter(hidden=False).only("id", "text", "updated_at")
        limit = len(rows) if whole else OPEN_SHOWN.get(audience, 10)
        view.answers = list(shown[:limit])
        view.answers_more = len(rows) - view.answers_hidden - len(view.answers)
    return view


def scoreboard(run: Run, limit: int = 10) -> list[tuple[str, int]]:
    """Everyone in the room who chose to be on the board (and is named on shared screens), with
    their correct answers to revealed questions: listed from the moment they opt in, with 0
    until the first reveal."""
    people = [
        person
        for person in run.participants.filter(
            on_scoreboard=True, status=ParticipantStatus.ADMITTED
        ).only("pk", "display_name", "show_name")
        if person.named_on_screens
    ]
    if not people:
        return []
    scores = {person.pk: 0 for person in people}
    revealed = {
        item.pk: sorted(item.correct)
        for item in run.interactions.filter(kind=Kind.QUIZ, state=State.REVEALED)
    }
    if revealed:
        for interaction_id, participant_id, choices in Response.objects.filter(
            interaction_id__in=revealed, participant_id__in=scores
        ).values_list("interaction_id", "participant_id", "choices"):
            scores[participant_id] += sorted(choices) == revealed[interaction_id]
    ranked = sorted(people, key=lambda person: (-scores[person.pk], person.display_name.lower()))
    return [(person.display_name, scores[person.pk]) for person in ranked[:limit]]


def activity_context(run: Run, audience: str) -> dict:
    now = timezone.now()
    views = [
        interaction_view(item, audience=audience, now=now) for item in current_interactions(run)
    ]
    context = {"run": run, "views": views, "now_ms": _ms(now)}
    if audience == "participants":
        # A phone shows an open or revealed quiz question once: in its card, not on the slide.
        context["question_elsewhere"] = any(
            view.item.kind == Kind.QUIZ and view.item.on_slide(run.slide_number) for view in views
        )
    if audience == "staff":
        context["all_interactions"] = list(run.interactions.all())
        context["quiz_started"] = any(
            i.kind == Kind.QUIZ and i.state != State.READY for i in context["all_interactions"]
        )
        context["breakout_seconds_left"] = agenda_for(run, now).remaining
    if run.quiz_scoreboard and (audience != "participants" or run.scoreboard_shown):
        context["scoreboard"] = scoreboard(run)
        context["scoreboard_out_of"] = run.interactions.filter(
            kind=Kind.QUIZ, state=State.REVEALED
        ).count()
    context["breakout"] = active_breakout(run, audience)
    if audience == "screen":
        context["stage"] = stage_state(run, views, context.get("scoreboard"))
    elif audience == "staff":
        # "On the screen now": what the room sees. The screen's view of each is the team's,
        # but for the responses: only those shown (always among the team's, above).
        screen_views = [
            replace(view, responses=[r for r in view.responses if r.shown]) for view in views
        ]
        context["on_screen"] = stage_state(run, screen_views, context.get("scoreboard"))
        context["screen_slide"] = slide_for(run, run.slide_number, notes=False)
    return context


@dataclass
class Stage:
    """What the shared screen shows besides the slide, and how it lays them out.

    `layout` is "full" (the slide alone), "split" (the slide with a column beside it: the
    join card, live poll results) or "focus" (something the team put on the screen takes the
    place of the slide's body: responses, breakout summaries, a question, the scoreboard).
    """

    join: bool = False
    band: list[InteractionView] = field(default_factory=list)  # open, answered on phones
    aside: list[InteractionView] = field(default_factory=list)  # polls with visible results
    quiz: InteractionView | None = None  # the slide's own quiz question, with its results
    responses: list[InteractionView] = field(default_factory=list)  # with responses shown
    summaries: list[BreakoutGroup] = field(default_factory=list)
    question: AudienceQuestion | None = None
    scoreboard: list | None = None

    @property
    def focus(self) -> bool:
        shown = self.responses or self.summaries or self.question
        return bool(shown) or self.scoreboard is not None

    @property
    def layout(self) -> str:
        if self.focus:
            return "focus"
        return "split" if self.join or self.aside else "full"


def stage_state(run: Run, views: list[InteractionView], scoreboard: list | None = None) -> Stage:
    """The shared screen's state, from the screen audience's views of what is current.

    The console shows the same state in "On the screen now", each item with a way to take it
    off, so nothing stays on the room's screen without the team seeing it there.
    """
    stage = Stage(join=run.join_card_shown)
    for view in views:
        item = view.item
        if item.kind == Kind.QUIZ and item.on_slide(run.slide_number) and view.revealed:
            stage.quiz = view
        elif item.kind in RESULTS_SHOWN and view.public_results:
            stage.aside.append(view)
        elif view.accepting or (item.state == State.OPEN and item.closes_at):
            stage.band.append(view)
        if item.kind == Kind.PROMPT and view.responses:
            stage.responses.append(view)
    breakout = active_breakout(run, "screen")
    stage.summaries = [
        group
        for group in (breakout or {}).get("groups", [])
        if group.summary_shown and group.summary
    ]
    # A prompt whose responses or breakout summaries are on the stage isn't also named below.
    shown = {view.item.pk for view in stage.responses}
    if stage.summaries:
        shown.add(breakout["breakout"].interaction_id)
    stage.band = [view for view in stage.band if view.item.pk not in shown]
    stage.question = (
        run.questions.filter(on_screen=True, hidden=False, approved=True)
        .select_related("participant")
        .first()
    )
    if run.scoreboard_shown and run.quiz_scoreboard:
        stage.scoreboard = scoreboard if scoreboard is not None else []
    return stage


def active_breakout(run: Run, audience: str) -> dict | None:
    breakout = run.breakouts.filter(ended_at__isnull=True).select_related("interaction").first()
    if breakout is None:
        if audience == "screen":
            last = run.breakouts.order_by("-started_at").first()
            if last is None:
                return None
            groups = list(last.groups.filter(summary_shown=True))
            return {"breakout": last, "groups": groups, "ended": True} if groups else None
        return None
    groups = list(breakout.groups.prefetch_related("members"))
    if audience == "screen":
        groups = [g for g in groups if g.summary_shown]
    elif audience == "staff":
        responses = {}
        for response in Response.objects.filter(
            interaction=breakout.interaction, breakout_group__breakout=breakout
        ).select_related("participant"):
            responses.setdefault(response.breakout_group_id, []).append(response)
        for group in groups:
            group.board = responses.get(group.pk, [])
    return {"breakout": breakout, "groups": groups, "ended": False}


def group_board_context(group) -> dict:
    responses = Response.objects.filter(
        interaction=group.breakout.interaction, breakout_group=group
    ).select_related("participant")
    return {"group": group, "board": [r for r in responses if r.text], "breakout": group.breakout}


# --- chat, hands and questions ----------------------------------------------------------------

CHAT_SHOWN = 50


def chat_context(run: Run, audience: str) -> dict:
    messages = run.chat_messages.select_related("participant", "author").order_by("-id")
    if audience != "staff":
        # Everyone sees the team's lines; participants' lines only if they go to everyone.
        messages = messages.filter(hidden=False, to_team=False)
    latest = list(messages[: CHAT_SHOWN * (2 if audience == "staff" else 1)])
    latest.reverse()
    return {"run": run, "chat_lines": latest, "audience": audience}


def hands_context(run: Run) -> dict:
    return {
        "run": run,
        "hands": list(
            run.participants.filter(
                hand_raised_at__isnull=False, status=ParticipantStatus.ADMITTED
            ).order_by("hand_raised_at")
        ),
    }


# The lists' order, pinned first; static/js/qa.js sorts the same way ("votes") or by time.
QUESTION_ORDER = ("-pinned", "answered", "-votes", "id")


def questions_context(run: Run, audience: str) -> dict:
    """The Q&A as an audience sees it. Participants (and the screen) see the questions in
    everyone's list; the team sees those too, hidden and dismissed ones struck through, and a
    moderated run's queue apart (each asker sees their own queued ones: personal_context)."""
    questions = run.questions.select_related("participant").order_by(*QUESTION_ORDER)
    if audience != "staff":
        questions = questions.filter(approved=True, hidden=False)
    questions = list(questions)
    return {
        "run": run,
        "questions": [q for q in questions if q.approved or q.hidden],
        "queued_questions": [q for q in questions if not q.approved and not q.hidden],
        "open_questions": [q for q in questions if q.approved and not q.answered and not q.hidden],
        "audience": audience,
        "last_segment_index": len(run.segments) - 1,
    }


def _personal_rows(
    participant_id: int,
) -> tuple[dict, list[int], list[int], list[int], int | None, list[int]]:
    """A participant's answers, upvotes, own questions and breakout group, in one query.

    Every socket that connects (a thousand after a restart) needs this: one round trip,
    not four.
    """
    response = Response._meta.db_table
    voters = AudienceQuestion.voters.through._meta.db_table
    question = AudienceQuestion._meta.db_table
    members = BreakoutGroup.members.through._meta.db_table
    group = BreakoutGroup._meta.db_table
    breakout = Breakout._meta.db_table
    chat = ChatMessage._meta.db_table
    sql = f"""
        SELECT 'a', interaction_id, choices, text, passed, volunteer, id, words, hidden
          FROM {response} WHERE participant_id = %s
        UNION ALL
        SELECT 'v', audiencequestion_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
          FROM {voters} WHERE participant_id = %s
        UNION ALL
        SELECT 'q', id, NULL, NULL, approved, hidden, NULL, NULL, NULL
          FROM {question} WHERE participant_id = %s
        UNION ALL
        SELECT 'c', id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
          FROM {chat} WHERE participant_id = %s
        UNION ALL
        SELECT 'g', g.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
          FROM {members} m JOIN {group} g ON g.id = m.breakoutgroup_id
          JOIN {breakout} b ON b.id = g.breakout_id
         WHERE m.participant_id = %s AND b.ended_at IS NULL
    """  # noqa: S608 - table names from the models, values as parameters

    def rows(cursor):
        # SQLite gives JSON columns back as text, PostgreSQL as values.
        for row in cursor.fetchall():
            choices, words = row[2], row[7]
            yield (
                *row[:2],
                json.loads(choices) if isinstance(choices, str) else choices,
                *row[3:7],
                json.loads(words) if isinstance(words, str) else words,
                *row[8:],
            )

    answers, votes, mine, lines, group_id = {}, [], [], [], None
    unlisted = []  # their questions not in everyone's list: queued, dismissed or hidden
    with connection.cursor() as cursor:
        cursor.execute(sql, [participant_id] * 5)
        for row in rows(cursor):
            kind, number, choices, text, passed, volunteer, response_id, words, hidden = row
            if kind == "a":
                answers[str(number)] = {
                    "choices": choices or [],
                    "words": words or [],
                    "text": text or "",
                    "passed": bool(passed),
                    "volunteer": bool(volunteer),
                    "id": response_id,
                }
                if hidden:  # an open question's answer the team hid from the room
                    answers[str(number)]["hidden"] = True
            elif kind == "v":
                votes.append(number)
            elif kind == "q":
                mine.append(number)
                if not passed or volunteer:  # the columns carry `approved` and `hidden` here
                    unlisted.append(number)
            elif kind == "c":
                lines.append(number)
            else:
                group_id = number
    return answers, votes, mine, lines, group_id, unlisted


def personal_context(participant: Participant) -> dict:
    """One participant's own state, for their eyes only."""
    run = participant.run
    answers, votes, mine, lines, group_id, unlisted = _personal_rows(participant.pk)
    group = BreakoutGroup.objects.select_related("breakout").get(pk=group_id) if group_id else None
    # Where they are in their group's list (the group's board is the same for all its members,
    # and names nobody's row, so that no one's anonymous lines can be matched up).
    slot = list(group.members.values_list("pk", flat=True)).index(participant.pk) if group else None
    state = {
        "answers": answers,
        "hand": participant.hand_raised_at is not None,
        "muted": participant.muted,
        "votes": votes,
        "mine": mine,
        "scoreboard": participant.on_scoreboard,
        "named": participant.named_on_screens,
        "group": group.number if group else None,
        "group_slot": slot,
        "chat": lines,  # their own chat lines, which their page labels "You"
    }
    own_chat = []
    if not run.chat_to_everyone:
        own_chat = list(participant.chat_messages.order_by("-id")[:CHAT_SHOWN])[::-1]
    return {
        "participant": participant,
        "state": json.dumps(state, separators=(",", ":")),
        "own_chat": own_chat,
        # Their questions that only they (and the team) see, with what became of each: a
        # second query only for someone who has such a question.
        "own_unlisted": list(participant.questions.filter(pk__in=unlisted)) if unlisted else [],
        "group": group,
        "run": run,
    }


# --- a participant's own data ---------------------------------------------------------------


def participant_records(participant: Participant) -> dict:
    """Everything the run holds about one participant, as "Your data" shows it."""
    return {
        "responses": list(participant.responses.select_related("interaction").order_by("id")),
        "messages_sent": list(participant.chat_messages.order_by("id")),
        "questions": list(participant.questions.order_by("id")),
        "votes": participant.upvoted.count(),
        "summaries": list(
            participant.breakout_summaries.exclude(summary="")
            .select_related("breakout__interaction")
            .order_by("id")
        ),
    }


def answer_order(item: Interaction, response: Response) -> list[str]:
    """A ranking's items in one person's order, their top first."""
    order = response.choices if isinstance(response.choices, list) else []
    return [item.options[i] for i in order if type(i) is int and 0 <= i < len(item.options)]


def participant_export(run: Run, participant: Participant, records: dict) -> dict:
    """The same records as plain data, for the participant to download and keep."""

    def when(moment):
        return timezone.localtime(moment).isoformat() if moment else None

    answers = []
    for response in records["responses"]:
        item = response.interaction
        answer = {
            "kind": item.get_kind_display(),
            "question": item.text,
            "chose": [
                item.options[i]
                for i in response.choices
                if item.is_choice and isinstance(i, int) and 0 <= i < len(item.options)
            ],
            "wrote": response.text,
            "passed": response.passed,
            "offered_to_share_aloud": response.volunteer,
            "shown_on_the_projector": response.shown,
        }
        if item.kind == Kind.WORDS:
            answer["sent_words"] = response.words
        if item.kind == Kind.RATING:
            answer["rated"] = [
                {"statement": statement, "rating": rating} for statement, rating in response.ratings
            ]
        if item.kind == Kind.RANKING:
            answer.pop("chose")  # every item is in a ranking: what matters is their order
            answer["ranked_top_first"] = answer_order(item, response)
        if item.kind == Kind.TEXT:
            answer["hidden_from_the_room"] = response.hidden
            answer["kept_for_the_insights_export"] = response.kept
        answers.append(answer)
    return {
        "workshop": {
            "title": run.title,
            "code": run.display_code,
            "scheduled": when(run.scheduled_at),
            "kept_until": when(run.purge_after),
            "retention_days": run.retention_days,
        },
        "you": {
            "name": participant.display_name,
            "shown_on_shared_screens_as": participant.public_label,
            "joined": when(participant.joined_at),
            "status": participant.get_status_display(),
            "hand_raised_since": when(participant.hand_raised_at),
            "on_the_quiz_scoreboard": participant.on_scoreboard,
        },
        "answers_and_responses": answers,
        "chat_messages": [
            {
                "text": m.text,
                "to_the_team_only": m.to_team,
                "hidden_by_the_host": m.hidden,
                "sent": when(m.created_at),
            }
            for m in records["messages_sent"]
        ],  # fmt: skip
        "questions": [
            {
                "text": q.text,
                "votes": q.votes,
                "answered": q.answered,
                "asked": when(q.created_at),
                "asked_without_your_name": q.anonymous,
                "in_everyones_list": q.approved and not q.hidden,
                "team_reply": q.reply,
            }
            for q in records["questions"]
        ],
        "questions_you_upvoted": records["votes"],
        "breakout_group_summaries_you_wrote_last": [
            {
                "group": group.number,
                "discussing": group.breakout.interaction.text,
                "summary": group.summary,
                "shown_on_the_projector": group.summary_shown,
            }
            for group in records["summaries"]
        ],
    }


# --- the report afterwards ------------------------------------------------------------------


@dataclass
class ReportItem:
    """One prompt, poll or quiz question as it went: its tally, or every response to it."""

    view: InteractionView
    responses: list[Response] = field(default_factory=list)
    passed: int = 0
    correct: int = 0  # quiz: people whose choices were exactly the correct ones
    summaries: list[BreakoutGroup] = field(default_factory=list)  # breakout groups' words

    @property
    def correct_percent(self) -> int:
        answered = self.view.answered
        return round(100 * self.correct / answered) if answered else 0


def opened_interactions(run: Run) -> models.QuerySet[Interaction]:
    """Every interaction that was opened, in the report's order (the deck's by slide, then the
    ad-hoc ones): the report and its exports list the same ones."""
    return run.interactions.exclude(state=State.READY).order_by(
        models.F("slide_number").asc(nulls_last=True), "id"
    )


def report_context(run: Run, now: datetime | None = None) -> dict:
    """The run as it went, for the team: attendance, the agenda's planned and actual times,
    every prompt, poll and quiz question that was opened, and the participants' questions.
    What a participant deleted, or the retention period removed, is gone from it too."""
    now = now or timezone.now()
    counts = dict(run.participants.values_list("status").annotate(n=models.Count("id")).order_by())
    items = []
    opened = opened_interactions(run)
    summaries: dict[int, list[BreakoutGroup]] = {}
    for group in (
        BreakoutGroup.objects.filter(breakout__run=run)
        .exclude(summary="")
        .select_related("breakout")
        .order_by("breakout__started_at", "number")
    ):
        summaries.setdefault(group.breakout.interaction_id, []).append(group)
    for item in opened:
        view = interaction_view(item, audience="staff", now=now, with_responses=False)
        report = ReportItem(view=view)
        if item.kind == Kind.PROMPT:
            rows = item.responses.select_related("participant", "breakout_group").order_by("id")
            report.responses = [r for r in rows if r.text]
            report.passed = sum(1 for r in rows if r.passed)
            report.summaries = summaries.get(item.pk, [])
        elif item.kind == Kind.QUIZ:
            right = sorted(item.correct)
            report.correct = sum(
                1 for choices in item.responses.values_list("choices", flat=True)
                if sorted(choices) == right
            )  # fmt: skip
        items.append(report)
    quiz = [r for r in items if r.view.item.kind == Kind.QUIZ and r.view.answered]
    questions = list(run.questions.select_related("participant").order_by(*QUESTION_ORDER))
    agenda = agenda_for(run, now)
    return {
        "run": run,
        "agenda": agenda,
        "segments": [(s, s.actual - s.planned) for s in agenda.segments],
        "total_over": agenda.total_elapsed - agenda.total_planned,
        "joined": sum(counts.values()),
        "admitted": counts.get(ParticipantStatus.ADMITTED, 0),
        "left": counts.get(ParticipantStatus.LEFT, 0),
        "removed": counts.get(ParticipantStatus.REMOVED, 0),
        "never_admitted": counts.get(ParticipantStatus.WAITING, 0)
        + counts.get(ParticipantStatus.DENIED, 0),
        "items": items,
        "quiz_average": round(sum(r.correct_percent for r in quiz) / len(quiz)) if quiz else None,
        "open_questions": [q for q in questions if not q.answered and not q.hidden],
        "answered_questions": [q for q in questions if q.answered and not q.hidden],
        "chat_lines": list(
            run.chat_messages.select_related("participant", "author").order_by("created_at", "id")
        ),
        "team": team_members(run),
        "reaction_choices": reactions.CHOICES,
        "reactions_by_slide": reactions.reactions_by_slide(run, dict(slide_titles(run))),
    }
