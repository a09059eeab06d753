from __future__ import annotations

from collections import Counter

from sessions.models import Kind, Response, Run, State


def scoreboard(run: Run, limit: int = 10) -> list[tuple[str, int]]:
    """Correct answers to revealed questions, for people who chose to be on the board only."""
    revealed = {
        item.pk: sorted(item.correct)
        for item in run.interactions.filter(kind=Kind.QUIZ, state=State.REVEALED)
    }
    if not revealed:
        return []
    scores: Counter[str] = Counter()
    names = {}
    responses = Response.objects.filter(
        interaction_id__in=revealed,
        participant__on_scoreboard=True,
        participant__show_name=True,
    ).select_related("participant")
    for response in responses:
        person = response.participant
        if not person.display_name:
            continue
        names[person.pk] = person.display_name
        scores[person.pk] += sorted(response.choices) == revealed[response.interaction_id]
    ranked = sorted(scores.items(), key=lambda item: (-item[1], names[item[0]].lower()))
    return [(names[pk], score) for pk, score in ranked[:limit]]
