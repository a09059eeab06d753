"""Everything that changes a run's facilitation team: its members and their roles, invites,
and which of them is connected (presence)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from sessions.domain.permissions import ActionError, Actor, check
from sessions.live import broadcast
from sessions.live.broadcast import SCREEN, STAFF
from sessions.live.roster import roster_changed
from sessions.models import Presence, RoleInvite, Run, TeamMember
from slides.models import Role


def _team_changed(run: Run, user_id: int) -> None:
    """A member's roles changed: their open sockets re-read them; the roster is re-sent."""
    for audience in (STAFF, SCREEN):
        broadcast.send_to_group(
            broadcast.run_group_name(run.pk, audience), {"type": "team.changed", "user_id": user_id}
        )
    roster_changed(run.pk)


@transaction.atomic
def team_add(
    *, run: Run, actor: Actor, user, role: str, segments: Iterable[str] = ()
) -> TeamMember:
    check("team.manage", actor)
    if role not in Role.values:
        raise ActionError(f"Unknown role '{role}'.")
    keys = {segment.key for segment in run.segments}
    wanted = [key for key in segments if key in keys] if role == Role.PRESENTER else []
    member, _ = TeamMember.objects.update_or_create(
        run=run, user=user, role=role, defaults={"segments": wanted}
    )
    _team_changed(run, user.pk)
    return member


@transaction.atomic
def team_remove(*, run: Run, actor: Actor, member: TeamMember) -> None:
    check("team.manage", actor)
    if member.run_id != run.pk:
        raise ActionError("That person is not on this run's team.")
    if member.role == Role.FACILITATOR and member.user_id == run.facilitator_id:
        raise ActionError("The run's facilitator keeps the facilitator role.")
    member.delete()
    _team_changed(run, member.user_id)


def invite_create(*, run: Run, actor: Actor, role: str) -> RoleInvite:
    check("team.manage", actor)
    if role not in Role.values:
        raise ActionError(f"Unknown role '{role}'.")
    return RoleInvite.objects.create(run=run, role=role, created_by_id=actor.user_id)


def invite_revoke(*, run: Run, actor: Actor, invite: RoleInvite) -> None:
    check("team.manage", actor)
    if invite.run_id != run.pk:
        raise ActionError("That invite belongs to another run.")
    RoleInvite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def invite_accept(*, invite: RoleInvite, user) -> TeamMember:
    """Grant the invite's role to the logged-in user (no change if they already hold it)."""
    invite = (
        RoleInvite.objects.select_for_update()
        .select_related("run")
        .defer("run__deck_snapshot")
        .get(pk=invite.pk)
    )
    if not invite.is_active:
        raise ActionError("This invite link is no longer valid: ask the facilitator for a new one.")
    member, created = TeamMember.objects.get_or_create(run=invite.run, user=user, role=invite.role)
    if created:
        RoleInvite.objects.filter(pk=invite.pk).update(uses=invite.uses + 1)
        _team_changed(invite.run, user.pk)
    return member


def presence_enter(*, run: Run, user_id: int, channel_name: str, view: str) -> None:
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"run": run, "user_id": user_id, "view": view, "seen_at": timezone.now()},
    )
    roster_changed(run.pk)


def presence_seen(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())


def presence_leave(*, run: Run, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()
    roster_changed(run.pk)
