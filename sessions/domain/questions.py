"""Participants' questions for the Q&A: asking, upvoting, and the team marking them (answered,
hidden, on the shared screen)."""

from __future__ import annotations

from django.db import transaction

from sessions.domain.guards import lock_run, participant_in_room, require_open
from sessions.domain.once import first_submission
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.ratelimit import allow
from sessions.live import activity
from sessions.models import AudienceQuestion, Run

QUESTION_MAX = 300


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
