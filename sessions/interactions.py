"""Everything that changes a run's interactions: share-out prompts, polls, the quiz's live
state, breakout groups, chat, raised hands and questions.

State changes the room must see at once (opening, closing, revealing) are published straight
away, like a slide change. Things that arrive in numbers (answers, chat lines, hands, votes)
mark an area of the run as changed, and `activity.py` pushes each changed area at most a few
times a second, rendered once per audience.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from sessions import activity
from sessions.models import (
    AudienceQuestion,
    Breakout,
    BreakoutGroup,
    ChatMessage,
    Interaction,
    Kind,
    Participant,
    ParticipantStatus,
    Response,
    Run,
    State,
    Status,
)
from sessions.once import first_submission
from sessions.permissions import ActionError, Actor, check
from sessions.ratelimit import allow

CHAT_MAX = 500
RESPONSE_MAX = 1000
QUESTION_MAX = 300
CHAT_BURST = 5  # messages per CHAT_WINDOW seconds, per person
CHAT_WINDOW = 10
HAND_CHANGES = 6  # raising or lowering one's hand, per HAND_WINDOW seconds, per person
HAND_WINDOW = 30
BREAKOUT_MIN_SECONDS = 5 * 60
RESPONSES_ON_SCREEN = 6  # as many response cards as the shared screen's stage holds


def _now():
    return timezone.now()


def lock_run(run: Run) -> Run:
    """The run re-read with its row locked for the rest of the transaction."""
    return Run.objects.select_for_update().get(pk=run.pk)


def get_interaction(run: Run, interaction_id) -> Interaction:
    try:
        return run.interactions.get(pk=int(interaction_id))
    except (Interaction.DoesNotExist, TypeError, ValueError):
        raise ActionError("No such prompt, poll or question in this run.") from None


def participant_in_room(actor: Actor) -> Participant:
    participant = (
        Participant.objects.select_related("run")
        .defer("run__deck_snapshot")
        .filter(pk=actor.participant_id)
        .first()
        if actor.participant_id
        else None
    )
    if participant is None or participant.status != ParticipantStatus.ADMITTED:
        raise ActionError("Only participants in the workshop can do that.")
    return participant


def require_open(run: Run) -> None:
    if run.status == Status.ENDED:
        raise ActionError("This workshop has ended.")


# --- the deck's interactions follow the slides -----------------------------------------------


def sync_deck_interactions(run: Run) -> None:
    """Create (or refresh, while not yet used) the run's copies of its deck's prompts, polls
    and quiz questions, from the frozen deck."""
    deck = run.deck_data
    wanted = {}
    for slide in deck.slides:
        if slide.prompt:
            wanted[slide.prompt.key] = {
                "kind": Kind.PROMPT,
                "slide_number": slide.number,
                "text": slide.prompt.text,
                "breakouts": slide.prompt.breakouts,
            }
        if slide.poll:
            wanted[slide.poll.key] = {
                "kind": Kind.POLL,
                "slide_number": slide.number,
                "text": slide.poll.question,
                "options": slide.poll.options,
                "multiple": slide.poll.multiple,
                "results_visible": run.poll_results_visible,
            }
    for question in deck.questions:
        wanted[question.key] = {
            "kind": Kind.QUIZ,
            "slide_number": question.slide,
            "answer_slide_number": question.answer_slide,
            "text": question.text,
            "options": [choice.text for choice in question.choices],
            "multiple": question.multiple,
            "correct": question.correct_indexes,
            "explanation": question.explanation,
        }
    existing = {i.key: i for i in run.interactions.filter(slide_number__isnull=False)}
    for key, values in wanted.items():
        item = existing.pop(key, None)
        if item is None:
            Interaction.objects.create(run=run, key=key, **values)
        elif item.state == State.READY and not item.responses.exists():
            Interaction.objects.filter(pk=item.pk).update(**values)
    for item in existing.values():
        if item.state == State.READY and not item.responses.exists():
            item.delete()


def follow_slide(run: Run, previous: int) -> None:
    """The live slide changed from `previous` to run.slide_number: open what belongs to the
    new slide, close what belonged only to the old one, and reveal a quiz question when its
    answer slide comes up. Runs inside the slide change's transaction."""
    now = _now()
    number = run.slide_number
    if number == previous:
        return
    for item in run.interactions.filter(slide_number__isnull=False):
        on_new = item.slide_number == number
        if on_new and (item.state == State.READY or _back_to_its_slide(item)):
            open_interaction(item, now)
        elif item.kind == Kind.QUIZ and item.answer_slide_number == number:
            if item.state in (State.OPEN, State.CLOSED):
                item.state = State.REVEALED
                item.save(update_fields=["state"])
        elif item.slide_number == previous and item.state == State.OPEN:
            item.state = State.CLOSED
            item.closed_with_slide = True
            item.save(update_fields=["state", "closed_with_slide"])


def _back_to_its_slide(item: Interaction) -> bool:
    """Closed only because the slides moved on (not by hand, nor by its timer running out):
    when its slide comes back, so does the activity."""
    return item.state == State.CLOSED and item.closed_with_slide and item.closes_at is None


def open_interaction(item: Interaction, now, timer_seconds: int | None = None) -> None:
    item.state = State.OPEN
    item.opened_at = now
    item.timer_seconds = timer_seconds
    item.closes_at = now + timedelta(seconds=timer_seconds) if timer_seconds else None
    item.closed_with_slide = False
    item.save(
        update_fields=["state", "opened_at", "timer_seconds", "closes_at", "closed_with_slide"]
    )


def _publish_now(run: Run, event: str) -> None:
    from sessions.services import publish_live

    publish_live(run, event)


# --- the console's hands on interactions ------------------------------------------------------


@transaction.atomic
def interaction_open(
    *, run: Run, actor: Actor, interaction: int, timer: int | None = None
) -> Interaction:
    """Open (or re-open) any interaction by hand; it stays open until closed by hand."""
    run = lock_run(run)
    check("interaction.open", actor, run.current_segment)
    require_open(run)
    item = get_interaction(run, interaction)
    if item.state == State.REVEALED:
        raise ActionError(
            "Its answer has been revealed: ask it again as a new question instead, so nobody "
            "answers after seeing the answer and the scores stay as they were."
        )
    if timer is not None and not 10 <= timer <= 600:
        raise ActionError("A timer runs for between 10 seconds and 10 minutes.")
    if item.kind != Kind.QUIZ and timer:
        raise ActionError("Only quiz questions have timers.")
    open_interaction(item, _now(), timer)
    _publish_now(run, "interaction.opened")
    return item


@transaction.atomic
def interaction_close(*, run: Run, actor: Actor, interaction: int) -> Interaction:
    run = lock_run(run)
    check("interaction.close", actor, run.current_segment)
    item = get_interaction(run, interaction)
    if item.state != State.OPEN:
        raise ActionError("That isn't open.")
    item.state = State.CLOSED
    item.closes_at = None
    item.closed_with_slide = False
    item.save(update_fields=["state", "closes_at", "closed_with_slide"])
    _publish_now(run, "interaction.closed")
    return item


@transaction.atomic
def interaction_results(*, run: Run, actor: Actor, interaction: int, visible: bool) -> Interaction:
    """Show a poll's results to participants (and on the projector), or hide them again."""
    run = lock_run(run)
    check("interaction.results", actor, run.current_segment)
    item = get_interaction(run, interaction)
    if item.kind != Kind.POLL:
        raise ActionError("Only polls have results to show.")
    item.results_visible = visible
    item.save(update_fields=["results_visible"])
    _publish_now(run, "interaction.results")
    return item


@transaction.atomic
def interaction_create(
    *, run: Run, actor: Actor, kind: str, text: str, options: list[str] | None = None,
    multiple: bool = False, token: str | None = None,
) -> Interaction | None:  # fmt: skip
    """An ad-hoc prompt or poll, opened at once. A repeat of the same submission (`token`, see
    once.py) opens nothing more and returns None: the first one's card clears the form."""
    run = lock_run(run)
    check("interaction.create", actor, run.current_segment)
    require_open(run)
    text = text.strip()
    if kind not in (Kind.PROMPT, Kind.POLL):
        raise ActionError("Make a prompt or a poll.")
    if not text or len(text) > 300:
        raise ActionError("Write the question in 1 to 300 characters.")
    options = [option.strip() for option in (options or []) if option.strip()]
    if kind == Kind.POLL and not 2 <= len(options) <= 8:
        raise ActionError("A poll needs between 2 and 8 options.")
    if any(len(option) > 120 for option in options):
        raise ActionError("Keep each option under 120 characters.")
    with first_submission(run.pk, actor, token) as first:
        if not first:
            return None
        count = run.interactions.filter(key__startswith="adhoc-").count()
        item = Interaction.objects.create(
            run=run,
            kind=kind,
            key=f"adhoc-{count + 1}",
            text=text,
            options=options if kind == Kind.POLL else [],
            multiple=multiple and kind == Kind.POLL,
            results_visible=run.poll_results_visible,
        )
        open_interaction(item, _now())
        _publish_now(run, "interaction.opened")
    return item


@transaction.atomic
def tally_add(*, run: Run, actor: Actor, interaction: int, option: int, amount: int = 1) -> None:
    """Count answers given aloud or in the chat, by hand."""
    run = lock_run(run)
    check("interaction.tally", actor, run.current_segment)
    require_open(run)
    item = get_interaction(run, interaction)
    if not item.is_choice or not 0 <= option < len(item.options):
        raise ActionError("No such option.")
    counts = list(item.manual_tally) + [0] * (len(item.options) - len(item.manual_tally))
    counts[option] = max(0, counts[option] + amount)
    item.manual_tally = counts
    item.save(update_fields=["manual_tally"])
    activity.changed(run.pk, activity.RESPONSES)


# --- participants answering -------------------------------------------------------------------


def _accepting(item: Interaction, now=None) -> None:
    # Ending a run closes everything open, so an ended run accepts nothing here either.
    if item.state != State.OPEN:
        raise ActionError("That question isn't open for answers.")
    if not item.accepting(now or _now()):
        raise ActionError("Time's up for that question.")


def _current_group(participant: Participant) -> BreakoutGroup | None:
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


@transaction.atomic
def answers_record(answers: list[tuple[int, int, int, int, bool]]) -> list[list[int] | Exception]:
    """Record many answers (run, participant, interaction, choice, selected) in one transaction.

    Returns, for each, the choices now stored or the ActionError saying why not. Callers
    have checked that each actor is a participant; this checks the rest, row by row.
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
    results: list[list[int] | Exception] = []
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
            _accepting(item, now)
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
        results.append(list(response.choices))
        runs.add(run_id)
    _write_choices(list(new.values()), list(changed.values()), now)
    for run_id in runs:
        activity.changed(run_id, activity.RESPONSES)
    return results


def _write_choices(new: list[Response], changed: list[Response], now) -> None:
    """Insert and update answers with one prepared statement each (executemany).

    A thousand answers through the ORM's bulk_create and bulk_update (a CASE per row) took
    longer than the whole rest of the storm; values still go through the fields' own
    conversions, so this works on SQLite and PostgreSQL alike.
    """
    choices_field = Response._meta.get_field("choices")
    updated_field = Response._meta.get_field("updated_at")
    table = connection.ops.quote_name(Response._meta.db_table)
    stamp = updated_field.get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        if new:
            columns = ("interaction_id", "participant_id", "choices", "text", "passed",
                       "volunteer", "shortlisted", "shown", "updated_at")  # fmt: skip
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [
                    (
                        r.interaction_id,
                        r.participant_id,
                        choices_field.get_db_prep_save(r.choices, connection),
                        "",
                        False,
                        False,
                        False,
                        False,
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
    participant = participant_in_room(actor)
    item = get_interaction(run, interaction)
    if item.kind != Kind.PROMPT:
        raise ActionError("That one takes a choice, not words.")
    _accepting(item)
    text = text.strip()
    if not passed and not text:
        raise ActionError("Write something, or choose to pass.")
    if len(text) > RESPONSE_MAX:
        raise ActionError(f"Keep it under {RESPONSE_MAX} characters.")
    response, _ = Response.objects.get_or_create(interaction=item, participant=participant)
    response.text = "" if passed else text
    response.passed = passed
    response.breakout_group = _current_group(participant)
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
    participant = participant_in_room(actor)
    item = get_interaction(run, interaction)
    if item.kind != Kind.PROMPT:
        raise ActionError("Only share-out prompts take volunteers.")
    _accepting(item)
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


# --- breakout groups --------------------------------------------------------------------------


def breakout_time_left(run: Run) -> float:
    """Seconds left in the current segment: breakouts fit only if there are enough."""
    from sessions.selectors import agenda_for

    return agenda_for(run).remaining


@transaction.atomic
def breakout_start(
    *, run: Run, actor: Actor, interaction: int, groups: int, seed: int | None = None
) -> Breakout:
    """Split the admitted participants at random into `groups` groups for a prompt."""
    run = lock_run(run)
    check("breakout.start", actor)
    require_open(run)
    item = get_interaction(run, interaction)
    if item.kind != Kind.PROMPT:
        raise ActionError("Breakout groups discuss a share-out prompt.")
    if run.breakouts.filter(ended_at__isnull=True).exists():
        raise ActionError("Breakout groups are already running: end them first.")
    if breakout_time_left(run) < BREAKOUT_MIN_SECONDS:
        raise ActionError(
            "There isn't enough time left in this segment for breakout groups (they need 5 "
            "minutes): move on, or go back to a segment with time to spare."
        )
    people = list(run.participants.filter(status=ParticipantStatus.ADMITTED).order_by("number"))
    if len(people) < 2 or not 2 <= groups <= len(people):
        raise ActionError(
            f"Choose between 2 and {max(2, len(people))} groups for {len(people)} people "
            "(breakout groups need at least 2 people in the room)."
        )
    random.Random(seed).shuffle(people)
    breakout = Breakout.objects.create(run=run, interaction=item)
    made = BreakoutGroup.objects.bulk_create(
        BreakoutGroup(breakout=breakout, number=n + 1) for n in range(groups)
    )
    Member = BreakoutGroup.members.through
    Member.objects.bulk_create(
        Member(breakoutgroup_id=made[index % groups].pk, participant_id=person.pk)
        for index, person in enumerate(people)
    )
    for person in people:
        activity.changed_for(run.pk, person.pk)
    if item.state != State.OPEN:
        open_interaction(item, _now())
    _publish_now(run, "breakout.started")
    activity.changed(run.pk, activity.BREAKOUTS)
    return breakout


@transaction.atomic
def breakout_move(*, run: Run, actor: Actor, participant: int, group: int) -> None:
    """Move one person to another group, by hand."""
    check("breakout.start", actor)
    breakout = run.breakouts.filter(ended_at__isnull=True).first()
    if breakout is None:
        raise ActionError("No breakout groups are running.")
    target = breakout.groups.filter(number=group).first()
    person = run.participants.filter(pk=participant, status=ParticipantStatus.ADMITTED).first()
    if target is None or person is None:
        raise ActionError("No such group or participant.")
    for existing in breakout.groups.filter(members=person):
        existing.members.remove(person)
    target.members.add(person)
    # What they wrote moves with them, to their new group's board.
    Response.objects.filter(interaction=breakout.interaction, participant=person).update(
        breakout_group=target
    )
    activity.changed_for(run.pk, person.pk)
    activity.changed(run.pk, activity.BREAKOUTS)


@transaction.atomic
def breakout_end(*, run: Run, actor: Actor) -> None:
    run = lock_run(run)
    check("breakout.start", actor)
    breakout = run.breakouts.filter(ended_at__isnull=True).first()
    if breakout is None:
        raise ActionError("No breakout groups are running.")
    breakout.ended_at = _now()
    breakout.save(update_fields=["ended_at"])
    breakout.groups.update(summary_shown=False)  # the room's screen goes back to the slides
    for member in Participant.objects.filter(breakout_groups__breakout=breakout):
        activity.changed_for(run.pk, member.pk)
    _publish_now(run, "breakout.ended")


@transaction.atomic
def group_summary(*, run: Run, actor: Actor, group: int, text: str) -> BreakoutGroup:
    """A group's summary, written by one of its members or the team."""
    check("breakout.summary", actor)
    target = BreakoutGroup.objects.filter(
        breakout__run=run, breakout__ended_at__isnull=True, number=group
    ).first()
    if target is None:
        raise ActionError("No such group.")
    if actor.participant_id and not target.members.filter(pk=actor.participant_id).exists():
        raise ActionError("You can only write your own group's summary.")
    if len(text) > RESPONSE_MAX:
        raise ActionError(f"Keep it under {RESPONSE_MAX} characters.")
    target.summary = text.strip()
    target.summary_by_id = actor.participant_id
    target.summary_by_user_id = None if actor.participant_id else actor.user_id
    target.save(update_fields=["summary", "summary_by", "summary_by_user"])
    activity.changed(run.pk, activity.BREAKOUTS)
    return target


@transaction.atomic
def group_show(*, run: Run, actor: Actor, group: int, shown: bool) -> None:
    check("breakout.show", actor)
    updated = (
        BreakoutGroup.objects.filter(breakout__run=run, number=group)
        .filter(breakout=run.breakouts.order_by("-started_at").first())
        .update(summary_shown=shown)
    )
    if not updated:
        raise ActionError("No such group.")
    activity.changed(run.pk, activity.BREAKOUTS)


# --- chat ------------------------------------------------------------------------------------


@transaction.atomic
def chat_send(*, run: Run, actor: Actor, text: str, token: str | None = None) -> ChatMessage | None:
    """A chat line from a participant (to everyone or the team, as the run says) or the team.

    A repeat of the same submission (`token`, see once.py) adds no line and returns None; a
    participant's is acknowledged all the same (the team's box clears when the first line
    shows)."""
    check("chat.send", actor)
    run = Run.objects.get(pk=run.pk)
    if not run.chat_enabled:
        raise ActionError("Chat is off for this workshop.")
    require_open(run)
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if not text:
        raise ActionError("Write a message first.")
    if len(text) > CHAT_MAX:
        raise ActionError(f"Keep messages under {CHAT_MAX} characters.")
    participant = participant_in_room(actor) if actor.participant_id else None
    if participant is not None and participant.muted:
        raise ActionError("The host has muted you in the chat.")
    with first_submission(run.pk, actor, token) as first:
        if not first:
            if participant is not None:
                activity.acknowledge(run.pk, participant.pk, "chat.saved")
            return None
        # Counted once the line is otherwise fine, and not for a repeat.
        who = f"p{actor.participant_id}" if actor.participant_id else f"u{actor.user_id}"
        if not allow(f"chat:{run.pk}", who, limit=CHAT_BURST, window=CHAT_WINDOW):
            raise ActionError(
                f"You're sending messages quickly: at most {CHAT_BURST} every {CHAT_WINDOW} "
                "seconds."
            )
        if participant is not None:
            message = ChatMessage.objects.create(
                run=run, participant=participant, text=text, to_team=not run.chat_to_everyone
            )
            if message.to_team:
                activity.changed_for(run.pk, participant.pk)  # their own lines, in #my-chat
            activity.acknowledge(run.pk, participant.pk, "chat.saved", message=message.pk)
        else:
            message = ChatMessage.objects.create(run=run, author_id=actor.user_id, text=text)
        activity.changed(run.pk, activity.CHAT)
    return message


@transaction.atomic
def chat_hide(*, run: Run, actor: Actor, message: int, hidden: bool = True) -> None:
    check("chat.moderate", actor)
    line = run.chat_messages.filter(pk=message).first()
    if line is None:
        raise ActionError("No such message.")
    line.hidden = hidden
    line.save(update_fields=["hidden"])
    if line.participant_id:
        activity.changed_for(run.pk, line.participant_id)
    activity.changed(run.pk, activity.CHAT)


@transaction.atomic
def participant_mute(*, run: Run, actor: Actor, participant: int, muted: bool = True) -> None:
    check("chat.moderate", actor)
    if not run.participants.filter(pk=participant).update(muted=muted):
        raise ActionError("No such participant.")
    activity.changed_for(run.pk, participant)
    activity.changed(run.pk, activity.CHAT)


# --- raised hands ---------------------------------------------------------------------------


@transaction.atomic
def hand_raise(*, run: Run, actor: Actor, raised: bool) -> None:
    check("hand.raise", actor)
    participant = participant_in_room(actor)
    require_open(participant.run)
    if raised == (participant.hand_raised_at is not None):
        # Already so (a double tap, or the message sent twice): nothing new for the team; the
        # person's own page is brought up to date in case it showed otherwise.
        activity.changed_for(run.pk, participant.pk)
        return
    # Each change is a push to the team: a hand waved up and down is held back.
    if not allow(f"hand:{run.pk}", str(participant.pk), limit=HAND_CHANGES, window=HAND_WINDOW):
        raise ActionError(
            "You've raised and lowered your hand several times in a few seconds: wait a "
            "moment, then try again."
        )
    participant.hand_raised_at = _now() if raised else None
    participant.save(update_fields=["hand_raised_at"])
    activity.changed_for(run.pk, participant.pk)
    activity.changed(run.pk, activity.HANDS)


@transaction.atomic
def hand_lower(*, run: Run, actor: Actor, participant: int | None = None) -> int:
    """The team lowers one person's hand, or everyone's."""
    check("hand.lower", actor)
    people = run.participants.filter(hand_raised_at__isnull=False)
    if participant is not None:
        people = people.filter(pk=participant)
    ids = list(people.values_list("pk", flat=True))
    Participant.objects.filter(pk__in=ids).update(hand_raised_at=None)
    for person in ids:
        activity.changed_for(run.pk, person)
    activity.changed(run.pk, activity.HANDS)
    return len(ids)


# --- questions and upvotes --------------------------------------------------------------------


@transaction.atomic
def question_ask(
    *, run: Run, actor: Actor, text: str, token: str | None = None
) -> AudienceQuestion | None:
    """A participant's question for the Q&A. A repeat of the same submission (`token`, see
    once.py) asks nothing more and returns None, but is acknowledged so the box clears."""
    check("question.ask", actor)
    participant = participant_in_room(actor)
    require_open(participant.run)  # read now: a socket's run can be older than the end
    text = text.strip()
    if not text:
        raise ActionError("Write your question first.")
    if len(text) > QUESTION_MAX:
        raise ActionError(f"Keep questions under {QUESTION_MAX} characters.")
    with first_submission(run.pk, actor, token) as first:
        if not first:
            activity.acknowledge(run.pk, participant.pk, "question.saved")
            return None
        if not allow(f"question:{run.pk}", str(participant.pk), limit=3, window=60):
            raise ActionError("You've asked several questions in a minute: give the team a moment.")
        question = AudienceQuestion.objects.create(run=run, participant=participant, text=text)
        activity.changed_for(run.pk, participant.pk)  # their own: no upvoting it
        activity.acknowledge(run.pk, participant.pk, "question.saved")
        activity.changed(run.pk, activity.QUESTIONS)
    return question


@transaction.atomic
def question_upvote(
    *, run: Run, actor: Actor, question: int, voted: bool = True
) -> AudienceQuestion:
    """Upvote a question (`voted`), or take the vote back. Not your own.

    The message says what the voter wants, rather than toggling, so a double tap (or a
    message sent twice) leaves one vote, not none.
    """
    check("question.upvote", actor)
    participant = participant_in_room(actor)
    require_open(participant.run)
    target = (
        AudienceQuestion.objects.select_for_update()
        .filter(pk=question, run=run, hidden=False)
        .first()
    )
    if target is None:
        raise ActionError("No such question.")
    if target.participant_id == participant.pk:
        raise ActionError("You can't upvote your own question.")
    if voted:
        target.voters.add(participant)  # adding an existing vote again changes nothing
    else:
        target.voters.remove(participant)
    target.votes = target.voters.count()
    target.save(update_fields=["votes"])
    activity.changed_for(run.pk, participant.pk)
    activity.changed(run.pk, activity.QUESTIONS)
    return target


@transaction.atomic
def question_mark(
    *, run: Run, actor: Actor, question: int, answered: bool | None = None,
    hidden: bool | None = None, on_screen: bool | None = None,
) -> None:  # fmt: skip
    """The team marks a question answered, hides it, or puts it on the shared screen (one at
    a time; a hidden question comes off). Putting one on the screen takes the room's screen,
    so it is for whoever runs the segment, as the scoreboard is."""
    check("question.moderate", actor)
    if on_screen is not None:
        run = lock_run(run)  # two at once must not leave two questions on the screen
        check("question.show", actor, run.current_segment)
        if on_screen:
            require_open(run)
    changes = {}
    if answered is not None:
        changes["answered"] = answered
    if hidden is not None:
        changes["hidden"] = hidden
        if hidden:
            changes["on_screen"] = False
    if on_screen is not None:
        changes["on_screen"] = on_screen
    if not changes:
        raise ActionError("Say what to change: answered, hidden or on the screen.")
    target = run.questions.filter(pk=question).first()
    if target is None:
        raise ActionError("No such question.")
    if on_screen and (target.hidden or changes.get("hidden")):
        raise ActionError("A hidden question can't go on the screen: unhide it first.")
    if on_screen:
        run.questions.filter(on_screen=True).exclude(pk=target.pk).update(on_screen=False)
    run.questions.filter(pk=target.pk).update(**changes)
    activity.changed(run.pk, activity.QUESTIONS)
    if "on_screen" in changes or target.on_screen:
        activity.changed(run.pk, activity.SCREEN)
