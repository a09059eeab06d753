from __future__ import annotations

import math

from django import template

from sessions.domain.agenda import whole_minutes

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
