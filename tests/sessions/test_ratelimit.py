"""Rate limits count where every server process sees them (sessions/ratelimit.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from sessions.domain import hands, ratelimit
from sessions.domain.permissions import ActionError
from sessions.domain.selectors import actor_for_participant
from tests.conftest import REPO

RACER = textwrap.dedent(
    """
    import os, sys, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "dpup_workshop.settings"
    django.setup()
    from sessions.domain.ratelimit import allow
    sys.stdin.readline()  # start together
    print(sum(allow("race", "someone", limit=25, window=600) for _ in range(20)))
    """
)


def test_two_processes_together_are_held_to_one_limit(tmp_path):
    """The embedded server runs several worker processes: a count kept in each one's memory
    let a person through once per process. Two processes racing 20 attempts each against a
    limit of 25 get exactly 25 through, whatever the interleaving."""
    env = {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=REPO, env=env, check=True, capture_output=True,
    )  # fmt: skip
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER],
            cwd=REPO,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(2)
    ]
    for racer in racers:
        racer.stdin.write("go\n")
        racer.stdin.flush()
    allowed = []
    for racer in racers:
        out, err = racer.communicate(timeout=60)
        assert racer.returncode == 0, err
        allowed.append(int(out.strip().splitlines()[-1]))
    assert sum(allowed) == 25


@pytest.mark.django_db
def test_a_window_counts_to_its_limit_then_refuses_and_a_new_window_starts_afresh(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert [ratelimit.allow("t", "a", limit=2, window=10) for _ in range(3)] == [True, True, False]
    assert ratelimit.over("t", "a", limit=2, window=10)
    assert not ratelimit.over("t", "b", limit=2, window=10)  # someone else
    assert ratelimit.retry_after(10) == 11
    now[0] += 10
    assert ratelimit.allow("t", "a", limit=2, window=10)


@pytest.mark.django_db
def test_a_count_taken_in_an_action_that_fails_is_not_kept():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        ratelimit.allow("t", "rolled-back", limit=1, window=60)
        raise RuntimeError
    assert ratelimit.allow("t", "rolled-back", limit=1, window=60)


@pytest.mark.django_db
def test_the_shared_cache_counts_when_redis_is_configured(settings):
    """Scaled out, counts are in the cache every process shares (Redis there; any cache here
    stands for it)."""
    settings.REDIS_URL = "redis://example.invalid"  # only read to choose the store
    assert [ratelimit.allow("c", "a", limit=1, window=60) for _ in range(2)] == [True, False]
    from sessions.models import RateCount

    assert not RateCount.objects.exists()


def test_a_hand_waved_up_and_down_is_held_back(live, people):
    me = actor_for_participant(people[0])
    for raised in [True, False] * (hands.HAND_CHANGES // 2):
        hands.hand_raise(run=live, actor=me, raised=raised)
    with pytest.raises(ActionError, match="raised and lowered your hand several times"):
        hands.hand_raise(run=live, actor=me, raised=True)
    # Saying again what is already so changes nothing and isn't counted against anyone.
    hands.hand_raise(run=live, actor=actor_for_participant(people[1]), raised=False)
