"""The websocket's inbound actions: one registry of names, payloads and services.

The consumer looks an action up here, checks its payload, and calls the service, which
checks the actor against permissions.ACTIONS. Anything not registered is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sessions import services
from sessions.models import Run
from sessions.permissions import ACTIONS, Actor


class PayloadError(ValueError):
    """The message is well-formed JSON but its fields are wrong."""


def positive_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    number = int(value)  # htmx sends form values as strings
    if number < 1 or number > 1_000_000_000:
        raise ValueError
    return number


@dataclass(frozen=True)
class ActionSpec:
    name: str
    call: Callable[..., Any]
    fields: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def clean(self, payload: dict) -> dict:
        extra = set(payload) - set(self.fields) - {"action", "HEADERS"}
        if extra:
            raise PayloadError(f"Unexpected field(s) for {self.name}: {', '.join(sorted(extra))}.")
        cleaned = {}
        for name, convert in self.fields.items():
            if name not in payload:
                raise PayloadError(f"{self.name} needs '{name}'.")
            try:
                cleaned[name] = convert(payload[name])
            except (TypeError, ValueError):
                raise PayloadError(f"'{name}' is not valid for {self.name}.") from None
        return cleaned


def _spec(name: str, call: Callable[..., Any], **fields: Callable[[Any], Any]) -> ActionSpec:
    assert name in ACTIONS, name  # every action has its row in the permission table
    return ActionSpec(name=name, call=call, fields=fields)


REGISTRY: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        _spec("run.start", services.run_start),
        _spec("run.pause", services.run_pause),
        _spec("run.resume", services.run_resume),
        _spec("run.end", services.run_end),
        _spec("segment.next", services.segment_next),
        _spec("segment.previous", services.segment_previous),
        _spec("slide.next", services.slide_next),
        _spec("slide.previous", services.slide_previous),
        _spec("slide.goto", lambda **kw: services.slide_goto(**kw), number=positive_int),
        _spec(
            "participant.admit",
            lambda *, participant, **kw: services.participant_admit(
                participant_id=participant, **kw
            ),
            participant=positive_int,
        ),
        _spec("participant.admit_all", services.participant_admit_all),
        _spec(
            "participant.remove",
            lambda *, participant, **kw: services.participant_remove(
                participant_id=participant, **kw
            ),
            participant=positive_int,
        ),
    )
}


def perform(name: str, payload: dict, *, run: Run, actor: Actor) -> None:
    """Validate and carry out one inbound action (sync: call through database_sync_to_async)."""
    spec = REGISTRY[name]
    spec.call(run=run, actor=actor, **spec.clean(payload))
