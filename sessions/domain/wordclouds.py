"""Word clouds: each person sends a few words or short phrases, the room sees them sized by
how many sent each (wordcount.py), and the team can hide a word from every screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.db import transaction

from dpup_workshop.text import clean as clean_text
from sessions.domain.answers import answer_one
from sessions.domain.guards import get_interaction, lock_run
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.wordcount import WORD_MAX, word_key
from sessions.live import activity
from sessions.models import Interaction, Kind, Response, Run


def words_clean(item: Interaction, words: list[str]) -> list[str]:
    """The words someone sent, as they may be stored: cleaned, blanks dropped, each word once
    (ignoring case), at most the cloud's number, none the team has hidden. ActionError, saying
    which, for anything else: the page keeps what was typed."""
    cleaned, seen = [], set()
    for word in words:
        word = clean_text(word).strip()
        if not word:
            continue
        if len(word) > WORD_MAX:
            raise ActionError(f"Keep each word or phrase under {WORD_MAX} characters: “{word}”.")
        key = word_key(word)
        if key in seen:
            continue
        if key in item.hidden_words:
            raise ActionError(f"The team has taken “{word}” off the word cloud: try another word.")
        seen.add(key)
        cleaned.append(word)
    if not cleaned:
        raise ActionError("Write a word or a short phrase first.")
    if len(cleaned) > item.max_words:
        raise ActionError(
            f"Up to {item.max_words} word{'s' if item.max_words != 1 else ''} each, please: "
            f"you sent {len(cleaned)}."
        )
    return cleaned


@dataclass(frozen=True)
class Words:
    """Words sent to a word cloud: they replace the person's earlier words, so sending again
    (after a reconnect, or to change them) never counts anyone twice."""

    run_id: int
    participant_id: int
    interaction_id: int
    words: tuple[str, ...]

    kinds: ClassVar[tuple[str, ...]] = (Kind.WORDS,)
    refusal: ClassVar[str] = "That one isn't a word cloud."
    echoed: ClassVar[tuple[str, ...]] = ()  # repeated in its acknowledgement

    def apply(self, item: Interaction, response: Response) -> None:
        response.words = words_clean(item, list(self.words))


@transaction.atomic
def answer_words(*, run: Run, actor: Actor, interaction: int, words: list[str]) -> Response:
    """Send words to a word cloud (sockets go through the batcher, which does the same for
    many answers at once)."""
    return answer_one(
        actor, "answer.words", Words(run.pk, actor.participant_id, interaction, tuple(words))
    )


@transaction.atomic
def words_hide(
    *, run: Run, actor: Actor, interaction: int, word: str, hidden: bool = True
) -> Interaction:
    """The team takes a word off the cloud on every screen (moderation), or puts it back.
    People who sent it keep it in their own data; nobody can send it again while hidden."""
    run = lock_run(run)
    check("words.hide", actor, run.current_segment)
    item = get_interaction(run, interaction)
    if item.kind != Kind.WORDS:
        raise ActionError("That one isn't a word cloud.")
    key = word_key(clean_text(word))
    if not key:
        raise ActionError("Say which word to hide.")
    if hidden and not any(
        key in {word_key(w) for w in words}
        for words in item.responses.values_list("words", flat=True)
    ):
        raise ActionError("Nobody has sent that word.")
    hidden_words = [w for w in item.hidden_words if w != key]
    if hidden:
        hidden_words.append(key)
    item.hidden_words = hidden_words
    item.save(update_fields=["hidden_words"])
    activity.changed(run.pk, activity.RESPONSES)
    return item


def hidden_words_prune(run: Run) -> None:
    """Forget hidden words that nobody's words hold any more (the people who sent them deleted
    their data): the team's list of hidden words must not keep what they typed."""
    for item in run.interactions.filter(kind=Kind.WORDS).exclude(hidden_words=[]):
        held = {
            word_key(word)
            for words in item.responses.values_list("words", flat=True)
            for word in words
        }
        kept = [key for key in item.hidden_words if key in held]
        if kept != item.hidden_words:
            Interaction.objects.filter(pk=item.pk).update(hidden_words=kept)
