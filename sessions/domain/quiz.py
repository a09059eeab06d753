"""The live quiz: revealing answers, asking a question again and the opt-in scoreboard.
Answering a question is the same as answering a poll (answers.answer_choose): one answer per
person, which they may change until the question closes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sessions.domain.guards import get_interaction, lock_run, participant_in_room, require_open
from sessions.domain.interactions import open_interaction
from sessions.domain.permissions import ActionError, Actor, check
from sessions.live import activity
from sessions.live.publish import publish_live
from sessions.models import Interaction, Kind, Run, State


@transaction.atomic
def quiz_reveal(*, run: Run, actor: Actor, interaction: int) -> None:
    """Close the question (if open) and show its answer, explanation and distribution to all."""
    run = lock_run(run)
    check("quiz.reveal", actor, run.current_segment)
    item = get_interaction(run, interaction)
    if item.kind != Kind.QUIZ:
        raise ActionError("Only quiz questions have answers to reveal.")
    if item.state == State.READY:
        raise ActionError("Open the question before revealing its answer.")
    item.state = State.REVEALED
    item.closes_at = None
    item.save(update_fields=["state", "closes_at"])
    publish_live(run, "quiz.revealed")


@transaction.atomic
def quiz_again(*, run: Run, actor: Actor, interaction: int) -> Interaction:
    """Ask a revealed quiz question again as a new question, opened at once.

    Re-opening the revealed one would let people change their answers after seeing the right
    one, and take its points off the scoreboard; the copy starts afresh and the first round
    keeps its answers, its reveal and its scores.
    """
    run = lock_run(run)
    check("quiz.again", actor, run.current_segment)
    require_open(run)
    item = get_interaction(run, interaction)
    if item.kind != Kind.QUIZ or item.state != State.REVEALED:
        raise ActionError("Only a quiz question whose answer was revealed can be asked again.")
    if item.asked_again:
        raise ActionError("It has been asked again already: that one is open now.")
    keys = set(run.interactions.values_list("key", flat=True))
    number = 1
    while (key := f"again-{number}-{item.key}"[:80]) in keys:
        number += 1
    # The copy belongs to the same slides (it closes when they are left, and is revealed on
    # its answer slide); the first round leaves the room's screens, so nobody answers the
    # second while looking at the first's answer.
    copy = Interaction.objects.create(
        run=run,
        kind=Kind.QUIZ,
        key=key,
        slide_number=item.slide_number,
        answer_slide_number=item.answer_slide_number,
        text=item.text,
        options=item.options,
        multiple=item.multiple,
        correct=item.correct,
        explanation=item.explanation,
    )
    item.asked_again = True
    item.save(update_fields=["asked_again"])
    open_interaction(copy, timezone.now())
    publish_live(run, "interaction.opened")
    return copy


@transaction.atomic
def quiz_scoreboard(*, run: Run, actor: Actor, shown: bool) -> None:
    run = lock_run(run)
    check("quiz.scoreboard", actor, run.current_segment)
    if shown:
        require_open(run)  # the room's screen says thank you now
    if shown and not run.quiz_scoreboard:
        raise ActionError("The scoreboard is off for this run (see its settings).")
    run.scoreboard_shown = shown
    publish_live(run, "quiz.scoreboard")


@transaction.atomic
def scoreboard_join(*, run: Run, actor: Actor, joined: bool) -> None:
    """A participant chooses to appear, by name, on the scoreboard (or not any more)."""
    check("scoreboard.join", actor)
    participant = participant_in_room(actor)
    require_open(participant.run)
    if not participant.run.quiz_scoreboard:
        raise ActionError("This workshop has no scoreboard.")
    if joined and not participant.named_on_screens:
        raise ActionError(
            "To be on the scoreboard, give your name and choose to show it (in Your data)."
        )
    participant.on_scoreboard = joined
    participant.save(update_fields=["on_scoreboard"])
    activity.changed_for(run.pk, participant.pk)
    activity.changed(run.pk, activity.RESPONSES)
