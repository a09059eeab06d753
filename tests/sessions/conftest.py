from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessions.domain import participants, runs, team
from sessions.domain.selectors import actor_for_user
from sessions.models import Run
from slides.models import Role


@pytest.fixture(autouse=True)
def _pushes_at_once(settings):
    # Coalesced pushes flush as soon as the transaction commits: tests see them at once.
    settings.ROSTER_PUSH_DELAY = 0
    settings.ACTIVITY_PUSH_DELAY = 0
    settings.REACTION_PUSH_DELAY = 0


@pytest.fixture
def users(django_user_model):
    make = django_user_model.objects.create_user
    return {
        name: make(username=name, password="a-long-test-password")
        for name in ("fran", "hana", "pita", "mere", "outsider")
    }


@pytest.fixture
def run(deck, users):
    run = runs.run_create(
        deck=deck,
        facilitator=users["fran"],
        title="DPUP for the team",
        scheduled_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        agency_name="Te Manatū Example",
        agency_initiatives="Plain-language notices\nA data ethics panel",
    )
    boss = actor_for_user(run, users["fran"])
    team.team_add(run=run, actor=boss, user=users["hana"], role=Role.HOST)
    team.team_add(run=run, actor=boss, user=users["pita"], role=Role.PRESENTER)
    return run


@pytest.fixture
def actors(run, users):
    return {name: actor_for_user(run, user) for name, user in users.items()}


@pytest.fixture
def live(run, actors):
    """The run started, without a waiting room, with the quiz scoreboard offered."""
    runs.run_update(run=run, actor=actors["fran"], waiting_room=False, quiz_scoreboard=True)
    runs.run_start(run=run, actor=actors["fran"])
    return Run.objects.get(pk=run.pk)


@pytest.fixture
def people(live):
    """Aroha (named on shared screens), Sam (named to the team only) and someone anonymous."""
    return [
        participants.participant_join(run=live, display_name=name, show_name=show)
        for name, show in (("Aroha", True), ("Sam", False), ("", False))
    ]


class Clock:
    """A controllable now() for the services and agenda."""

    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, **kwargs):
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(runs, "_now", clock)
    return clock
