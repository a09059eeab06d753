"""Open questions: each person writes an answer that the team reads (a share-out prompt's
answers are shared aloud instead). The team hides an answer from the room, and keeps the ones
it has reviewed for the insights export, the only free text that export holds."""

from __future__ import annotations

from django.db import transaction

from sessions.domain.answers import RESPONSE_MAX, answering, current_group
from sessions.domain.permissions import ActionError, Actor, check
from sessions.live import activity
from sessions.models import Kind, Response, Run

TEXT_MAX = RESPONSE_MAX  # as long as a share-out prompt's response may be


@transaction.atomic
def answer_text(*, run: Run, actor: Actor, interaction: int, text: str) -> Response:
    """Answer an open question. Sending again replaces the person's answer. An answer the team
    hid stays hidden (until the team shows it again), whatever is sent in its place; new words
    are no longer what the team kept for insights, the same words still are."""
    check("answer.text", actor)
    participant, item = answering(
        actor, run, interaction, Kind.TEXT, "That one isn't an open question."
    )
    text = text.strip()
    if not text:
        raise ActionError("Write your answer first.")
    if len(text) > TEXT_MAX:
        raise ActionError(f"Keep it to {TEXT_MAX} characters: yours has {len(text)}.")
    response, _ = Response.objects.get_or_create(interaction=item, participant=participant)
    if text != response.text:
        response.kept = False  # what the team reviewed was the earlier answer
    response.text = text
    response.breakout_group = current_group(participant)
    response.save(update_fields=["text", "hidden", "kept", "breakout_group", "updated_at"])
    activity.changed(run.pk, activity.RESPONSES)
    activity.changed_for(run.pk, participant.pk)
    return response


def _answer(run: Run, response: int) -> Response:
    answer = (
        Response.objects.select_related("interaction")
        .filter(pk=response, interaction__run=run, interaction__kind=Kind.TEXT)
        .exclude(text="")
        .first()
    )
    if answer is None:
        raise ActionError("No such answer to an open question in this workshop.")
    return answer


@transaction.atomic
def text_hide(*, run: Run, actor: Actor, response: int, hidden: bool = True) -> Response:
    """The team takes an answer off every screen but its writer's (who is told), or puts it
    back. The report and the team's exports still hold it, marked hidden."""
    check("text.hide", actor, run.current_segment)
    answer = _answer(run, response)
    # An update, not a save: the answer keeps its place (and its time) in the lists.
    Response.objects.filter(pk=answer.pk).update(hidden=hidden)
    answer.hidden = hidden
    activity.changed(run.pk, activity.RESPONSES)
    activity.changed_for(run.pk, answer.participant_id)
    return answer


@transaction.atomic
def text_keep(*, run: Run, actor: Actor, response: int, kept: bool = True) -> Response:
    """The team has read an answer and keeps it for the insights export (which names nobody),
    or takes that back."""
    check("text.keep", actor, run.current_segment)
    answer = _answer(run, response)
    Response.objects.filter(pk=answer.pk).update(kept=kept)
    answer.kept = kept
    activity.changed(run.pk, activity.RESPONSES)
    return answer
