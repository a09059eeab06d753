"""Participants' questions for the Q&A: asking (named or, where the run allows it, anonymously),
upvoting, and the team moderating them: approving or dismissing what waits in a moderated run's
queue, marking answered, hidden or on the shared screen, pinning one and replying in writing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dpup_workshop.text import clean as clean_text
from sessions.domain.guards import lock_run, participant_in_room, require_open
from sessions.domain.once import first_submission
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.ratelimit import allow
from sessions.live import activity
from sessions.models import AudienceQuestion, Run

QUESTION_MAX = 300
REPLY_MAX = 500


@transaction.atomic
def question_ask(
    *, run: Run, actor: Actor, text: str, token: str | None = None, anonymous: bool = False
) -> AudienceQuestion | None:
    """A participant's question for the Q&A. A repeat of the same submission (`token`, see
    once.py) asks nothing more and returns None, but is acknowledged so the box clears.

    In a moderated run the question waits for the team (`approved` False): only the team and
    the asker see it until it is approved. `anonymous` (where the run allows it) keeps the
    asker's name from everyone, the team included, so that a shy question still gets asked.
    """
    check("question.ask", actor)
    participant = participant_in_room(actor)
    current = participant.run  # read now: a socket's run can be older than its settings
    require_open(current)
    if anonymous and not current.qa_anonymous:
        raise ActionError("This workshop doesn't take anonymous questions: untick the box.")
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
        question = AudienceQuestion.objects.create(
            run=run,
            participant=participant,
            text=text,
            anonymous=anonymous,
            approved=not current.qa_moderated,
        )
        activity.changed_for(run.pk, participant.pk)  # their own: no upvoting it
        about = {} if question.approved else {"waiting": True}
        activity.acknowledge(run.pk, participant.pk, "question.saved", **about)
        # A question waiting for approval changes only the team's list: the room's stays.
        activity.changed(run.pk, activity.QUESTIONS if question.approved else activity.QUEUE)
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
    target = AudienceQuestion.objects.select_for_update().filter(pk=question, run=run).first()
    if target is None:
        raise ActionError("No such question.")
    if not target.approved or target.hidden:
        raise ActionError(
            "Only questions in everyone's list can be upvoted: this one is waiting for the team "
            "or was taken off the list."
        )
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
    a time; a hidden question comes off, and loses its pin). Putting one on the screen takes
    the room's screen, so it is for whoever runs the segment, as the scoreboard is."""
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
            changes["pinned"] = False
    if on_screen is not None:
        changes["on_screen"] = on_screen
    if not changes:
        raise ActionError("Say what to change: answered, hidden or on the screen.")
    target = run.questions.filter(pk=question).first()
    if target is None:
        raise ActionError("No such question.")
    if on_screen and (target.hidden or changes.get("hidden")):
        raise ActionError("A hidden question can't go on the screen: unhide it first.")
    if on_screen and not target.approved:
        raise ActionError("Approve the question first: then it can go on the screen.")
    if on_screen:
        run.questions.filter(on_screen=True).exclude(pk=target.pk).update(on_screen=False)
    run.questions.filter(pk=target.pk).update(**changes)
    activity.changed(run.pk, activity.QUESTIONS)
    if "on_screen" in changes or target.on_screen:
        activity.changed(run.pk, activity.SCREEN)
    if "hidden" in changes:
        activity.changed_for(run.pk, target.participant_id)  # their list of their own says so


def _for_the_team(run: Run, actor: Actor, question: int) -> AudienceQuestion:
    """The question the team acts on, locked so that two of them moderating at once act one
    after the other (the second approval of one question is refused, not repeated). An id
    from another run is refused as an unknown one: nothing says it exists."""
    check("question.moderate", actor)
    target = AudienceQuestion.objects.select_for_update().filter(pk=question, run=run).first()
    if target is None:
        raise ActionError("No such question in this workshop.")
    return target


def _moderated(run: Run, target: AudienceQuestion, *, fields: list[str], public: bool) -> None:
    """Save a decision on a queued question: the team's list changes (everyone's too when
    it is `public`: approved), and the asker's list of their own questions that aren't in
    everyone's (see selectors.personal_context)."""
    target.save(update_fields=fields)
    activity.changed(run.pk, activity.QUESTIONS if public else activity.QUEUE)
    activity.changed_for(run.pk, target.participant_id)


@transaction.atomic
def question_approve(*, run: Run, actor: Actor, question: int) -> AudienceQuestion:
    """Publish a question from the moderation queue to everyone. A dismissed one can be
    approved after all (the team changed its mind); an approved one can't be approved twice,
    so two moderators pressing at once get one publication and a clear word."""
    target = _for_the_team(run, actor, question)
    if target.approved:
        hint = ": unhide it to show it again" if target.hidden else ""
        raise ActionError(f"That question is already approved{hint}.")
    target.approved, target.hidden = True, False
    _moderated(run, target, fields=["approved", "hidden"], public=True)
    return target


@transaction.atomic
def question_dismiss(*, run: Run, actor: Actor, question: int) -> AudienceQuestion:
    """Take a question out of the moderation queue without showing it to anyone. The asker
    still sees it, kindly marked as not taken up, so it doesn't just vanish on them."""
    target = _for_the_team(run, actor, question)
    if target.approved:
        raise ActionError("That question is already in everyone's list: hide it instead.")
    if target.hidden:
        raise ActionError("That question is already dismissed.")
    target.hidden = True
    _moderated(run, target, fields=["hidden"], public=False)
    return target


@transaction.atomic
def question_pin(*, run: Run, actor: Actor, question: int, pinned: bool = True) -> None:
    """Pin a question to the top of every list (one at a time: pinning another unpins it), or
    unpin it. The message says what is wanted, so a repeat changes nothing."""
    check("question.moderate", actor)  # before any lock: a participant's try waits for nothing
    run = lock_run(run)  # two pins at once must not leave two questions pinned
    target = _for_the_team(run, actor, question)
    if pinned and (not target.approved or target.hidden):
        raise ActionError("Only a question in everyone's list can be pinned.")
    if pinned:
        run.questions.filter(pinned=True).exclude(pk=target.pk).update(pinned=False)
    run.questions.filter(pk=target.pk).update(pinned=pinned)
    activity.changed(run.pk, activity.QUESTIONS)


@transaction.atomic
def question_reply(*, run: Run, actor: Actor, question: int, text: str) -> AudienceQuestion:
    """The team's written answer, shown under the question in every list: for what there is
    no time to say aloud, or a link to follow up. A new reply replaces the last one. The text
    is cleaned by the one rule (dpup_workshop.text) and its limit counted on what is kept."""
    target = _for_the_team(run, actor, question)
    text = clean_text(text, multiline=True)
    if not text:
        raise ActionError("Write the reply first.")
    if len(text) > REPLY_MAX:
        raise ActionError(f"Keep replies under {REPLY_MAX} characters ({len(text)} now).")
    if not target.approved or target.hidden:
        raise ActionError("Only a question in everyone's list can have a reply: approve it first.")
    target.reply, target.replied_at = text, timezone.now()
    target.save(update_fields=["reply", "replied_at"])
    activity.changed(run.pk, activity.QUESTIONS)
    return target
