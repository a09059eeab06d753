"""Participants answering prompts, polls and quiz questions, and the team marking responses
(shortlisted, on the shared screen)."""

from __future__ import annotations

from dataclasses import dataclass

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


@transaction.atomic
def answer_choose(
    *, run: Run, actor: Actor, interaction: int, choice: int, selected: bool = True
) -> Response:
    """Choose an option of a poll or quiz question (or unchoose it, for choose-all-that-apply).

    One response per person per question; it can change until the question closes.
    (Sockets go through answers_record, which does the same for many answers at once.)
    """
    check("answer.choose", actor)
    participant = participant_in_room(actor)
    (result,) = answers_record([(run.pk, participant.pk, interaction, choice, selected)])
    if isinstance(result, Exception):
        raise result
    return Response.objects.get(interaction_id=interaction, participant=participant)


async def answer_choose_batched(
    *, run: Run, actor: Actor, interaction: int, choice: int, selected: bool = True, batcher
) -> Stored:
    """answer_choose for a socket: the same check, then written together with other answers
    by `batcher` (sessions.live.batching, which calls answers_record); what is stored comes
    back once it is committed."""
    check("answer.choose", actor)
    return await batcher.submit(
        run_id=run.pk,
        participant_id=actor.participant_id,
        interaction_id=interaction,
        choice=choice,
        selected=selected,
    )


@dataclass(frozen=True)
class Stored:
    """An answer recorded: the choices now stored for it, and its response's id."""

    choices: list[int]
    response: int


@transaction.atomic
def answers_record(answers: list[tuple[int, int, int, int, bool]]) -> list[Stored | Exception]:
    """Record many answers (run, participant, interaction, choice, selected) in one transaction.

    Returns, for each, what is now stored or the ActionError saying why not. Callers have
    checked that each actor is a participant; this checks the rest, row by row.
    """
    interaction_ids = {a[2] for a in answers}
    participant_ids = {a[1] for a in answers}
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
    results: list[tuple[tuple[int, int], list[int]] | Exception] = []
    runs = set()
    for run_id, participant_id, interaction_id, choice, selected in answers:
        item = items.get(interaction_id)
        person = people.get(participant_id)
        try:
            if person is None or person.run_id != run_id:
                raise ActionError("Only participants in the workshop can do that.")
            if item is None or item.run_id != run_id:
                raise ActionError("No such prompt, poll or question in this run.")
            if not item.is_choice:
                raise ActionError("That one takes words, not a choice.")
            if not 0 <= choice < len(item.options):
                raise ActionError("No such option.")
            require_accepting(item, now)
        except ActionError as exc:
            results.append(exc)
            continue
        key = (interaction_id, participant_id)
        response = new.get(key) or changed.get(key) or existing.get(key)
        if response is None:
            response = new[key] = Response(
                interaction_id=interaction_id, participant_id=participant_id, updated_at=now
            )
        elif key not in new:
            changed[key] = response
        response.choices = _chosen(item, response.choices, choice, selected)
        response.updated_at = now
        results.append((key, list(response.choices)))
        runs.add(run_id)
    _write_choices(list(new.values()), list(changed.values()), now)
    ids = {key: response.pk for key, response in existing.items()}
    if new:  # the inserts don't say their ids: one read for the whole batch
        rows = Response.objects.filter(
            interaction_id__in={key[0] for key in new}, participant_id__in={key[1] for key in new}
        ).values_list("interaction_id", "participant_id", "pk")
        ids |= {(interaction, person): pk for interaction, person, pk in rows}
    for run_id in runs:
        activity.changed(run_id, activity.RESPONSES)
    return [
        result if isinstance(result, Exception) else Stored(result[1], ids[result[0]])
        for result in results
    ]


def _write_choices(new: list[Response], changed: list[Response], now) -> None:
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
            no_words = words_field.get_db_prep_save([], connection)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [
                    (
                        r.interaction_id,
                        r.participant_id,
                        choices_field.get_db_prep_save(r.choices, connection),
                        no_words,
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
                f"UPDATE {table} SET choices = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                [
                    (choices_field.get_db_prep_save(r.choices, connection), stamp, r.pk)
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
