from __future__ import annotations

import math

from django import template
from django.utils.html import format_html

from sessions.domain.agenda import whole_minutes
from sessions.domain.permissions import ACTIONS, CONTROLLER, TEAM
from sessions.live.actions import REGISTRY

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """Seconds as m:ss (h:mm:ss past an hour), without a sign."""
    total = int(math.floor(abs(float(seconds or 0))))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.filter(name="whole_minutes")
def whole_minutes_filter(seconds) -> int:
    """Seconds to the nearest whole minute, without a sign (same rule as the cut suggestions)."""
    return whole_minutes(float(seconds or 0))


@register.filter
def roles_label(roles) -> str:
    names = {"facilitator": "Facilitator", "host": "Host", "presenter": "Presenter"}
    return " / ".join(names.get(role, role) for role in roles)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.simple_tag
def may(action: str, row: str = "") -> str:
    """The team roles that may send `action`, from the permission table, as live.js reads them:
    `data-roles="facilitator host"`, plus `data-or-control` when whoever runs the current
    segment may too. Controls are shown or disabled by these; the server checks the same row.
    `row` names another row where the service checks that one for this use of the action
    (putting a question on the screen is `question.mark` checked against `question.show`)."""
    roles = ACTIONS[row] if row else ACTIONS[REGISTRY[action].permission]
    named = " ".join(role for role in ("facilitator", "host", "presenter") if role in roles & TEAM)
    if CONTROLLER in roles:
        return format_html('data-roles="{}" data-or-control', named)
    return format_html('data-roles="{}"', named)
