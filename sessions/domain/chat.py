"""The chat: lines from participants and the team, and the host's moderation (hiding lines,
muting people)."""

from __future__ import annotations

from django.db import transaction

from sessions.domain.guards import participant_in_room, require_open
from sessions.domain.once import first_submission
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.ratelimit import allow
from sessions.live import activity
from sessions.models import ChatMessage, Run

CHAT_MAX = 500
CHAT_BURST = 5  # messages per CHAT_WINDOW seconds, per person
CHAT_WINDOW = 10


@transaction.atomic
def chat_send(*, run: Run, actor: Actor, text: str, token: str | None = None) -> ChatMessage | None:
    """A chat line from a participant (to everyone or the team, as the run says) or the team.

    A repeat of the same submission (`token`, see once.py) adds no line and returns None; a
    participant's is acknowledged all the same (the team's box clears when the first line
    shows)."""
    check("chat.send", actor)
    run = Run.objects.get(pk=run.pk)
    if not run.chat_enabled:
        raise ActionError("Chat is off for this workshop.")
    require_open(run)
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if not text:
        raise ActionError("Write a message first.")
    if len(text) > CHAT_MAX:
        raise ActionError(f"Keep messages under {CHAT_MAX} characters.")
    participant = participant_in_room(actor) if actor.participant_id else None
    if participant is not None and participant.muted:
        raise ActionError("The host has muted you in the chat.")
    with first_submission(run.pk, actor, token) as first:
        if not first:
            if participant is not None:
                activity.acknowledge(run.pk, participant.pk, "chat.saved")
            return None
        # Counted once the line is otherwise fine, and not for a repeat.
        who = f"p{actor.participant_id}" if actor.participant_id else f"u{actor.user_id}"
        if not allow(f"chat:{run.pk}", who, limit=CHAT_BURST, window=CHAT_WINDOW):
            raise ActionError(
                f"You're sending messages quickly: at most {CHAT_BURST} every {CHAT_WINDOW} "
                "seconds."
            )
        if participant is not None:
            message = ChatMessage.objects.create(
                run=run, participant=participant, text=text, to_team=not run.chat_to_everyone
            )
            if message.to_team:
                activity.changed_for(run.pk, participant.pk)  # their own lines, in #my-chat
            activity.acknowledge(run.pk, participant.pk, "chat.saved", message=message.pk)
        else:
            message = ChatMessage.objects.create(run=run, author_id=actor.user_id, text=text)
        activity.changed(run.pk, activity.CHAT)
    return message


@transaction.atomic
def chat_hide(*, run: Run, actor: Actor, message: int, hidden: bool = True) -> None:
    check("chat.moderate", actor)
    line = run.chat_messages.filter(pk=message).first()
    if line is None:
        raise ActionError("No such message.")
    line.hidden = hidden
    line.save(update_fields=["hidden"])
    if line.participant_id:
        activity.changed_for(run.pk, line.participant_id)
    activity.changed(run.pk, activity.CHAT)


@transaction.atomic
def chat_mute(*, run: Run, actor: Actor, participant: int, muted: bool = True) -> None:
    check("chat.moderate", actor)
    if not run.participants.filter(pk=participant).update(muted=muted):
        raise ActionError("No such participant.")
    activity.changed_for(run.pk, participant)
    activity.changed(run.pk, activity.CHAT)
