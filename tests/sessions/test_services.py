from __future__ import annotations

import math

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from bench.simulate import parse_meta
from sessions.domain import answers, participants, runs, selectors, team
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant, actor_for_user, agenda_for
from sessions.live import actions, broadcast, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, run_group_name
from sessions.models import CODE_ALPHABET, Participant, ParticipantStatus, Run, Status, new_code
from slides.models import Role, Slide
from tests.sessions.test_consumers import SAMPLE

NOTE = "Check whether they have watched the Introduction to DPUP video"  # slide 2's notes


def test_run_create_freezes_the_deck_and_makes_the_creator_facilitator(run, users, deck):
    assert run.deck_data.slides[12].title == "The 5 Principles"
    assert actor_for_user(run, users["fran"]).roles == {"facilitator"}
    assert run.actuals == [0.0] * 9 and run.status == Status.DRAFT
    assert len(run.code) == 9 and set(run.code) <= set(CODE_ALPHABET)


def test_join_codes_are_unguessable_and_unambiguous():
    assert math.log2(len(CODE_ALPHABET)) * 9 >= 40
    assert not set("01OILUV") & set(CODE_ALPHABET)
    assert len({new_code() for _ in range(2000)}) == 2000


def test_admin_edits_after_the_start_do_not_reach_a_live_run(run, actors, deck):
    runs.run_start(run=run, actor=actors["fran"])
    Slide.objects.filter(deck=deck, number=13).update(title="Edited mid-run")
    live = Run.objects.get(pk=run.pk)
    assert live.deck_data.slides[12].title == "The 5 Principles"
    assert "Edited mid-run" not in fragments.render_live(live, STAFF)


def test_waiting_room_then_admit_and_remove(run, actors):
    one = participants.participant_join(run=run, display_name="Aroha", show_name=True)
    two = participants.participant_join(run=run)
    assert one.status == two.status == ParticipantStatus.WAITING
    assert (one.number, two.number) == (1, 2)
    assert two.team_label == "Participant 2" and two.public_label == "Anonymous"
    participants.participant_admit(run=run, actor=actors["hana"], participant_id=one.pk)
    assert Participant.objects.get(pk=one.pk).status == ParticipantStatus.ADMITTED
    assert participants.participant_admit_all(run=run, actor=actors["fran"]) == 1
    participants.participant_remove(run=run, actor=actors["hana"], participant_id=two.pk)
    assert Participant.objects.get(pk=two.pk).status == ParticipantStatus.REMOVED
    with pytest.raises(ActionError):
        participants.participant_admit(run=run, actor=actors["hana"], participant_id=two.pk)


def test_the_host_denies_someone_waiting(run, actors):
    person = participants.participant_join(run=run, display_name="Stranger")
    with pytest.raises(PermissionDenied):
        participants.participant_deny(run=run, actor=actors["pita"], participant_id=person.pk)
    participants.participant_deny(run=run, actor=actors["hana"], participant_id=person.pk)
    person.refresh_from_db()
    assert person.status == ParticipantStatus.DENIED and person.refused
    assert selectors.roster_context(run)["waiting_count"] == 0
    assert selectors.report_context(run)["never_admitted"] == 1
    with pytest.raises(ActionError, match="not in the waiting room"):
        participants.participant_admit(run=run, actor=actors["hana"], participant_id=person.pk)


def test_without_a_waiting_room_people_are_admitted_at_once(run, actors):
    runs.run_update(run=run, actor=actors["fran"], waiting_room=False)
    assert participants.participant_join(run=run).status == ParticipantStatus.ADMITTED


def test_turning_the_waiting_room_off_admits_everyone_waiting(run, actors):
    person = participants.participant_join(run=run)
    runs.run_update(run=run, actor=actors["fran"], waiting_room=False)
    assert Participant.objects.get(pk=person.pk).status == ParticipantStatus.ADMITTED


@pytest.mark.parametrize("who", ["pita", "outsider"])
def test_only_host_and_facilitator_admit(run, actors, who):
    person = participants.participant_join(run=run)
    with pytest.raises(PermissionDenied):
        participants.participant_admit(run=run, actor=actors[who], participant_id=person.pk)


def test_participants_cannot_run_the_room(run):
    participant = participants.participant_join(run=run)
    actor = actor_for_participant(participant)
    for service in (runs.run_start, runs.slide_next, runs.segment_next):
        with pytest.raises(PermissionDenied):
            service(run=run, actor=actor)


def test_clock_start_pause_resume(run, actors, clock):
    runs.run_start(run=run, actor=actors["hana"])
    clock.advance(minutes=4)
    runs.run_pause(run=Run.objects.get(pk=run.pk), actor=actors["hana"])
    clock.advance(minutes=30)  # paused: doesn't count
    run = Run.objects.get(pk=run.pk)
    assert agenda_for(run, clock.now).segment.actual == 240
    runs.run_resume(run=run, actor=actors["fran"])
    clock.advance(minutes=7)
    status = agenda_for(Run.objects.get(pk=run.pk), clock.now)
    assert status.segment.actual == 660 and status.overrun and status.late_by == 60
    with pytest.raises(ActionError):
        runs.run_resume(run=run, actor=actors["fran"])


def test_restart_loses_nothing(run, actors, clock):
    """Timers are timestamps: a fresh read from the database gives the same clock."""
    runs.run_start(run=run, actor=actors["fran"])
    clock.advance(minutes=3)
    runs.segment_next(run=run, actor=actors["fran"])
    clock.advance(minutes=2)
    fresh = Run.objects.get(pk=run.pk)
    status = agenda_for(fresh, clock.now)
    assert [round(s.actual) for s in status.segments[:2]] == [180, 120]
    assert status.total_elapsed == 300


def test_slides_move_within_a_segment_and_hand_over_at_its_end(run, actors, clock):
    runs.run_start(run=run, actor=actors["fran"])
    runs.segment_next(run=run, actor=actors["hana"])  # agenda (host, slide 1)
    runs.slide_next(run=run, actor=actors["hana"])  # end of host's slides: to "why"
    run = Run.objects.get(pk=run.pk)
    assert (run.segment_index, run.slide_number) == (2, 2)
    with pytest.raises(PermissionDenied):  # the host doesn't own "why"
        runs.slide_next(run=run, actor=actors["hana"])
    runs.slide_next(run=run, actor=actors["pita"])
    runs.slide_next(run=run, actor=actors["pita"])
    run = Run.objects.get(pk=run.pk)
    assert (run.segment_index, run.slide_number, run.max_slide_shown) == (2, 4, 4)
    runs.slide_previous(run=run, actor=actors["pita"])
    assert Run.objects.get(pk=run.pk).slide_number == 3


def test_facilitator_jumps_anywhere_and_the_agenda_follows(run, actors):
    runs.slide_goto(run=run, actor=actors["fran"], number=20)
    run = Run.objects.get(pk=run.pk)
    assert run.current_segment.key == "quiz" and run.slide_number == 20
    with pytest.raises(PermissionDenied):
        runs.slide_goto(run=run, actor=actors["pita"], number=2)
    with pytest.raises(ActionError, match="no slide 30"):
        runs.slide_goto(run=run, actor=actors["fran"], number=30)
    runs.slide_goto(run=run, actor=actors["fran"], number=29)
    with pytest.raises(ActionError, match="last slide"):
        runs.slide_next(run=Run.objects.get(pk=run.pk), actor=actors["fran"])


def test_presenters_control_only_their_own_segments(run, actors, users):
    boss = actors["fran"]
    team.team_add(
        run=run, actor=boss, user=users["mere"], role=Role.PRESENTER, segments=["toolkit"]
    )
    mere = actor_for_user(run, users["mere"])
    runs.slide_goto(run=run, actor=boss, number=11)  # "detail": every presenter but Mere
    with pytest.raises(PermissionDenied, match="whoever runs the current segment"):
        runs.slide_next(run=run, actor=mere)
    runs.slide_next(run=run, actor=actors["pita"])
    runs.slide_goto(run=run, actor=boss, number=15)  # "toolkit": Mere's
    runs.slide_next(run=run, actor=mere)  # hands over to the agency segment
    assert Run.objects.get(pk=run.pk).current_segment.key == "agency"


def test_each_change_gets_a_version_for_each_audience(run, actors):
    runs.run_start(run=run, actor=actors["fran"])
    runs.run_pause(run=run, actor=actors["fran"])  # the team only
    runs.slide_goto(run=run, actor=actors["fran"], number=3)
    run = Run.objects.get(pk=run.pk)
    assert run.version == 3
    assert run.audience_versions == {STAFF: 3, PARTICIPANTS: 3, SCREEN: 3}


def test_a_change_is_pushed_to_each_audience_after_commit(
    run, actors, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channels = {}
    for audience in (STAFF, PARTICIPANTS, SCREEN):
        channels[audience] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(run_group_name(run.pk, audience), channels[audience])
    with django_capture_on_commit_callbacks(execute=True):
        runs.slide_goto(run=run, actor=actors["fran"], number=2)
    received = {a: async_to_sync(layer.receive)(c)["text"] for a, c in channels.items()}
    for audience, text in received.items():
        assert parse_meta(text) == {"t": "segment.changed", "v": 1, "prev": 0}, audience
        assert "In short" in text
    assert NOTE in received[STAFF]
    assert NOTE not in received[PARTICIPANTS] and NOTE not in received[SCREEN]
    assert 'id="controls"' in received[STAFF] and 'id="controls"' not in received[PARTICIPANTS]


def test_agency_details_fill_slide_16(run, actors):
    runs.slide_goto(run=run, actor=actors["fran"], number=16)
    html = fragments.render_live(Run.objects.get(pk=run.pk), PARTICIPANTS)
    assert "What it means for Te Manatū Example" in html
    assert "<li>A data ethics panel</li>" in html


def _queries_to_render(run) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = Run.objects.get(pk=run.pk)
    with CaptureQueriesContext(connection) as queries:
        for audience in (STAFF, PARTICIPANTS, SCREEN):
            fragments.render_live(run, audience)
    return len(queries)


def test_rendering_for_an_audience_does_not_grow_with_the_room(run, actors):
    runs.run_update(run=run, actor=actors["fran"], waiting_room=False)
    runs.slide_goto(run=run, actor=actors["fran"], number=2)  # a poll opens
    poll = run.interactions.get(key="watched-intro-video")
    few = _queries_to_render(run)
    for _ in range(50):
        person = participants.participant_join(run=run)
        answers.answer_choose(
            run=run, actor=actor_for_participant(person), interaction=poll.pk, choice=0
        )
    assert _queries_to_render(run) == few


def test_snapshots_are_rendered_once_per_version(run, actors, monkeypatch):
    calls = []
    real = fragments.render
    monkeypatch.setattr(fragments, "render", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    for _ in range(20):
        fragments.render_snapshot(Run.objects.get(pk=run.pk), PARTICIPANTS)
    assert len(calls) == 2  # participant_main + announcer, once


def test_ending_closes_invites_and_the_room(run, actors):
    invite = team.invite_create(run=run, actor=actors["fran"], role=Role.PRESENTER)
    runs.run_start(run=run, actor=actors["fran"])
    with pytest.raises(PermissionDenied):
        runs.run_end(run=run, actor=actors["hana"])
    runs.run_end(run=run, actor=actors["fran"])
    run = Run.objects.get(pk=run.pk)
    assert run.status == Status.ENDED and run.ended_at
    invite.refresh_from_db()
    assert not invite.is_active
    with pytest.raises(ActionError):
        participants.participant_join(run=run)
    with pytest.raises(ActionError):
        runs.slide_next(run=run, actor=actors["fran"])


def test_invites_grant_roles(run, actors, users):
    invite = team.invite_create(run=run, actor=actors["fran"], role=Role.HOST)
    team.invite_accept(invite=invite, user=users["mere"])
    team.invite_accept(invite=invite, user=users["mere"])  # harmless twice
    assert actor_for_user(run, users["mere"]).roles == {"host"}
    invite.refresh_from_db()
    assert invite.uses == 1
    with pytest.raises(PermissionDenied):
        team.invite_create(run=run, actor=actors["hana"], role=Role.HOST)
    team.invite_revoke(run=run, actor=actors["fran"], invite=invite)
    with pytest.raises(ActionError, match="no longer valid"):
        team.invite_accept(invite=invite, user=users["outsider"])


def test_one_person_may_hold_several_roles(run, actors, users):
    team.team_add(run=run, actor=actors["fran"], user=users["hana"], role=Role.PRESENTER)
    assert actor_for_user(run, users["hana"]).roles == {"host", "presenter"}


def test_leaving_erases_the_participant(run):
    person = participants.participant_join(run=run, display_name="Aroha", show_name=True)
    participants.participant_leave(participant=person)
    person.refresh_from_db()
    assert (person.display_name, person.show_name, person.status) == ("", False, "left")


def test_envelope_cannot_break_out_of_its_comment():
    text = broadcast.envelope("error", "<p>x</p>", extra={"message": "a --> b"})
    assert text.count("-->") == 1 and parse_meta(text)["message"] == "a --> b"


def test_every_action_calls_the_domain_service_named_after_it():
    for name, spec in actions.REGISTRY.items():
        assert spec.service.__name__ == name.replace(".", "_"), name
        assert spec.service.__module__.startswith("sessions.domain."), name


@pytest.mark.parametrize("action", sorted(actions.REGISTRY))
def test_every_action_is_refused_to_another_runs_team(run, deck, users, action):
    other = runs.run_create(
        deck=deck, facilitator=users["outsider"], title="Other", scheduled_at=run.scheduled_at
    )
    stranger = actor_for_user(run, users["outsider"])  # facilitator of `other`, nothing here
    assert actor_for_user(other, users["outsider"]).roles == {"facilitator"}
    person = participants.participant_join(run=run)
    item = run.interactions.first()
    sample = SAMPLE | {"participant": person.pk, "interaction": item.pk}
    fields = {name: sample[name] for name in actions.REGISTRY[action].fields}
    with pytest.raises(PermissionDenied):
        actions.perform(action, fields, run=run, actor=stranger)
