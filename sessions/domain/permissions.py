"""Who may do what in a run: one table, checked by every service.

Roles are the team's (facilitator, host, presenter) plus the participant. CONTROLLER means
"owns the segment that is on now": its owner roles (a presenter only for the segments
assigned to them), and the facilitator at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slides.models import Role

FACILITATOR = Role.FACILITATOR.value
HOST = Role.HOST.value
PRESENTER = Role.PRESENTER.value
PARTICIPANT = "participant"
CONTROLLER = "controller"

TEAM = frozenset({FACILITATOR, HOST, PRESENTER})
TIMEKEEPERS = frozenset({FACILITATOR, HOST, CONTROLLER})

ACTIONS: dict[str, frozenset[str]] = {
    # the agenda runner
    "run.start": frozenset({FACILITATOR, HOST}),
    "run.pause": TIMEKEEPERS,
    "run.resume": TIMEKEEPERS,
    "run.end": frozenset({FACILITATOR}),
    "run.reopen": frozenset({FACILITATOR}),
    "segment.next": TIMEKEEPERS,
    "segment.previous": TIMEKEEPERS,
    # slides
    "slide.next": frozenset({CONTROLLER}),
    "slide.previous": frozenset({CONTROLLER}),
    "slide.goto": frozenset({FACILITATOR}),
    # the waiting room and the room
    "participant.admit": frozenset({FACILITATOR, HOST}),
    "participant.admit_all": frozenset({FACILITATOR, HOST}),
    "participant.remove": frozenset({FACILITATOR, HOST}),
    "participant.deny": frozenset({FACILITATOR, HOST}),
    # the activities (prompts, polls, the quiz...): the team running the segment opens and
    # closes them
    "interaction.open": TIMEKEEPERS,
    "interaction.close": TIMEKEEPERS,
    "interaction.results": TIMEKEEPERS,
    "interaction.create": TIMEKEEPERS,
    "interaction.tally": TEAM,
    "quiz.reveal": TIMEKEEPERS,
    "quiz.again": TIMEKEEPERS,
    "quiz.scoreboard": TIMEKEEPERS,
    "screen.join": TIMEKEEPERS,
    "response.mark": TEAM,
    "answer.choose": frozenset({PARTICIPANT}),
    "answer.write": frozenset({PARTICIPANT}),
    "answer.volunteer": frozenset({PARTICIPANT}),
    "answer.words": frozenset({PARTICIPANT}),
    "answer.rate": frozenset({PARTICIPANT}),
    "words.hide": TEAM,
    "answer.rank": frozenset({PARTICIPANT}),
    "answer.text": frozenset({PARTICIPANT}),
    "text.hide": TEAM,
    "text.keep": TEAM,
    "scoreboard.join": frozenset({PARTICIPANT}),
    # breakout groups
    "breakout.start": frozenset({FACILITATOR, HOST}),
    "breakout.summary": TEAM | {PARTICIPANT},
    "breakout.show": TEAM,
    # chat, hands and questions
    "chat.send": TEAM | {PARTICIPANT},
    "chat.moderate": frozenset({FACILITATOR, HOST}),
    "hand.raise": frozenset({PARTICIPANT}),
    "reaction.send": frozenset({PARTICIPANT}),
    "hand.lower": TEAM,
    "question.ask": frozenset({PARTICIPANT}),
    "question.upvote": frozenset({PARTICIPANT}),
    "question.moderate": TEAM,
    "question.show": TIMEKEEPERS,
    # set-up
    "run.edit": frozenset({FACILITATOR}),
    "team.manage": frozenset({FACILITATOR}),
    # the team's pages of a run: console, host, presenter, shared screen, agenda, report, QR
    "run.view": TEAM,
    # the report's exports (names and answers leave the app in them): whoever sees the report
    "run.export": TEAM,
}


class PermissionDenied(Exception):
    """The actor's roles don't allow the action; the message says who may."""


class ActionError(Exception):
    """A well-formed, allowed action that can't be done now (e.g. already at the last slide)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a team member (user id and roles) or a participant."""

    user_id: int | None = None
    roles: frozenset[str] = frozenset()
    participant_id: int | None = None
    # Presenters: keys of the segments they own; empty means every presenter segment.
    presenter_segments: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_team(self) -> bool:
        return bool(self.roles & TEAM)

    def controls(self, segment) -> bool:
        """May this actor move the slides while `segment` is on?"""
        if FACILITATOR in self.roles:
            return True
        if HOST in self.roles and HOST in segment.owners:
            return True
        return (
            PRESENTER in self.roles
            and PRESENTER in segment.owners
            and (not self.presenter_segments or segment.key in self.presenter_segments)
        )


ROLE_NAMES = {
    FACILITATOR: "the facilitator",
    HOST: "the host",
    PRESENTER: "a presenter",
    CONTROLLER: "whoever runs the current segment",
    PARTICIPANT: "participants",
}


def describe(roles: frozenset[str]) -> str:
    """Who may, each named once: "the facilitator, the host or whoever runs the current
    segment" (the facilitator runs every segment, so CONTROLLER includes them)."""
    if CONTROLLER in roles:
        roles = roles | {FACILITATOR}
    names = [name for role, name in ROLE_NAMES.items() if role in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def allowed(action: str, actor: Actor, segment=None) -> bool:
    roles = ACTIONS.get(action)
    if roles is None:
        return False
    held = set(actor.roles)
    if actor.participant_id is not None:
        held.add(PARTICIPANT)
    if held & roles:
        return True
    return CONTROLLER in roles and segment is not None and actor.controls(segment)


def check(action: str, actor: Actor, segment=None, *, doing: str = "") -> None:
    """Raise PermissionDenied unless the actor may do `action` now; its message says who may,
    and what (`doing`, e.g. "open this page"; by default the action's name)."""
    if action not in ACTIONS:
        raise PermissionDenied(f"Unknown action '{action}'.")
    if not allowed(action, actor, segment):
        doing = doing or f"do that ({action})"
        raise PermissionDenied(f"Only {describe(ACTIONS[action])} can {doing}.")
