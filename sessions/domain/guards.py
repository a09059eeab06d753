"""What every service checks before it changes anything: the run locked and still open, an
interaction or a participant that belongs to it."""

from __future__ import annotations

from sessions.domain.permissions import ActionError, Actor
from sessions.models import Interaction, Participant, ParticipantStatus, Run, Status


def lock_run(run: Run) -> Run:
    """The run re-read with its row locked for the rest of the transaction."""
    return Run.objects.select_for_update().get(pk=run.pk)


def get_interaction(run: Run, interaction_id) -> Interaction:
    try:
        return run.interactions.get(pk=int(interaction_id))
    except (Interaction.DoesNotExist, TypeError, ValueError):
        raise ActionError("No such activity in this run.") from None


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
