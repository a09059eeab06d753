"""The live quiz: revealing answers and the opt-in scoreboard. Answering a question is the
same as answering a poll (sessions.interactions.answer_choose): one answer per person, which
they may change until the question closes."""

from __future__ import annotations

from django.db import transaction

from sessions import activity
from sessions.interactions import get_interaction, lock_run, participant_in_room, require_open
from sessions.models import Kind, Run, State
from sessions.permissions import ActionError, Actor, check
from sessions.services import publish_live


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
def scoreboard_show(*, run: Run, actor: Actor, shown: bool) -> None:
    run = lock_run(run)
    check("quiz.scoreboard", actor, run.current_segment)
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
