"""What a hostile participant, a copied cookie or a noisy office network can do: each finding
of the security probe, through the real router and the real views."""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest
from channels.db import database_sync_to_async as db
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import path

from dpup_workshop.text import clean
from dpup_workshop.urls import urlpatterns as site_urlpatterns
from sessions.domain import runs, sessionkeys, team
from sessions.domain.permissions import ACTIONS, ROLE_NAMES, ActionError, describe
from sessions.domain.signins import sign_out_everywhere
from sessions.live import actions, consumers
from sessions.models import ChatMessage, Participant, RoleInvite, SignedInSession
from tests.sessions.test_consumers import (
    connect,
    cookie_for,
    drain,
    fran_cookie,
    open_run,  # noqa: F401  (a fixture)
    participant_cookie,
    receive,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)

LONE = "\\ud800"  # a lone surrogate, as a JSON escape in the frame's text


# --- 1. text that can't be stored, and failures nobody expected ----------------------------------


@pytest.mark.parametrize(
    ("view", "frame"),
    [
        ("participant", f'{{"action": "chat.send", "text": "hi {LONE}"}}'),
        ("participant", f'{{"action": "question.ask", "text": "{LONE}"}}'),
        ("participant", f'{{"action": "answer.write", "interaction": 1, "text": "{LONE}"}}'),
        ("participant", f'{{"action": "breakout.summary", "group": 1, "text": "{LONE}"}}'),
        ("participant", f'{{"action": "{LONE}"}}'),
        ("participant", f'{{"action": "chat.send", "text": "hi", "{LONE}": 1}}'),
        ("participant", f'{{"action": "chat.send", "text": ["{LONE}"]}}'),
        ("console", f'{{"action": "chat.send", "text": "{LONE}"}}'),
        ("console", f'{{"action": "interaction.create", "kind": "poll", "text": "{LONE}"}}'),
        ("console", f'{{"action": "interaction.create", "kind": "poll", "text": "Q", '
                    f'"options": ["{LONE}"]}}'),
    ],
)  # fmt: skip
@pytest.mark.asyncio
async def test_a_lone_surrogate_is_refused_as_invalid_and_the_socket_stays(
    open_run,  # noqa: F811
    users,
    caplog,
    view,
    frame,
):
    await db(runs.run_start)(run=open_run, actor=await db(_fran)(open_run))
    cookie = await (fran_cookie(users) if view == "console" else db(participant_cookie)(open_run))
    communicator, _, _ = await connect(open_run, cookie, view)
    await receive(communicator)
    await drain(communicator)
    with caplog.at_level(logging.DEBUG):
        await communicator.send_to(text_data=frame)
        meta, text = await receive(communicator)
        assert meta["t"] == "error" and meta["code"] == "invalid"
        assert "characters that can't be stored" in text.replace("&#x27;", "'")
        await send(communicator, action="sync")
        assert (await receive(communicator))[0]["t"] == "snapshot"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    assert not await db(ChatMessage.objects.exists)()
    await communicator.disconnect()


async def still_open(communicator) -> bool:
    """Whether the socket answers a sync with a snapshot (pushes before it are passed over)."""
    await send(communicator, action="sync")
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return False
        if '"t":"snapshot"' in output.get("text", "")[:200]:
            return True


async def team_view(run, browser: Client, view: str):
    """A team view's socket, opened with the browser's cookies, its snapshot read."""
    communicator, _, _ = await connect(run, cookie_for(browser), view)
    await receive(communicator)
    await drain(communicator)
    return communicator


async def closed_with(communicator, code: int) -> bool:
    """Whether the socket closes with `code` (pushes before it are passed over)."""
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output.get("code") == code


def _fran(run):
    from sessions.domain.selectors import actor_for_user

    return actor_for_user(run, run.facilitator)


@pytest.mark.asyncio
async def test_typed_text_is_stored_clean(open_run):  # noqa: F811
    """NFC (a decomposed macron is one letter) and no bidirectional controls, which could
    make a line display as something other than what it says."""
    await db(runs.run_start)(run=open_run, actor=await db(_fran)(open_run))
    communicator, _, _ = await connect(open_run, await db(participant_cookie)(open_run))
    await receive(communicator)
    await send(
        communicator, action="chat.send", text="Kia ora wha\u0304nau \u202etxet\u202c\u2066!"
    )
    await drain(communicator)
    assert await db(lambda: list(ChatMessage.objects.values_list("text", flat=True)))() == [
        "Kia ora wh\u0101nau txet!"
    ]
    await communicator.disconnect()


def test_a_name_typed_with_bidi_controls_is_stored_without_them(client, open_run):  # noqa: F811
    client.post(f"/join/{open_run.code}/", {"display_name": "\u202eAroha\u202c  Smith\u200f"})
    assert Participant.objects.get().display_name == "Aroha Smith"


def test_lengths_are_counted_after_cleaning(client, open_run):  # noqa: F811
    name = "\u202e" * 30 + "a" * 60  # 90 typed, 60 kept: within the limit of 60
    client.post(f"/join/{open_run.code}/", {"display_name": name})
    assert Participant.objects.get().display_name == "a" * 60


def test_the_text_rule():
    assert clean("  a\u0304  b\u00a0c ") == "\u0101 b c"
    assert clean("line one  \r\n\r\n\r\n\r\nline\u2028two\x00\x7f", multiline=True) == (
        "line one\n\nline\ntwo"
    )
    assert clean("\u200d\u200c stay (joiners)") == "\u200d\u200c stay (joiners)"
    # What shows as nothing, or as a blank: zero-width space, soft hyphen, tag characters,
    # a Hangul filler. A name of only these is no name.
    assert clean("Fran\u200b a\u00adb x\U000e0041y") == "Fran ab xy"
    assert clean("\u3164\u200b") == ""
    with pytest.raises(ValueError, match="can't be stored"):
        clean("\ud800")


@pytest.mark.asyncio
async def test_an_unexpected_failure_answers_an_error_keeps_the_socket_and_is_logged_once(
    open_run,  # noqa: F811
    users,
    caplog,
    monkeypatch,
):
    def broken(**kwargs):
        raise RuntimeError(f"quoting the payload: {kwargs['text']}")

    spec = actions.REGISTRY["chat.send"]
    monkeypatch.setitem(actions.REGISTRY, "chat.send", dataclasses.replace(spec, service=broken))
    communicator, _, _ = await connect(open_run, await fran_cookie(users), "console")
    await receive(communicator)
    await drain(communicator)
    with caplog.at_level(logging.INFO):
        await send(communicator, action="chat.send", text="SECRET-TEXT")
        meta, _ = await receive(communicator)
    assert meta["code"] == "server_error" and meta["action"] == "chat.send"
    await send(communicator, action="sync")
    assert (await receive(communicator))[0]["t"] == "snapshot"
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage().startswith("Action chat.send failed: RuntimeError")
    assert record.exc_info is None and "SECRET-TEXT" not in record.getMessage()
    await communicator.disconnect()


# --- 2. signing out ends every copy of a session -----------------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_logging_out_ends_a_copied_session_cookie(open_run, users):  # noqa: F811
    owner = _signed_in(users["fran"])
    thief = Client()
    thief.cookies["sessionid"] = owner.cookies["sessionid"].value
    assert thief.get(f"/runs/{open_run.code}/host/").status_code == 200
    owner.post("/accounts/logout/")
    response = thief.get(f"/runs/{open_run.code}/host/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not SignedInSession.objects.exists()


@pytest.mark.asyncio
async def test_logging_out_closes_that_sessions_open_team_views_only(open_run, users):  # noqa: F811
    owner = await db(_signed_in)(users["fran"])
    elsewhere = await db(_signed_in)(users["fran"])
    copied = await team_view(open_run, owner, "console")
    other = await team_view(open_run, elsewhere, "screen")
    await db(owner.post)("/accounts/logout/")
    assert await closed_with(copied, 4401)
    assert await still_open(other)
    await other.disconnect()


@pytest.mark.asyncio
async def test_sign_out_everywhere_ends_every_session_and_closes_every_team_view(
    open_run,  # noqa: F811
    users,
):
    browsers = [await db(_signed_in)(users["fran"]) for _ in range(2)]
    sockets = [await team_view(open_run, browser, "console") for browser in browsers]
    assert await db(sign_out_everywhere)(users["fran"]) == 2
    for socket in sockets:
        assert await closed_with(socket, 4401)
    for browser in browsers:
        response = await db(browser.get)(f"/runs/{open_run.code}/console/")
        assert response.status_code == 302


@pytest.mark.asyncio
async def test_a_password_change_closes_other_team_views_whatever_they_send(
    open_run,  # noqa: F811
    users,
    monkeypatch,
):
    monkeypatch.setattr(consumers, "SIGN_IN_CHECK_SECONDS", 0.2)
    changer = await db(_signed_in)(users["fran"])
    other = await db(_signed_in)(users["fran"])
    mine = await team_view(open_run, changer, "console")
    theirs = await team_view(open_run, other, "console")
    response = await db(changer.post)(
        "/accounts/password_change/",
        {
            "old_password": "a-long-test-password",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    # Every socket opened with a session from before the change closes at its next check
    # (it pings nothing here: the server checks on its own): the other browser's for good,
    # the changer's too, as their session was renewed: the page tries once more with the
    # browser's cookie (live.js), and only the changer's gets in.
    for socket in (mine, theirs):
        assert await closed_with(socket, 4401)
    again, _, _ = await connect(open_run, cookie_for(changer), "console")
    assert await still_open(again)
    await again.disconnect()
    refused, _, _ = await connect(open_run, cookie_for(other), "console")
    assert await closed_with(refused, 4401)


def test_sign_out_everywhere_finds_a_session_a_password_change_renewed(open_run, users):  # noqa: F811
    browser = _signed_in(users["fran"])
    browser.post(
        "/accounts/password_change/",
        {
            "old_password": "a-long-test-password",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert browser.get(f"/runs/{open_run.code}/console/").status_code == 200
    assert sign_out_everywhere(users["fran"]) == 1
    assert browser.get(f"/runs/{open_run.code}/console/").status_code == 302


def test_only_staff_who_may_change_people_may_sign_them_out(users):
    from django.contrib.auth.models import Permission

    viewer = get_user_model().objects.create_user("viewer", password="a-long-test-password")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    _signed_in(users["fran"])
    _signed_in(viewer).post(
        "/admin/auth/user/", {"action": "sign_out", "_selected_action": [users["fran"].pk]}
    )
    assert SignedInSession.objects.filter(user=users["fran"]).exists()


def test_a_cookie_name_that_is_not_a_run_id_is_passed_over():
    assert sessionkeys.participant_ids({"dpup-p-\u00b2": "1:x:y", "dpup-p-1": "forged"}) == []


def test_the_admin_signs_someone_out_everywhere(users):
    User = get_user_model()
    admin = User.objects.create_superuser("site-admin", "a@example.org", "admin-password-123")
    _signed_in(users["fran"])
    _signed_in(users["fran"])
    client = _signed_in(admin)
    response = client.post(
        "/admin/auth/user/",
        {"action": "sign_out", "_selected_action": [users["fran"].pk]},
        follow=True,
    )
    assert "Signed out 1 person everywhere: 2 sessions ended." in response.content.decode()
    assert not SignedInSession.objects.filter(user=users["fran"]).exists()


# --- 7. refusals are pages, never errors ------------------------------------------------------


def test_another_runs_invite_is_not_found_not_an_error(client, deck, users, open_run):  # noqa: F811
    other = runs.run_create(
        deck=deck, facilitator=users["fran"], title="Other", scheduled_at=open_run.scheduled_at
    )
    theirs = team.invite_create(run=other, actor=_fran(other), role="presenter")
    client.force_login(users["fran"])
    response = client.post(f"/runs/{open_run.code}/invites/{theirs.pk}/revoke/")
    missing = client.post(f"/runs/{open_run.code}/invites/999999/revoke/")
    assert response.status_code == missing.status_code == 404
    assert RoleInvite.objects.get(pk=theirs.pk).revoked_at is None


def refuses(request):
    raise ActionError("That can't be done once the workshop has ended.")


urlpatterns = [path("refuses/", refuses), *site_urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_no_view_caught_is_a_403_page_and_one_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = client.get("/refuses/")
    assert response.status_code == 403
    assert "That can&#x27;t be done once the workshop has ended." in response.content.decode()
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and "\n" not in record.getMessage()


# --- 11. join-code guessing ---------------------------------------------------------------------


@override_settings(JOIN_RATE_LIMIT=2, JOIN_RATE_WINDOW=300)
def test_a_network_refused_for_guessing_gets_retry_after_and_the_link_still_works(
    client,
    open_run,  # noqa: F811
):
    for guess in ("AAAAAAAAA", "BBBBBBBBB"):
        assert client.post("/join/", {"code": guess}).status_code == 400
    refused = client.post("/join/", {"code": open_run.code})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 301
    page = re.sub(r"\s+", " ", refused.content.decode())
    assert "ask the host or facilitator for the workshop's join link" in page.replace("&#x27;", "'")
    assert client.get(f"/join/{open_run.code}/").status_code == 429  # the bare code: refused
    assert client.get(f"/join/{open_run.code}/?k=forged").status_code == 429
    link = open_run.join_path
    assert client.get(link).status_code == 200
    joined = client.post(link, {"display_name": "Legit"})
    assert joined.status_code == 302 and Participant.objects.filter(display_name="Legit").exists()


@override_settings(JOIN_ROOM_RATE_LIMIT=1)
def test_too_many_joins_from_one_address_get_retry_after(open_run):  # noqa: F811
    Client().post(f"/join/{open_run.code}/", {"display_name": "One"})
    response = Client().post(f"/join/{open_run.code}/", {"display_name": "Two"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


# --- 12. permission messages -----------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_permission_message_names_each_role_once(action):
    message = describe(ACTIONS[action])
    for name in ROLE_NAMES.values():
        assert message.count(name) <= 1, message
    assert message.count(" or ") <= 1


def test_a_permission_message_reads_plainly():
    assert describe(ACTIONS["run.pause"]) == (
        "the facilitator, the host or whoever runs the current segment"
    )
