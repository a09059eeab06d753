"""Participants answering the run's activities (prompts, polls, quiz questions, and the
batched answers of every kind: choices here, words, ratings and orders beside their kinds),
and the team marking responses (shortlisted, on the shared screen)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.db import connection, transaction
from django.utils import timezone

from sessions.domain.guards import get_interaction, participant_in_room
from sessions.domain.permissions import ActionError, Actor, check
from sessions.live import activity
from sessions.models import (
    BreakoutGroup,
    Interaction,
    Kind,
    Participant,
    ParticipantStatus,
    Response,
    Run,
    State,
)

RESPONSE_MAX = 1000
RESPONSES_ON_SCREEN = 6  # as many response cards as the shared screen's stage holds


def _now():
    return timezone.now()


def require_accepting(item: Interaction, now=None) -> None:
    # Ending a run closes everything open, so an ended run accepts nothing here either.
    if item.state != State.OPEN:
        raise ActionError("That question isn't open for answers.")
    if not item.accepting(now or _now()):
        raise ActionError("Time's up for that question.")


def answering(
    actor: Actor, run: Run, interaction, kind: str, refusal: str
) -> tuple[Participant, Interaction]:
    """The participant answering, and the interaction they answer: of `kind` (or ActionError
    `refusal`) and open for answers now."""
    participant = participant_in_room(actor)
    item = get_interaction(run, interaction)
    if item.kind != kind:
        raise ActionError(refusal)
    require_accepting(item)
    return participant, item


def current_group(participant: Participant) -> BreakoutGroup | None:
    return participant.breakout_groups.filter(breakout__ended_at__isnull=True).first()


def _chosen(item: Interaction, current: list[int], choice: int, selected: bool) -> list[int]:
    """The choices after choosing (or, for choose-all-that-apply, unchoosing) one option.

    Setting rather than toggling makes an answer safe to send twice (after a reconnect).
    """
    if not item.multiple:
        return [choice]
    chosen = set(current)
    if selected:
        chosen.add(choice)
    else:
        chosen.discard(choice)
    return sorted(chosen)


@dataclass(frozen=True)
class Choose:
    """An answer to a poll or quiz question: one option chosen (or, for choose-all-that-apply,
    unchosen). Setting rather than toggling makes an answer safe to send twice (after a
    reconnect)."""

    run_id: int
    participant_id: int
    interaction_id: int
    choice: int
    selected: bool = True

    kinds: ClassVar[tuple[str, ...]] = (Kind.POLL, Kind.QUIZ)
    refusal: ClassVar[str] = "That one isn't a poll or a quiz question."
    echoed: ClassVar[tuple[str, ...]] = ("choice",)  # repeated in its acknowledgement

    def apply(self, item: Interaction, response: Response) -> None:
        if not 0 <= self.choice < len(item.options):
            raise ActionError("No such option.")
        response.choices = _chosen(item, response.choices, self.choice, self.selected)


class Answer(Protocol):
    """One answer that answers_record can store with others: which run, person and
    interaction, the kinds it answers (or `refusal`), the fields its acknowledgement repeats
    (`echoed`), and how it changes the person's response (`apply`, raising ActionError for
    anything the interaction doesn't take)."""

    run_id: int
    participant_id: int
    interaction_id: int
    kinds: ClassVar[tuple[str, ...]]
    refusal: ClassVar[str]
    echoed: ClassVar[tuple[str, ...]]

    def apply(self, item: Interaction, response: Response) -> None: ...


def answer_one(actor: Actor, action: str, answer: Answer) -> Response:
    """Store one answer (a service's body: check `action`, record, raise what was refused)."""
    check(action, actor)
    participant_in_room(actor)
    (result,) = answers_record([answer])
    if isinstance(result, Exception):
        raise result
    return Response.objects.get(pk=result.response)


@transaction.atomic
def answer_choose(
    *, run: Run, actor: Actor, interaction: int, choice: int, selected: bool = True
) -> Response:
    """Choose an option of a poll or quiz question (or unchoose it, for choose-all-that-apply).

    One response per person per question; it can change until the question closes.
    (Sockets go through the batcher, which does the same for many answers at once.)
    """
    return answer_one(
        actor, "answer.choose", Choose(run.pk, actor.participant_id, interaction, choice, selected)
    )


@dataclass(frozen=True)
class Stored:
    """An answer recorded: what is now stored for it (choices and words), and its response's
    id."""

    choices: list
    words: list[str]
    response: int


@transaction.atomic
def answers_record(answers: list[Answer]) -> list[Stored | Exception]:
    """Record many answers (choices, words, ratings, orders: see `Answer`) in one transaction.

    Returns, for each, what is now stored or the ActionError saying why not. Callers have
    checked that each actor is a participant; this checks the rest, row by row.
    """
    interaction_ids = {a.interaction_id for a in answers}
    participant_ids = {a.participant_id for a in answers}
    items = {i.pk: i for i in Interaction.objects.filter(pk__in=interaction_ids)}
    people = {
        p.pk: p
        for p in Participant.objects.filter(
            pk__in=participant_ids, status=ParticipantStatus.ADMITTED
        ).only("pk", "run_id")
    }
    existing = {
        (r.interaction_id, r.participant_id): r
        for r in Response.objects.filter(
            interaction_id__in=interaction_ids, participant_id__in=participant_ids
        )
    }
    now = _now()
    new: dict[tuple[int, int], Response] = {}
    changed: dict[tuple[int, int], Response] = {}
    results: list[tuple[tuple[int, int], list, list[str]] | Exception] = []
    runs = set()
    for answer in answers:
        item = items.get(answer.interaction_id)
        person = people.get(answer.participant_id)
        key = (answer.interaction_id, answer.participant_id)
        response = new.get(key) or changed.get(key) or existing.get(key)
        try:
            if person is None or person.run_id != answer.run_id:
                raise ActionError("Only participants in the workshop can do that.")
            if item is None or item.run_id != answer.run_id:
                raise ActionError("No such activity in this run.")
            if item.kind not in answer.kinds:
                raise ActionError(answer.refusal)
            answered = response or Response(
                interaction_id=answer.interaction_id, participant_id=answer.participant_id
            )
            before = (list(answered.choices), list(answered.words))
            try:  # what was sent is checked first, so the reply says what is wrong with it
                answer.apply(item, answered)
                require_accepting(item, now)
            except ActionError:
                answered.choices, answered.words = before
                raise
        except ActionError as exc:
            results.append(exc)
            continue
        answered.updated_at = now
        if response is None:
            new[key] = answered
        elif key not in new:
            changed[key] = answered
        results.append((key, list(answered.choices), list(answered.words)))
        runs.add(answer.run_id)
    _write(list(new.values()), list(changed.values()), now)
    ids = {key: response.pk for key, response in existing.items()}
    if new:  # the inserts don't say their ids: one read for the whole batch
        rows = Response.objects.filter(
            interaction_id__in={key[0] for key in new}, participant_id__in={key[1] for key in new}
        ).values_list("interaction_id", "participant_id", "pk")
        ids |= {(interaction, person): pk for interaction, person, pk in rows}
    for run_id in runs:
        activity.changed(run_id, activity.RESPONSES)
    return [
        result if isinstance(result, Exception) else Stored(result[1], result[2], ids[result[0]])
        for result in results
    ]


def _write(new: list[Response], changed: list[Response], now) -> None:
    """Insert and update answers with one prepared statement each (executemany).

    A thousand answers through the ORM's bulk_create and bulk_update (a CASE per row) took
    longer than the whole rest of the storm; values still go through the fields' own
    conversions, so this works on SQLite and PostgreSQL alike.
    """
    choices_field = Response._meta.get_field("choices")
    words_field = Response._meta.get_field("words")
    updated_field = Response._meta.get_field("updated_at")
    table = connection.ops.quote_name(Response._meta.db_table)
    stamp = updated_field.get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        if new:
            columns = ("interaction_id", "participant_id", "choices", "words", "text", "passed",
                       "volunteer", "shortlisted", "shown", "hidden", "kept",
                       "updated_at")  # fmt: skip
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [
                    (
                        r.interaction_id,
                        r.participant_id,
                        choices_field.get_db_prep_save(r.choices, connection),
                        words_field.get_db_prep_save(r.words, connection),
                        "",
                        False,
                        False,
                        False,
                        False,
                        False,  # hidden (open questions only)
                        False,  # kept (open questions only)
                        stamp,
                    )  # fmt: skip
                    for r in new
                ],
            )
        if changed:
            cursor.executemany(
                f"UPDATE {table} SET choices = %s, words = %s, updated_at = %s "  # noqa: S608
                "WHERE id = %s",
                [
                    (
                        choices_field.get_db_prep_save(r.choices, connection),
                        words_field.get_db_prep_save(r.words, connection),
                        stamp,
                        r.pk,
                    )
                    for r in changed
                ],
            )


@transaction.atomic
def answer_write(
    *, run: Run, actor: Actor, interaction: int, text: str = "", passed: bool = False
) -> Response:
    """Write a response to a prompt, or pass."""
    check("answer.write", actor)
    refusal = "That one takes a choice, not words."
    participant, item = answering(actor, run, interaction, Kind.PROMPT, refusal)
    text = text.strip()
    if not passed and not text:
        raise ActionError("Write something, or choose to pass.")
    if len(text) > RESPONSE_MAX:
        raise ActionError(f"Keep it under {RESPONSE_MAX} characters.")
    response, _ = Response.objects.get_or_create(interaction=item, participant=participant)
    response.text = "" if passed else text
    response.passed = passed
    response.breakout_group = current_group(participant)
    response.save(update_fields=["text", "passed", "breakout_group", "updated_at"])
    activity.changed(run.pk, activity.RESPONSES)
    activity.changed_for(run.pk, participant.pk)
    if response.breakout_group_id:
        activity.changed(run.pk, activity.BREAKOUTS)
    return response


@transaction.atomic
def answer_volunteer(*, run: Run, actor: Actor, interaction: int, volunteer: bool) -> Response:
    """Offer to share aloud ("I'll share"), or withdraw the offer."""
    check("answer.volunteer", actor)
    refusal = "Only share-out prompts take volunteers."
    participant, item = answering(actor, run, interaction, Kind.PROMPT, refusal)
    response, _ = Response.objects.get_or_create(interaction=item, participant=participant)
    response.volunteer = volunteer
    response.save(update_fields=["volunteer", "updated_at"])
    activity.changed(run.pk, activity.RESPONSES)
    activity.changed_for(run.pk, participant.pk)
    return response


@transaction.atomic
def response_mark(
    *, run: Run, actor: Actor, response: int, shortlisted: bool | None = None,
    shown: bool | None = None,
) -> Response:  # fmt: skip
    """The team shortlists a response, or shows it on the projector."""
    check("response.mark", actor)
    if shortlisted is None and shown is None:
        raise ActionError("Say what to change: shortlisted or shown.")
    try:
        item = Response.objects.select_related("interaction").get(
            pk=int(response), interaction__run=run
        )
    except (Response.DoesNotExist, TypeError, ValueError):
        raise ActionError("No such response.") from None
    if shortlisted is not None:
        item.shortlisted = shortlisted
    if shown and not item.shown:
        on_screen = Response.objects.filter(interaction=item.interaction, shown=True).count()
        if on_screen >= RESPONSES_ON_SCREEN:
            raise ActionError(
                f"{RESPONSES_ON_SCREEN} responses are on the screen already, as many as fit: "
                "take one off first."
            )
    if shown is not None:
        item.shown = shown
        item.shortlisted = item.shortlisted or shown
    item.save(update_fields=["shortlisted", "shown"])
    activity.changed(run.pk, activity.RESPONSES)
    return item
