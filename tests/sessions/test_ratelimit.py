"""Rate limits (sessions/domain/ratelimit.py); tests/scaleout holds one across two processes."""

from __future__ import annotations

import pytest

from sessions.domain import hands, ratelimit
from sessions.domain.permissions import ActionError
from sessions.domain.selectors import actor_for_participant


def test_a_window_counts_to_its_limit_then_refuses_and_a_new_window_starts_afresh(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert [ratelimit.allow("t", "a", limit=2, window=10) for _ in range(3)] == [True, True, False]
    assert ratelimit.over("t", "a", limit=2, window=10)
    assert not ratelimit.over("t", "b", limit=2, window=10)  # someone else
    assert ratelimit.retry_after(10) == 11
    now[0] += 10
    assert ratelimit.allow("t", "a", limit=2, window=10)


def test_a_hand_waved_up_and_down_is_held_back(live, people):
    me = actor_for_participant(people[0])
    for raised in [True, False] * (hands.HAND_CHANGES // 2):
        hands.hand_raise(run=live, actor=me, raised=raised)
    with pytest.raises(ActionError, match="raised and lowered your hand several times"):
        hands.hand_raise(run=live, actor=me, raised=True)
    # Saying again what is already so changes nothing and isn't counted against anyone.
    hands.hand_raise(run=live, actor=actor_for_participant(people[1]), raised=False)


def test_a_count_holds_while_a_big_room_counts_too():
    """Embedded, counts live in the process's cache: a thousand people's counts must not push
    out one person's (Django's in-memory cache keeps 300 keys unless told otherwise)."""
    assert ratelimit.allow("chat:1", "first", limit=1, window=60)
    for person in range(2000):
        ratelimit.allow("chat:1", f"p{person}", limit=5, window=60)
    assert not ratelimit.allow("chat:1", "first", limit=1, window=60)
