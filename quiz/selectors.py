from __future__ import annotations

from sessions.models import Kind, ParticipantStatus, Response, Run, State


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
