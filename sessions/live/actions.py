"""The websocket's inbound actions: one registry of names, payloads and services.

The consumer looks an action up here, checks its payload, and calls the service named after
it (action `chat.hide`, service `chat_hide`), which checks the actor against
permissions.ACTIONS. Anything not registered is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dpup_workshop.text import InvalidText
from dpup_workshop.text import clean as clean_text
from sessions.domain import (
    answers,
    breakouts,
    chat,
    hands,
    interactions,
    opentext,
    participants,
    questions,
    quiz,
    rankings,
    ratings,
    reactions,
    runs,
    wordclouds,
)
from sessions.domain.permissions import ACTIONS, Actor
from sessions.models import Run


class PayloadError(ValueError):
    """The message is well-formed JSON but its fields are wrong (`code` "invalid": its text
    can't be stored at all, see dpup_workshop.text)."""

    def __init__(self, message: str, code: str = "bad_payload"):
        super().__init__(message)
        self.code = code


def _int(value: Any) -> int:
    if isinstance(value, (bool, float)):
        raise ValueError
    return int(value)  # htmx sends form values as strings


def positive_int(value: Any) -> int:
    number = _int(value)
    if number < 1 or number > 1_000_000_000:
        raise ValueError
    return number


def index(value: Any) -> int:
    number = _int(value)
    if not 0 <= number < 1000:
        raise ValueError
    return number


def rating(value: Any) -> int:
    """A point on a rating scale (the interaction says which are allowed)."""
    number = _int(value)
    if not 0 <= number <= 10:
        raise ValueError
    return number


def step(value: Any) -> int:
    number = _int(value)
    if number not in (-1, 1):
        raise ValueError
    return number


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "on", "1", "yes"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "off", "0", "no", ""}:
        return False
    raise ValueError


def text(value: Any) -> str:
    """Typed text, cleaned by the one rule (dpup_workshop.text); services set the limits."""
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError
    return clean_text(value, multiline=True)


def token(value: Any) -> str:
    """A submission's token (see once.py): what the browser makes, a short ASCII string."""
    if (
        not isinstance(value, str)
        or not 8 <= len(value) <= 64
        or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value)
    ):
        raise ValueError
    return value


def lines(value: Any) -> list[str]:
    """Options as a list of strings, or one per line (from a textarea)."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError
    return [clean_text(item) for item in value]


def words(value: Any) -> list[str]:
    """A word cloud's words: a list of strings (several boxes) or one string (one box)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > 20:
        raise ValueError
    if not all(isinstance(item, str) and len(item) <= 200 for item in value):
        raise ValueError
    return [clean_text(item) for item in value]


def order(value: Any) -> list[int]:
    """A ranking's order: item indexes, top first (a form's hidden inputs send them as
    strings). Whether it is every item once is the service's to say."""
    if not isinstance(value, list) or len(value) > 20:
        raise ValueError
    return [index(item) for item in value]


def emoji(value: Any) -> str:
    """One of the five reactions; anything else is refused, saying which they are."""
    try:
        return reactions.emoji_from(value)
    except ValueError:
        choices = " ".join(reactions.Emoji.values)
        raise PayloadError(f"'emoji' must be one of the reactions {choices}.") from None


@dataclass(frozen=True)
class ActionSpec:
    name: str
    service: Callable[..., Any]
    fields: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    optional: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    permission: str = ""
    # Payload fields the service takes under another name: {field: argument}.
    arguments: dict[str, str] = field(default_factory=dict)

    def call(self, **kwargs: Any) -> Any:
        for field_name, argument in self.arguments.items():
            if field_name in kwargs:
                kwargs[argument] = kwargs.pop(field_name)
        return self.service(**kwargs)

    def clean(self, payload: dict) -> dict:
        known = set(self.fields) | set(self.optional) | {"action", "HEADERS"}
        extra = set(payload) - known
        if extra:
            names = ", ".join(repr(name[:40]) for name in sorted(extra)[:5])
            raise PayloadError(f"Unexpected field(s) for {self.name}: {names}.")
        cleaned = {}
        for name, convert in (self.fields | self.optional).items():
            if name not in payload:
                if name in self.fields:
                    raise PayloadError(f"{self.name} needs '{name}'.")
                continue
            try:
                cleaned[name] = convert(payload[name])
            except InvalidText as exc:
                raise PayloadError(str(exc), code="invalid") from None
            except PayloadError:  # the converter says what is wrong itself
                raise
            except (TypeError, ValueError, OverflowError):
                raise PayloadError(f"'{name}' is not valid for {self.name}.") from None
        return cleaned


def _spec(
    name: str,
    service: Callable[..., Any],
    optional: dict[str, Callable[[Any], Any]] | None = None,
    permission: str = "",
    arguments: dict[str, str] | None = None,
    **fields: Callable[[Any], Any],
) -> ActionSpec:
    # Every action has its row in the permission table (some share a row)...
    assert (permission or name) in ACTIONS, name
    # ...and is carried out by the service named after it (`quiz.again` by `quiz_again`), so
    # one name finds the button, the message, the service and its permission.
    assert service.__name__ == name.replace(".", "_"), f"{name} calls {service.__name__}"
    return ActionSpec(
        name=name,
        service=service,
        fields=fields,
        optional=optional or {},
        permission=permission or name,
        arguments=arguments or {},
    )


def _moderation(name: str, service: Callable[..., Any], **fields: Any) -> ActionSpec:
    """A team action on one participant's question, under the Q&A's one moderation row."""
    return _spec(name, service, permission="question.moderate", question=positive_int, **fields)


REGISTRY: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        _spec("run.start", runs.run_start),
        _spec("run.pause", runs.run_pause),
        _spec("run.resume", runs.run_resume),
        _spec("run.end", runs.run_end),
        _spec("run.reopen", runs.run_reopen),
        _spec("segment.next", runs.segment_next),
        _spec("segment.previous", runs.segment_previous),
        _spec("slide.next", runs.slide_next),
        _spec("slide.previous", runs.slide_previous),
        _spec("slide.goto", runs.slide_goto, number=positive_int),
        _spec(
            "participant.admit",
            participants.participant_admit,
            arguments={"participant": "participant_id"},
            participant=positive_int,
        ),
        _spec("participant.admit_all", participants.participant_admit_all),
        _spec(
            "participant.remove",
            participants.participant_remove,
            arguments={"participant": "participant_id"},
            participant=positive_int,
        ),
        _spec(
            "participant.deny",
            participants.participant_deny,
            arguments={"participant": "participant_id"},
            participant=positive_int,
        ),
        # the activities: prompts, polls, the quiz and the other kinds
        _spec(
            "interaction.open",
            interactions.interaction_open,
            interaction=positive_int,
            optional={"timer": positive_int},
        ),
        _spec("interaction.close", interactions.interaction_close, interaction=positive_int),
        _spec(
            "interaction.results",
            interactions.interaction_results,
            interaction=positive_int,
            visible=boolean,
        ),
        _spec(
            "interaction.create",
            interactions.interaction_create,
            kind=text,
            text=text,
            optional={
                "options": lines,
                "multiple": boolean,
                "max_words": positive_int,
                "scale_low": rating,
                "scale_high": rating,
                "low_label": text,
                "high_label": text,
                "token": token,
            },
        ),
        _spec(
            "interaction.tally",
            interactions.interaction_tally,
            interaction=positive_int,
            option=index,
            amount=step,
        ),
        _spec("quiz.reveal", quiz.quiz_reveal, interaction=positive_int),
        _spec("quiz.again", quiz.quiz_again, interaction=positive_int),
        _spec("quiz.scoreboard", quiz.quiz_scoreboard, shown=boolean),
        _spec("screen.join", runs.screen_join, shown=boolean),
        _spec(
            "response.mark",
            answers.response_mark,
            response=positive_int,
            optional={"shortlisted": boolean, "shown": boolean},
        ),
        _spec(
            "answer.choose",
            answers.answer_choose,
            interaction=positive_int,
            choice=index,
            optional={"selected": boolean},
        ),
        _spec(
            "answer.write",
            answers.answer_write,
            interaction=positive_int,
            optional={"text": text, "passed": boolean},
        ),
        _spec(
            "answer.volunteer",
            answers.answer_volunteer,
            interaction=positive_int,
            volunteer=boolean,
        ),
        _spec(
            "answer.words",
            wordclouds.answer_words,
            interaction=positive_int,
            words=words,
        ),
        _spec(
            "answer.rate",
            ratings.answer_rate,
            interaction=positive_int,
            statement=index,
            rating=rating,
        ),
        _spec(
            "words.hide",
            wordclouds.words_hide,
            interaction=positive_int,
            word=text,
            optional={"hidden": boolean},
        ),
        _spec("answer.rank", rankings.answer_rank, interaction=positive_int, order=order),
        _spec("answer.text", opentext.answer_text, interaction=positive_int, text=text),
        _spec(
            "text.hide",
            opentext.text_hide,
            response=positive_int,
            optional={"hidden": boolean},
        ),
        _spec("text.keep", opentext.text_keep, response=positive_int, optional={"kept": boolean}),
        _spec("scoreboard.join", quiz.scoreboard_join, joined=boolean),
        # breakout groups
        _spec(
            "breakout.start",
            breakouts.breakout_start,
            interaction=positive_int,
            groups=positive_int,
        ),
        _spec(
            "breakout.move",
            breakouts.breakout_move,
            permission="breakout.start",
            participant=positive_int,
            group=positive_int,
        ),
        _spec("breakout.end", breakouts.breakout_end, permission="breakout.start"),
        _spec("breakout.summary", breakouts.breakout_summary, group=positive_int, text=text),
        _spec("breakout.show", breakouts.breakout_show, group=positive_int, shown=boolean),
        # chat, hands and questions
        _spec("chat.send", chat.chat_send, text=text, optional={"token": token}),
        _spec(
            "chat.hide",
            chat.chat_hide,
            permission="chat.moderate",
            message=positive_int,
            optional={"hidden": boolean},
        ),
        _spec(
            "chat.mute",
            chat.chat_mute,
            permission="chat.moderate",
            participant=positive_int,
            optional={"muted": boolean},
        ),
        _spec("hand.raise", hands.hand_raise, raised=boolean),
        _spec("reaction.send", reactions.reaction_send, emoji=emoji),
        _spec("hand.lower", hands.hand_lower, optional={"participant": positive_int}),
        _spec(
            "question.ask",
            questions.question_ask,
            text=text,
            optional={"token": token, "anonymous": boolean},
        ),
        # Without `voted` (pages from before it was sent), a press means "upvote".
        _spec(
            "question.upvote",
            questions.question_upvote,
            question=positive_int,
            optional={"voted": boolean},
        ),
        _spec(
            "question.mark",
            questions.question_mark,
            permission="question.moderate",
            question=positive_int,
            optional={"answered": boolean, "hidden": boolean, "on_screen": boolean},
        ),
        # a moderated Q&A: whoever may moderate questions approves, dismisses, pins, replies
        _moderation("question.approve", questions.question_approve),
        _moderation("question.dismiss", questions.question_dismiss),
        _moderation("question.pin", questions.question_pin, optional={"pinned": boolean}),
        _moderation("question.reply", questions.question_reply, text=text),
    )
}


def perform(name: str, payload: dict, *, run: Run, actor: Actor) -> None:
    """Validate and carry out one inbound action (sync: call through database_sync_to_async)."""
    spec = REGISTRY[name]
    spec.call(run=run, actor=actor, **spec.clean(payload))
