from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import Client

from sessions.domain import answers, chat, participants, questions, runs, sessionkeys, team
from sessions.domain.selectors import actor_for_participant, actor_for_user
from sessions.models import Participant, ParticipantStatus, RoleInvite, Run


def text(response) -> str:
    """The page's text, its whitespace collapsed and <bdi> (invisible isolation) taken out."""
    return re.sub(r"\s+", " ", re.sub(r"</?bdi>", "", response.content.decode()))


def test_facilitator_creates_a_run_with_a_team(client, users, deck):
    client.force_login(users["fran"])
    form = client.get("/runs/new/")
    assert "Full: 90 minutes" in text(form) and "Short: 60 minutes" in text(form)
    for said_once in ("Participants see poll results as they come in",
                      "Offer a quiz scoreboard", "Who will see or use"):  # fmt: skip
        assert text(form).count(said_once) == 1, said_once
    response = client.post(
        "/runs/new/",
        {
            "deck": deck.pk,
            "title": "DPUP for Te Whatu",
            "scheduled_at": "2026-12-02T10:00",
            "mode": "online",
            "platform": "zoom",
            "plan": "short",
            "agency_name": "Te Whatu",
            "agency_initiatives": "One\nTwo",
            "waiting_room": "on",
            "chat_enabled": "on",
            "takes_recordings": "on",
            "recordings_audience": "The facilitation team only",
            "retention_days": 14,
            "hosts": [users["hana"].pk],
            "presenters": [users["pita"].pk, users["mere"].pk],
        },
    )
    run = Run.objects.get(title="DPUP for Te Whatu")
    assert response.status_code == 302 and response.url == f"/runs/{run.code}/settings/"
    assert run.plan == "short" and run.planned_minutes == 60
    assert actor_for_user(run, users["hana"]).roles == {"host"}
    assert actor_for_user(run, users["mere"]).roles == {"presenter"}
    assert "DPUP for Te Whatu" in text(client.get("/runs/"))


def test_the_new_run_form_posted_twice_makes_one_run(client, users, deck):
    client.force_login(users["fran"])
    page = text(client.get("/runs/new/"))
    assert '<input type="hidden" name="token" data-fresh' in page and "js/once.js" in page
    form = {"deck": deck.pk, "title": "Once", "scheduled_at": "2026-12-02T10:00",
            "mode": "in_person", "plan": "full", "retention_days": 30,
            "hosts": [users["hana"].pk], "token": "0b6a1c2d-3e4f-4a5b-8c7d"}  # fmt: skip
    first, second = client.post("/runs/new/", form), client.post("/runs/new/", form)
    run = Run.objects.get(title="Once")
    assert first.url == second.url == f"/runs/{run.code}/settings/"
    assert actor_for_user(run, users["hana"]).roles == {"host"}
    client.post("/runs/new/", form | {"token": "a-new-page-token"})  # another page: another run
    assert Run.objects.filter(title="Once").count() == 2
    damaged = client.post("/runs/new/", form | {"token": "<b>"})
    assert damaged.status_code == 200 and "This form was changed on its way here" in text(damaged)
    assert 'value="Once"' in text(damaged) and Run.objects.filter(title="Once").count() == 2


def test_recording_needs_an_audience(client, users, deck):
    client.force_login(users["fran"])
    response = client.post(
        "/runs/new/",
        {"deck": deck.pk, "title": "x", "scheduled_at": "2026-12-02T10:00", "mode": "in_person",
         "plan": "full", "takes_photos": "on", "retention_days": 30},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Say who will see or use them" in text(response)
    assert not Run.objects.filter(title="x").exists()


def test_create_run_command(deck, users, capsys):
    call_command(
        "create_run", "--deck", "dpup-intro", "--facilitator", "fran", "--title", "Cmd run"
    )
    out = capsys.readouterr().out
    run = Run.objects.get(title="Cmd run")
    assert f"/join/{run.code}/" in out and run.display_code in out


def test_create_run_prints_links_for_where_the_site_is(deck, users, capsys, settings):
    hint = "--base-url (or SITE_URL) sets the address these links use."
    settings.SITE_URL = ""
    call_command("create_run", "--deck", "dpup-intro", "--facilitator", "fran")
    out = capsys.readouterr().out
    run = Run.objects.latest("id")
    assert f"Join link: http://127.0.0.1:8000/join/{run.code}/" in out and hint in out
    settings.SITE_URL = "https://workshop.example.org"
    call_command("create_run", "--deck", "dpup-intro", "--facilitator", "fran")
    out = capsys.readouterr().out
    run = Run.objects.latest("id")
    assert f"Join link: https://workshop.example.org/join/{run.code}/" in out
    assert f"Console:   https://workshop.example.org/runs/{run.code}/console/" in out
    call_command(
        "create_run", "--deck", "dpup-intro", "--facilitator", "fran",
        "--base-url", "http://10.0.0.5:9000/",
    )  # fmt: skip
    out = capsys.readouterr().out
    run = Run.objects.latest("id")
    assert f"Join link: http://10.0.0.5:9000/join/{run.code}/" in out and hint not in out


def test_join_page_tells_what_is_recorded_and_offers_choices(client, run):
    runs.run_update(
        run=run,
        actor=actor_for_user(run, run.facilitator),
        takes_photos=True,
        recordings_audience="the agency's comms team",
        retention_days=7,
    )
    page = text(client.get(f"/join/{run.code}/"))
    for fact in ("Your name", "chat messages", "7 days after the workshop ends",
                 "photos", "comms team", "Anonymous", "Leave it empty"):  # fmt: skip
        assert fact in page, fact
    assert "if you were the last to write your group's summary, it is deleted with your data" in (
        page.replace("&#x27;", "'")
    )
    assert 'name="show_name"' in page


@pytest.mark.parametrize("refusal", ["remove", "deny"])
def test_someone_the_host_turned_away_cannot_join_again_from_that_browser(
    client, run, users, refusal
):
    client.post(f"/join/{run.code}/", {"display_name": "Aroha"})
    person = Participant.objects.get()
    host = actor_for_user(run, users["hana"])
    if refusal == "remove":
        participants.participant_admit(run=run, actor=host, participant_id=person.pk)
        participants.participant_remove(run=run, actor=host, participant_id=person.pk)
        said = "The host removed you from this workshop"
    else:
        participants.participant_deny(run=run, actor=host, participant_id=person.pk)
        said = "The host didn't admit you to this workshop"
    refusal_text = f"{said}, so you can't join it again from this browser. If that was a "
    refusal_text += "mistake, ask the host."
    for response in (
        client.get(f"/join/{run.code}/"),
        client.post(f"/join/{run.code}/", {"display_name": "Aroha again"}),
    ):
        assert response.status_code == 403
        page = text(response).replace("&#x27;", "'")
        assert refusal_text in page and "Join the workshop" not in page
    assert Participant.objects.count() == 1
    gone = text(client.get(f"/runs/{run.code}/")).replace("&#x27;", "'")
    assert said.replace("removed", "has removed") in gone and "Join again" not in gone
    # Deleting their data doesn't open the door again either.
    client.post(f"/runs/{run.code}/me/", {"leave": "1"})
    person.refresh_from_db()
    assert person.display_name == "" and person.refused
    assert client.post(f"/join/{run.code}/", {}).status_code == 403
    assert Participant.objects.count() == 1


def test_someone_who_left_may_join_again_as_someone_new(client, run):
    client.post(f"/join/{run.code}/", {"display_name": "Aroha"})
    client.post(f"/runs/{run.code}/me/", {"leave": "1"})
    again = client.get(f"/join/{run.code}/")
    assert again.status_code == 200 and "Join the workshop" in text(again)
    assert client.post(f"/join/{run.code}/", {"display_name": "Aroha"}).status_code == 302
    assert Participant.objects.count() == 2


def test_join_posted_twice_is_one_participant(client, run):
    """A double click on "Join the workshop" posts the form twice, the second time before the
    first answer (and its cookie) is back: both land on the one participant."""
    page = text(client.get(f"/join/{run.code}/"))
    assert '<input type="hidden" name="token" data-fresh' in page and "js/once.js" in page
    form = {"display_name": "Aroha", "token": "4f1c9a0e-7b2d-4c3e-9f10-aa5b6c7d8e9f"}
    first = client.post(f"/join/{run.code}/", form)
    second = Client().post(f"/join/{run.code}/", form)  # the browser's cookies of before
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/runs/{run.code}/"
    person = Participant.objects.get()
    set_cookie = second.cookies[sessionkeys.cookie_name(run.pk)]
    assert sessionkeys.participant_ids({set_cookie.key: set_cookie.value}) == [person.pk]
    assert person.display_name == "Aroha" and person.number == 1
    # Another page (another token) is someone else.
    Client().post(f"/join/{run.code}/", {"display_name": "Aroha", "token": "another-token-1"})
    assert Participant.objects.count() == 2
    # After leaving, the same form joins someone new.
    client.post(f"/runs/{run.code}/me/", {"leave": "1"})
    assert Client().post(f"/join/{run.code}/", form).status_code == 302
    assert Participant.objects.count() == 3


def test_join_with_a_damaged_token_says_so_and_keeps_the_name(client, run):
    response = client.post(
        f"/join/{run.code}/", {"display_name": "Aroha", "token": "<script>alert(1)</script>"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "This form was changed on its way here: check your name and join again." in page
    assert 'value="Aroha"' in page and "<script>alert" not in page
    assert not Participant.objects.exists()


def test_a_mistyped_join_link_says_what_to_do(client, db):
    response = client.get("/join/ABCDEFGH2/")
    assert response.status_code == 404
    page = text(response)
    assert "No workshop has that code." in page and 'href="/join/"' in page


def test_join_by_typed_code(client, run):
    response = client.post("/join/", {"code": run.display_code.lower().replace("-", " ")})
    assert response.status_code == 302 and response.url == f"/join/{run.code}/"
    wrong = client.post("/join/", {"code": "ABC-DEF-GH2"})
    assert wrong.status_code == 400 and "No workshop has that code" in text(wrong)


def test_identity_survives_a_reload(client, run):
    client.post(f"/join/{run.code}/", {"display_name": "Aroha", "show_name": "on"})
    assert client.get(f"/join/{run.code}/").url == f"/runs/{run.code}/"
    assert "Your data (Aroha)" in text(client.get(f"/runs/{run.code}/"))
    assert Participant.objects.count() == 1


def test_a_run_that_ends_while_someone_is_joining_says_so(client, run, monkeypatch):
    """The join page read the run while it was open; it ended before the form was sent."""
    from sessions.domain import selectors

    read_while_open = selectors.run_for_join(run.code)
    runs.run_end(run=run, actor=actor_for_user(run, run.facilitator))
    monkeypatch.setattr(selectors, "run_for_join", lambda code: read_while_open)
    response = client.post(f"/join/{run.code}/", {"display_name": "Aroha"})
    assert response.status_code == 409
    assert "This workshop has ended" in text(response)
    assert not Participant.objects.exists()


def test_a_run_deleted_while_someone_is_joining_is_not_found(client, run, monkeypatch):
    from sessions.domain import selectors

    read_before = selectors.run_for_join(run.code)
    Run.objects.filter(pk=run.pk).delete()
    monkeypatch.setattr(selectors, "run_for_join", lambda code: read_before)
    response = client.post(f"/join/{read_before.code}/", {"display_name": "Aroha"})
    assert response.status_code == 404
    assert not Participant.objects.exists()


def test_guessing_codes_is_rate_limited(client, run, settings):
    from django.test import Client

    settings.JOIN_RATE_LIMIT = 4
    runs.run_update(run=run, actor=actor_for_user(run, run.facilitator), waiting_room=False)
    joined = Client()  # someone in the room, on the same network
    joined.post(f"/join/{run.code}/", {"display_name": "Aroha"})
    assert client.post("/join/", {"code": run.display_code}).status_code == 302  # not counted
    for _ in range(2):
        assert client.post("/join/", {"code": "ABC-DEF-GH2"}).status_code == 400
    # Other pages named by a code count wrong ones too.
    assert client.get("/runs/ABCDEFGH2/").status_code == 404
    assert client.get("/runs/ABCDEFGH2/me/download/").status_code == 404
    refused = client.post("/join/", {"code": "ABC-DEF-GH2"})
    assert refused.status_code == 429 and "Too many wrong workshop codes" in text(refused)
    assert client.get("/join/ZZZZZZZZZ/").status_code == 429
    # Past the limit even a right code is refused, or guessing would go on, on every page.
    assert client.post("/join/", {"code": run.display_code}).status_code == 429
    for page in ("/join/{}/", "/runs/{}/", "/runs/{}/me/", "/runs/{}/slides/1/"):
        assert client.get(page.format(run.code)).status_code == 429, page
    # Whoever is in the room already carries on.
    assert joined.get(f"/join/{run.code}/").url == f"/runs/{run.code}/"
    assert joined.get(f"/runs/{run.code}/").status_code == 200
    assert joined.get(f"/runs/{run.code}/me/").status_code == 200


def test_a_room_behind_one_address_can_all_join(run, settings):
    """An office's network shows one address for everyone in the room."""
    from django.test import Client

    settings.JOIN_RATE_LIMIT = 3
    settings.JOIN_ROOM_RATE_LIMIT = 8
    for number in range(8):
        phone = Client(REMOTE_ADDR="203.0.113.7")
        assert phone.post("/join/", {"code": run.display_code}).status_code == 302
        joined = phone.post(f"/join/{run.code}/", {"display_name": f"Person {number}"})
        assert joined.status_code == 302, number
    flood = Client(REMOTE_ADDR="203.0.113.7").post(f"/join/{run.code}/", {"display_name": "x"})
    assert flood.status_code == 429 and "joined this workshop from your network" in text(flood)
    assert Participant.objects.count() == 8
    elsewhere = Client(REMOTE_ADDR="198.51.100.2")
    assert elsewhere.post(f"/join/{run.code}/", {"display_name": "Remote"}).status_code == 302


def test_participant_sees_and_deletes_their_data(client, run):
    client.post(f"/join/{run.code}/", {"display_name": "Aroha"})
    page = text(client.get(f"/runs/{run.code}/me/"))
    assert "Aroha" in page and "Anonymous" in page and "30 days after the workshop ends" in page
    assert '<dd id="my-scoreboard">no</dd>' in page
    client.post(f"/runs/{run.code}/me/", {"display_name": "Aroha P", "show_name": "on"})
    assert Participant.objects.get().public_label == "Aroha P"
    client.post(f"/runs/{run.code}/me/", {"leave": "1"})
    person = Participant.objects.get()
    assert person.status == ParticipantStatus.LEFT and person.display_name == ""
    assert client.get(f"/runs/{run.code}/").url == f"/join/{run.code}/"


@pytest.mark.parametrize(
    "view", ["console", "host", "present", "screen", "settings", "agenda", "qr.svg", "report"]
)
def test_team_pages_are_for_the_team(client, run, users, view):
    url = f"/runs/{run.code}/{view}" + ("" if view.endswith(".svg") else "/")
    client.force_login(users["outsider"])
    refused = client.get(url)
    assert refused.status_code == 403
    who = "the facilitator can change the run" if view == "settings" else "a presenter can open"
    assert who in text(refused)  # said from the permission table's row for the page
    assert "Back to your workshops" in text(refused)
    client.force_login(users["fran"])
    assert client.get(url).status_code == 200


def test_only_the_facilitator_changes_settings(client, run, users):
    client.force_login(users["hana"])
    assert client.get(f"/runs/{run.code}/console/").status_code == 200
    assert client.get(f"/runs/{run.code}/settings/").status_code == 403


def test_team_roles_offer_the_least_power_first(client, run, users):
    client.force_login(users["fran"])
    page = client.get(f"/runs/{run.code}/settings/").content.decode()
    for select in ('name="role" id="id_role"', 'name="role" id="invite-role"'):
        options = page.split(select, 1)[1].split("</select>", 1)[0]
        assert '<option value="presenter" selected>' in options, select
    forged = client.post(f"/runs/{run.code}/invites/", {"role": "owner"})
    assert forged.status_code == 400
    assert "Select a valid choice" in text(forged)
    assert not RoleInvite.objects.filter(run=run).exists()


def test_logging_in_leads_to_your_workshops(client, db, users):
    users["fran"].set_password("pw-for-test-1")
    users["fran"].save()
    response = client.post("/accounts/login/", {"username": "fran", "password": "pw-for-test-1"})
    assert response.status_code == 302 and response.url == "/runs/"


def test_participant_pages_never_carry_notes(client, run):
    runs.run_update(run=run, actor=actor_for_user(run, run.facilitator), waiting_room=False)
    runs.slide_goto(run=run, actor=actor_for_user(run, run.facilitator), number=2)
    client.post(f"/join/{run.code}/", {})
    page = text(client.get(f"/runs/{run.code}/"))
    assert "In short" in page and "Check whether they have watched" not in page
    assert 'id="controls"' not in page


def test_participants_browse_back_only_through_slides_shown(client, run):
    runs.run_update(run=run, actor=actor_for_user(run, run.facilitator), waiting_room=False)
    runs.slide_goto(run=run, actor=actor_for_user(run, run.facilitator), number=4)
    client.post(f"/join/{run.code}/", {})
    earlier = client.get(f"/runs/{run.code}/slides/2/")
    assert earlier.status_code == 200 and "In short" in text(earlier)
    assert "Check whether" not in text(earlier)
    assert client.get(f"/runs/{run.code}/slides/5/").status_code == 404


def test_invite_link_grants_the_role_after_login(client, run, users):
    invite = team.invite_create(run=run, actor=actor_for_user(run, users["fran"]), role="presenter")
    url = f"/invite/{invite.token}/"
    assert client.get(url).url.startswith("/accounts/login/")
    client.force_login(users["mere"])
    assert "Presenter" in text(client.get(url))
    response = client.post(url)
    assert response.url == f"/runs/{run.code}/present/"
    assert actor_for_user(run, users["mere"]).roles == {"presenter"}
    assert RoleInvite.objects.get().uses == 1


def test_the_invite_ends_its_sentence_with_one_full_stop(client, run, users):
    Run.objects.filter(pk=run.pk).update(scheduled_at=datetime(2026, 12, 1, 19, 23, tzinfo=UTC))
    invite = team.invite_create(run=run, actor=actor_for_user(run, users["fran"]), role="presenter")
    client.force_login(users["mere"])
    page = text(client.get(f"/invite/{invite.token}/"))
    assert "for the workshop on Wednesday 2 December 2026, 8:23 a.m.</p>" in page  # Auckland
    assert "a.m.." not in page


def test_settings_page_manages_team_and_invites(client, run, users):
    client.force_login(users["fran"])
    page = text(client.get(f"/runs/{run.code}/settings/"))
    assert f"/join/{run.code}/" in page and run.display_code in page
    client.post(f"/runs/{run.code}/team/", {"user": users["mere"].pk, "role": "presenter",
                                             "segments": ["toolkit"]})  # fmt: skip
    assert actor_for_user(run, users["mere"]).presenter_segments == {"toolkit"}
    client.post(f"/runs/{run.code}/invites/", {"role": "host"})
    invite = RoleInvite.objects.get()
    assert f"/invite/{invite.token}/" in text(client.get(f"/runs/{run.code}/settings/"))
    client.post(f"/runs/{run.code}/invites/{invite.pk}/revoke/")
    invite.refresh_from_db()
    assert not invite.is_active


def test_agenda_panel_suggests_cuts_when_running_over(client, run, users):
    from datetime import timedelta

    from django.utils import timezone

    runs.run_start(run=run, actor=actor_for_user(run, users["fran"]))
    # 25 minutes into the 10-minute welcome: 15 minutes late.
    Run.objects.filter(pk=run.pk).update(running_since=timezone.now() - timedelta(minutes=25))
    client.force_login(users["hana"])
    panel = text(client.get(f"/runs/{run.code}/agenda/"))
    assert "Running 15 min over" in panel
    cuts = re.findall(r"shorten <strong>([^<]+)</strong> by (\d+) min", panel)
    assert sum(int(minutes) for _, minutes in cuts) == 15
    assert "DPUP in detail — structure, Principles and Guidelines" in [title for title, _ in cuts]
    assert "(15 min late)" in panel


def test_chat_on_a_page_is_in_the_chat_log_not_in_the_notices(client, run, users):
    from sessions.domain import runs, team

    fran = actor_for_user(run, run.facilitator)
    runs.run_update(run=run, actor=fran, waiting_room=False)
    runs.run_start(run=run, actor=fran)
    run = Run.objects.get(pk=run.pk)
    client.post(f"/join/{run.code}/", {"display_name": "Aroha", "show_name": "on"})
    chat.chat_send(run=run, actor=fran, text="Kia ora koutou")
    page = client.get(f"/runs/{run.code}/").content.decode()
    log = page.split('id="chat-log"', 1)[1].split("</ol>", 1)[0]
    assert "Kia ora koutou" in log
    assert 'class="messages"' not in page
    # The page's own notice still shows: here, the one for accepting an invite.
    invite = team.invite_create(run=run, actor=fran, role="host")
    client.force_login(users["outsider"])
    page = client.post(f"/invite/{invite.token}/", follow=True).content.decode()
    notices = page.split('class="messages"', 1)[1].split("</ul>", 1)[0]
    assert f"You are Host for {run.title}" in notices
    assert "Kia ora koutou" not in notices
    assert "Kia ora koutou" in page.split('id="chat-log"', 1)[1].split("</ol>", 1)[0]


def test_participant_downloads_a_copy_of_their_data(client, run):
    import json

    from sessions.domain import runs

    fran = actor_for_user(run, run.facilitator)
    runs.run_update(run=run, actor=fran, waiting_room=False)
    runs.run_start(run=run, actor=fran)
    run = Run.objects.get(pk=run.pk)
    client.post(f"/join/{run.code}/", {"display_name": "Aroha"})
    me = actor_for_participant(Participant.objects.get())
    runs.slide_goto(run=run, actor=fran, number=2)
    poll = run.interactions.get(key="watched-intro-video")
    answers.answer_choose(run=run, actor=me, interaction=poll.pk, choice=1)
    chat.chat_send(run=run, actor=me, text="Kia ora")
    questions.question_ask(run=run, actor=me, text="Where is the toolkit?")
    page = client.get(f"/runs/{run.code}/me/").content.decode()
    assert f'href="/runs/{run.code}/me/download/"' in page
    response = client.get(f"/runs/{run.code}/me/download/")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="my-data-{run.code}.json"'
    data = json.loads(response.content)
    assert data["you"]["name"] == "Aroha"
    assert data["you"]["shown_on_shared_screens_as"] == "Anonymous"
    assert data["answers_and_responses"] == [
        {"kind": "Poll", "question": poll.text, "chose": ["Not yet"], "wrote": "",
         "passed": False, "offered_to_share_aloud": False, "shown_on_the_projector": False}
    ]  # fmt: skip
    assert [m["text"] for m in data["chat_messages"]] == ["Kia ora"]
    assert [q["text"] for q in data["questions"]] == ["Where is the toolkit?"]
    # Someone else's browser gets no one's data.
    from django.test import Client

    assert Client().get(f"/runs/{run.code}/me/download/").url == f"/join/{run.code}/"
