"""The run's websocket: one endpoint per run, thin.

connect: resolve the run and who is calling (team member, participant or nobody), join the
groups of the audiences that caller may see, accept, send a snapshot. receive: check the
message's size and shape, look its action up in the registry, call the service (which checks
permission). Any bad or forbidden message gets an error back and the connection stays open.
Pushes from the channel layer are forwarded as they are: no database work per recipient.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.utils.html import escape

from dpup_workshop.fastpath.websocket import FastWebsocketConsumer
from sessions.domain import answers, reactions, team
from sessions.domain.permissions import ActionError, Actor, PermissionDenied, check
from sessions.domain.rankings import Rank
from sessions.domain.ratings import Rate
from sessions.domain.selectors import actor_for_participant, actor_for_user, participant_for_socket
from sessions.domain.sessionkeys import participant_ids
from sessions.domain.wordclouds import Words
from sessions.live import actions, broadcast, fragments
from sessions.live.batching import batcher
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, WAITING
from sessions.live.reactions import batcher as reaction_batcher
from sessions.models import Participant, ParticipantStatus, Run, gone_message

logger = logging.getLogger(__name__)

TEAM_VIEWS = {"console", "host", "present", "screen"}
# Answers written in batches (batching.py) and acknowledged once committed: the answer each
# action makes (its `echoed` fields are the payload's, besides the interaction, that its
# acknowledgement repeats).
BATCHED = {
    "answer.choose": answers.Choose,
    "answer.words": Words,
    "answer.rate": Rate,
    "answer.rank": Rank,
}
# A team view whose browser is no longer signed in (logged out, session expired, password
# changed): logging in again is the fix, not asking for access.
CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_GONE = 4410
# How often an open team view checks its session is still signed in.
SIGN_IN_CHECK_SECONDS = 25.0


@dataclass
class Caller:
    run: Run
    actor: Actor
    audience: str
    participant_id: int | None = None
    participant: Participant | None = None

    @property
    def read_only(self) -> bool:
        """A projector shows the run; it doesn't drive it, whoever's laptop it runs on."""
        return self.audience == SCREEN


def _session(scope):
    """The browser's session, from its cookie (no middleware wrapping every message sent)."""
    key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key) if key else None


def _user(scope):
    """The logged-in user from the session, checked as for a page (only team views need one).

    Django's own check: an inactive user, or a session from before a password change, is
    anonymous.
    """
    session = scope.get("session")
    return get_user(SimpleNamespace(session=session)) if session is not None else None


def _resolve(scope) -> Caller | int:
    """Who is connecting, or a close code. One trip to the database thread, a query or two."""
    code = scope["url_route"]["kwargs"]["code"]
    view = parse_qs(scope.get("query_string", b"").decode()).get("view", ["participant"])[0]
    if view in TEAM_VIEWS:
        run = Run.objects.filter(code=code).first()
        if run is None:
            return CLOSE_NOT_FOUND
        scope["session"] = _session(scope)
        user = _user(scope)
        if user is None or not user.is_authenticated:
            return CLOSE_SIGNED_OUT
        actor = actor_for_user(run, user)
        if not actor.is_team:
            return CLOSE_FORBIDDEN
        return Caller(run, actor, SCREEN if view == "screen" else STAFF)
    # The browser's signed cookies name its participant per run; the code names the run.
    run, participant = participant_for_socket(code, participant_ids(scope.get("cookies", {})))
    if participant is None:
        return CLOSE_NOT_FOUND if run is None else CLOSE_FORBIDDEN
    if participant.gone:
        return CLOSE_GONE
    audience = PARTICIPANTS if participant.status == ParticipantStatus.ADMITTED else WAITING
    return Caller(
        participant.run, actor_for_participant(participant), audience, participant.pk, participant
    )


def _snapshot(caller: Caller, *, fresh: bool = True) -> str:
    """The audience's snapshot, and for a participant in the room their own state too.

    `fresh=False` on connect: the run was read a moment ago by _resolve, in the same trip.
    """
    run = Run.objects.get(pk=caller.run.pk) if fresh else caller.run
    caller.run = run
    html = fragments.render_snapshot(run, caller.audience)
    if caller.audience == PARTICIPANTS:
        participant = caller.participant if not fresh else None
        if participant is None:
            participant = Participant.objects.get(pk=caller.participant_id)
        participant.run = run
        html += fragments.render_personal(participant)
    version = int((run.audience_versions or {}).get(caller.audience, 0))
    return broadcast.envelope("snapshot", html, version=version, prev=None)


def _connect(scope) -> tuple[Caller | int, str]:
    """Resolve the caller and render their snapshot in one trip to the database thread."""
    caller = _resolve(scope)
    if isinstance(caller, int):
        return caller, ""
    return caller, _snapshot(caller, fresh=False)


def _an_id(value) -> bool:
    """Whether `value` is an id as a page sends one, so an error may echo it back (not NaN, a
    huge number or a nested value, which the page couldn't read)."""
    if type(value) is int:
        return 0 <= value < 2**53
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16


def error_message(
    code: str, message: str, action: str | None = None, about: dict | None = None
) -> str:
    html = (
        '<div id="ws-error" class="ws-error" role="alert" hx-swap-oob="true">'
        f"{escape(message)}</div>"
    )
    extra = {"code": code, "action": action, "message": message} | (about or {})
    return broadcast.envelope("error", html, extra=extra)


class RunConsumer(FastWebsocketConsumer):
    caller: Caller | None = None
    _sign_in_checker: asyncio.Task | None = None

    def stopped(self) -> None:
        if self._sign_in_checker is not None:
            self._sign_in_checker.cancel()

    async def connect(self) -> None:
        resolved, snapshot = await database_sync_to_async(_connect)(self.scope)
        if isinstance(resolved, int):
            # Accept then close, so the browser sees our code and stops retrying.
            await self.accept()
            await self.close(code=resolved)
            return
        self.caller = resolved
        self.groups = []
        await self._join(resolved.audience)
        if resolved.participant_id is not None:
            await self._join_group(
                broadcast.participant_group_name(resolved.run.pk, resolved.participant_id)
            )
        if resolved.actor.is_team:
            await self._join_group(broadcast.user_group_name(resolved.actor.user_id))
        await self.accept()
        # Rendered before joining the groups: an event in between arrives with a `prev` the
        # snapshot doesn't have, and the client asks for a fresh one.
        await self.send(text_data=snapshot)
        if resolved.actor.is_team:
            self._sign_in_checker = asyncio.create_task(self._check_sign_in())
            view = "screen" if resolved.audience == SCREEN else self._view()
            await database_sync_to_async(team.presence_enter)(
                run=resolved.run,
                user_id=resolved.actor.user_id,
                channel_name=self.channel_name,
                view=view,
            )

    def _view(self) -> str:
        return parse_qs(self.scope.get("query_string", b"").decode()).get("view", ["console"])[0]

    async def _join_group(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)

    async def _join(self, audience: str) -> None:
        await self._join_group(broadcast.run_group_name(self.caller.run.pk, audience))

    def _still_signed_in(self) -> bool:
        """Is a team view's session still the signed-in one (not ended, expired, or outdated
        by a password change or a deactivated account)?"""
        user = _user({"session": _session(self.scope)})
        return user is not None and user.pk == self.caller.actor.user_id

    async def _check_sign_in(self) -> None:
        """Every SIGN_IN_CHECK_SECONDS, whatever the page sends: a team view whose session
        has ended (a password change, expiry, a deactivated account) closes with 4401."""
        while True:
            await asyncio.sleep(SIGN_IN_CHECK_SECONDS)
            if not await database_sync_to_async(self._still_signed_in)():
                await self.close(code=CLOSE_SIGNED_OUT)
                return

    async def disconnect(self, code) -> None:
        # The base class leaves self.groups; only the team's presence is ours to clear.
        if self.caller is not None and self.caller.actor.is_team:
            await database_sync_to_async(team.presence_leave)(
                run=self.caller.run, channel_name=self.channel_name
            )

    # --- inbound ---------------------------------------------------------------------------

    @property
    def max_message_bytes(self) -> int:
        return settings.WS_MAX_MESSAGE_BYTES

    def listening(self) -> bool:
        return self.caller is not None

    async def refuse(self, code: str, message: str, action: str | None = None) -> None:
        await self.send_text(error_message(code, message, action))

    def action_label(self, action: str) -> str:
        return action if action in actions.REGISTRY else "(unknown)"

    async def act(self, action: str, payload: dict) -> None:
        if action == "sync":
            await self.send(text_data=await database_sync_to_async(_snapshot)(self.caller))
            return
        if action == "ping":
            if self.caller.actor.is_team:  # (whether it is still signed in: _check_sign_in)
                await database_sync_to_async(team.presence_seen)(channel_name=self.channel_name)
            return
        if self.caller.read_only and action in actions.REGISTRY:
            await self.send(
                text_data=error_message(
                    "forbidden", "The projector view only shows the run: use the console.", action
                )
            )
            return
        if action in BATCHED and not self.caller.read_only:
            await self._answer(action, payload)
            return
        if action == "reaction.send":  # counted in batches (sessions/live/reactions.py)
            await self._react(payload)
            return
        if action not in actions.REGISTRY:
            await self.send(
                text_data=error_message("unknown_action", f"Unknown action '{action[:60]}'.", None)
            )
            return
        try:
            await database_sync_to_async(actions.perform)(
                action, payload, run=self.caller.run, actor=self.caller.actor
            )
        except actions.PayloadError as exc:
            await self.send(text_data=error_message(exc.code, str(exc), action))
        except PermissionDenied as exc:
            await self.send(text_data=error_message("forbidden", str(exc), action))
        except ActionError as exc:
            await self.send(text_data=error_message("not_now", str(exc), action))

    async def _answer(self, action: str, payload: dict) -> None:
        """Answers go through the batcher: written with others, acknowledged after commit
        (with what is stored, so the page shows it without a push of its own)."""
        spec = actions.REGISTRY[action]
        answer_type = BATCHED[action]
        named = ("interaction", *answer_type.echoed)
        about = {k: payload[k] for k in named if _an_id(payload.get(k))}
        try:
            fields = spec.clean(payload)
            check(action, self.caller.actor)
            stored = await batcher.submit(
                answer_type(
                    self.caller.run.pk,
                    self.caller.actor.participant_id,
                    fields["interaction"],
                    **{
                        k: tuple(v) if isinstance(v, list) else v
                        for k, v in fields.items()
                        if k != "interaction"
                    },
                )
            )
        except actions.PayloadError as exc:
            await self.send_text(error_message(exc.code, str(exc), spec.name, about))
        except PermissionDenied as exc:
            await self.send_text(error_message("forbidden", str(exc), spec.name, about))
        except ActionError as exc:
            await self.send_text(error_message("not_now", str(exc), spec.name, about))
        except Exception:  # the batch didn't commit: say so, keep the socket; nothing was saved
            logger.exception("recording an answer failed")
            message = "Your answer couldn't be saved just now. Please send it again."
            await self.send_text(error_message("not_saved", message, spec.name, about))
        else:
            ack = {k: fields[k] for k in named}
            ack |= {"choices": stored.choices, "response": stored.response}
            if stored.words:  # a word cloud's (no other kind stores words)
                ack["words"] = stored.words
            await self.send_text(broadcast.envelope("answer.saved", "", extra=ack))

    async def _react(self, payload: dict) -> None:
        """Reactions are counted in batches too; a refusal past the rate limit says how long
        to wait (`retry_after`), so the phone's bar can wait that long."""
        spec = actions.REGISTRY["reaction.send"]
        try:
            fields = spec.clean(payload)
            await reactions.reaction_send_batched(
                run=self.caller.run, actor=self.caller.actor, batcher=reaction_batcher, **fields
            )
        except actions.PayloadError as exc:
            await self.send_text(error_message(exc.code, str(exc), spec.name))
        except PermissionDenied as exc:
            await self.send_text(error_message("forbidden", str(exc), spec.name))
        except reactions.RateLimited as exc:
            about = {"retry_after": exc.retry_after}
            await self.send_text(error_message("rate_limited", str(exc), spec.name, about))
        except ActionError as exc:
            await self.send_text(error_message("not_now", str(exc), spec.name))
        except Exception:  # the batch didn't commit: nothing was counted
            logger.exception("counting a reaction failed")
            message = "Your reaction couldn't be sent just now. Please try again."
            await self.send_text(error_message("not_saved", message, spec.name))
        else:
            sent = {"emoji": fields["emoji"]}
            await self.send_text(broadcast.envelope("reaction.sent", "", extra=sent))

    # --- events from the channel layer -----------------------------------------------------

    async def participants_admitted(self, event) -> None:
        """The waiting room hears who was admitted; those named move into the room."""
        caller = self.caller
        if (
            caller is None
            or caller.participant_id not in event["ids"]
            or caller.audience != WAITING
        ):
            return
        waiting = broadcast.run_group_name(caller.run.pk, WAITING)
        await self.channel_layer.group_discard(waiting, self.channel_name)
        self.groups.remove(waiting)
        caller.audience = PARTICIPANTS
        await self._join(PARTICIPANTS)
        await self.send(text_data=await database_sync_to_async(_snapshot)(caller))

    async def team_changed(self, event) -> None:
        """This member's roles changed: act with the new ones, or leave if none are left."""
        caller = self.caller
        if caller is None or event["user_id"] != caller.actor.user_id:
            return
        actor = await database_sync_to_async(
            lambda: actor_for_user(caller.run, _user(self.scope))
        )()
        if not actor.is_team:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        caller.actor = actor

    async def session_ended(self, event) -> None:
        """This person signed out (this session, or everywhere): their team views close."""
        key = self.scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
        if event.get("session_key") in (None, key):
            await self.close(code=CLOSE_SIGNED_OUT)

    async def participant_gone(self, event) -> None:
        """Removed by the host, turned away from the waiting room, or left: say so and close
        for good."""
        message = gone_message(event.get("reason", ""))
        html = fragments.render(
            "participant_main", {"run": self.caller.run, "state": "gone", "gone_message": message}
        )
        await self.send(text_data=broadcast.envelope("participant.gone", html))
        await self.close(code=CLOSE_GONE)
