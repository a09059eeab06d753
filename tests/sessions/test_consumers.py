"""The run's websocket, through the real ASGI stack (origin check, cookies, sessions, auth)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.test import Client

from bench.simulate import parse_meta
from dpup_workshop.asgi import application
from sessions.domain import breakouts, participants, questions, runs, team
from sessions.domain.permissions import ACTIONS, PARTICIPANT
from sessions.domain.selectors import actor_for_participant, actor_for_user
from sessions.live import actions
from sessions.models import Response, Run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

NOTE = "Check whether they have watched the Introduction to DPUP video"  # slide 2's notes
STAFF_ONLY = sorted(
    name for name, spec in actions.REGISTRY.items() if PARTICIPANT not in ACTIONS[spec.permission]
)
SAMPLE = {
    "number": 2, "participant": 1, "interaction": 1, "timer": 30, "visible": True,
    "kind": "poll", "text": "x", "options": ["a", "b"], "multiple": False, "option": 0,
    "amount": 1, "shown": True, "response": 1, "groups": 2, "group": 1, "message": 1,
    "hidden": True, "muted": True, "question": 1, "answered": True, "choice": 0,
    "volunteer": True, "raised": True, "joined": True,
    "word": "kupu", "words": ["kupu"], "statement": 0, "rating": 3, "order": [1, 0],
    "emoji": "👍",
}  # fmt: skip


def cookie_for(client: Client) -> bytes:
    """The Cookie header of the client's browser: its session, or its participant cookies."""
    return "; ".join(f"{name}={c.value}" for name, c in client.cookies.items()).encode()


def team_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return cookie_for(client)


def participant_cookie(run, name="Aroha") -> bytes:
    client = Client()
    client.post(f"/join/{run.code}/", {"display_name": name})
    return cookie_for(client)


async def fran_cookie(users) -> bytes:
    return await db(team_cookie)(users["fran"])


async def connect(run, cookie: bytes | None, view="participant", origin=b"http://testserver"):
    headers = [(b"host", b"testserver"), (b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(
        application, f"/ws/runs/{run.code}/?view={view}", headers=headers
    )
    connected, code = await communicator.connect()
    return communicator, connected, code


async def receive(communicator, timeout=2) -> tuple[dict, str]:
    text = await communicator.receive_from(timeout=timeout)
    return parse_meta(text), text


async def drain(communicator) -> None:
    """Read and drop what the socket's connection and its earlier messages have caused (e.g.
    roster pushes). A socket's messages are handled in turn, and what an action pushes is sent
    before the action is done: once a sync sent now is answered, all of that has arrived."""
    await send(communicator, action="sync")
    meta, _ = await receive(communicator)
    while meta["t"] != "snapshot":
        meta, _ = await receive(communicator)


async def nothing_came_before_a_reply(communicator) -> None:
    """Nothing is on its way to the socket: the next thing it gets is the reply to a message
    sent now (one with an action nobody has), and what came before that would have come first."""
    await send(communicator, action="~marker")
    meta, text = await receive(communicator)
    assert meta.get("code") == "unknown_action", text


async def send(communicator, **message):
    await communicator.send_to(text_data=json.dumps(message))


@pytest.fixture
def open_run(run):
    runs.run_update(run=run, actor=actor_for_user(run, run.facilitator), waiting_room=False)
    return Run.objects.select_related("facilitator").get(pk=run.pk)


async def test_participant_snapshot_has_the_slide_and_never_notes(open_run):
    await db(runs.slide_goto)(
        run=open_run, actor=await db(actor_for_user)(open_run, open_run.facilitator), number=2
    )
    communicator, connected, _ = await connect(open_run, await db(participant_cookie)(open_run))
    assert connected
    meta, text = await receive(communicator)
    assert meta["t"] == "snapshot" and meta["v"] == open_run.version + 1
    assert "In short" in text and NOTE not in text and 'id="controls"' not in text
    await nothing_came_before_a_reply(communicator)
    assert await communicator.receive_nothing()
    await communicator.disconnect()


async def test_team_snapshot_has_notes_controls_and_roster(open_run, users):
    communicator, connected, _ = await connect(open_run, await fran_cookie(users), "console")
    assert connected
    meta, text = await receive(communicator)
    assert meta["t"] == "snapshot"
    assert 'id="slide-notes"' in text and 'id="controls"' in text and 'id="roster"' in text
    await communicator.disconnect()


async def test_slide_change_reaches_participants_and_screen_in_version_order(open_run, users):
    staff, _, _ = await connect(open_run, await fran_cookie(users), "console")
    screen, _, _ = await connect(open_run, await fran_cookie(users), "screen")
    people = [
        await connect(open_run, await db(participant_cookie)(open_run, f"P{i}")) for i in range(2)
    ]
    for communicator in (staff, screen, *(p[0] for p in people)):
        await receive(communicator)  # snapshot
    await drain(staff)  # roster pushes as people joined
    await send(staff, action="slide.goto", number=2)
    await send(staff, action="slide.next")
    for communicator in (screen, *(p[0] for p in people)):
        first, text1 = await receive(communicator)
        second, text2 = await receive(communicator)
        base = open_run.version
        assert (first["v"], first["prev"]) == (base + 1, base)
        assert (second["v"], second["prev"]) == (base + 2, base + 1)
        assert "The power of data" in text2
        assert NOTE not in text1 + text2
    for communicator in (staff, screen, *(p[0] for p in people)):
        await communicator.disconnect()


@pytest.mark.parametrize("action", STAFF_ONLY)
async def test_every_staff_action_is_refused_to_a_participant(open_run, action):
    communicator, _, _ = await connect(open_run, await db(participant_cookie)(open_run))
    await receive(communicator)
    fields = actions.REGISTRY[action].fields
    await send(communicator, action=action, **{name: SAMPLE[name] for name in fields})
    meta, text = await receive(communicator)
    assert meta["t"] == "error" and meta["code"] == "forbidden", text
    await send(communicator, action="sync")  # the connection is still open
    assert (await receive(communicator))[0]["t"] == "snapshot"
    await communicator.disconnect()
    assert (await db(Run.objects.get)(pk=open_run.pk)).version == open_run.version


async def test_another_runs_staff_cannot_connect_as_team(open_run, deck, users):
    other = await db(runs.run_create)(
        deck=deck, facilitator=users["outsider"], title="Other", scheduled_at=open_run.scheduled_at
    )
    assert other.pk != open_run.pk
    communicator, connected, code = await connect(
        open_run, await db(team_cookie)(users["outsider"]), "console"
    )
    assert connected
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}


async def test_a_team_view_that_is_signed_out_is_told_so_not_refused(open_run, users):
    """Logged out, expired, or signed out by a password change: 4401 (log in again), not 4403
    (no access), so the page can offer the way back."""
    communicator, _, _ = await connect(open_run, None, "console")
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    cookie = await fran_cookie(users)

    def change_password():
        users["fran"].set_password("a-new-long-password")
        users["fran"].save()

    await db(change_password)()
    for view in ("console", "screen"):
        communicator, _, _ = await connect(open_run, cookie, view)
        output = await communicator.receive_output(timeout=2)
        assert output == {"type": "websocket.close", "code": 4401}


async def test_strangers_are_refused(open_run):
    communicator, connected, _ = await connect(open_run, None)
    output = await communicator.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": 4403}


async def test_foreign_origin_is_refused(open_run):
    _, connected, _ = await connect(
        open_run, await db(participant_cookie)(open_run), origin=b"http://evil.example"
    )
    assert not connected


@pytest.mark.parametrize(
    "origin",
    [b"http://testserver:9999", b"https://testserver", b"http://localhost:1", b"null", b""],
)
async def test_an_origin_differing_in_scheme_or_port_is_refused_even_with_a_staff_cookie(
    open_run, users, origin
):
    """Only the site's own pages open its socket: another port or scheme of the same host
    (another app on the machine) gets nothing, with the facilitator's cookie or not."""
    _, connected, _ = await connect(open_run, await fran_cookie(users), "console", origin=origin)
    assert not connected


async def test_the_sites_own_origin_and_trusted_origins_connect(open_run, users, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://workshop.example.org"]
    for origin in (b"http://testserver", b"https://workshop.example.org"):
        communicator, connected, _ = await connect(
            open_run, await fran_cookie(users), "console", origin=origin
        )
        assert connected
        assert (await receive(communicator))[0]["t"] == "snapshot"
        await communicator.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_message"),
        ("[1, 2]", "bad_message"),
        ('{"no": "action"}', "bad_message"),
        ('{"action": "nope"}', "unknown_action"),
        ('{"action": "slide.goto"}', "bad_payload"),
        ('{"action": "slide.goto", "number": "two"}', "bad_payload"),
        ('{"action": "slide.goto", "number": 2, "extra": 1}', "bad_payload"),
        ('{"action": "slide.goto", "number": 99}', "not_now"),
        ('{"action": "sync", "pad": "' + "x" * 5000 + '"}', "too_large"),
    ],
)
async def test_bad_messages_get_a_clear_error_and_the_socket_stays(open_run, users, raw, code):
    communicator, _, _ = await connect(open_run, await fran_cookie(users), "console")
    await receive(communicator)
    await drain(communicator)
    await communicator.send_to(text_data=raw)
    meta, text = await receive(communicator)
    assert meta["t"] == "error" and meta["code"] == code
    assert 'id="ws-error"' in text and meta["message"] in text.replace("&#x27;", "'")
    await send(communicator, action="sync")
    assert (await receive(communicator))[0]["t"] == "snapshot"
    await communicator.disconnect()


async def test_flooding_is_rate_limited(open_run):
    communicator, _, _ = await connect(open_run, await db(participant_cookie)(open_run))
    await receive(communicator)
    for _ in range(30):
        await send(communicator, action="ping")
    meta, _ = await receive(communicator)
    assert meta["code"] == "rate_limited"
    await communicator.disconnect()


async def test_waiting_participant_is_admitted_live(run, users):
    participant, _, _ = await connect(run, await db(participant_cookie)(run))
    meta, text = await receive(participant)
    assert "waiting room" in text
    host, _, _ = await connect(run, await db(team_cookie)(users["hana"]), "host")
    await receive(host)
    await send(host, action="participant.admit_all")
    meta, text = await receive(participant)
    assert meta["t"] == "snapshot" and 'id="live-slide"' in text
    await drain(host)  # roster pushes
    await send(host, action="slide.goto", number=3)  # the host may not jump: facilitator only
    assert (await receive(host))[0]["code"] == "forbidden"
    for communicator in (participant, host):
        await communicator.disconnect()


async def test_removed_participant_is_told_and_disconnected(open_run, users):
    cookie = await db(participant_cookie)(open_run)
    participant, _, _ = await connect(open_run, cookie)
    await receive(participant)
    person = await db(open_run.participants.get)()
    host, _, _ = await connect(open_run, await db(team_cookie)(users["hana"]), "host")
    await receive(host)
    await send(host, action="participant.remove", participant=person.pk)
    meta, text = await receive(participant)
    assert meta["t"] == "participant.gone" and "removed you" in text
    assert (await participant.receive_output(timeout=2)) == {
        "type": "websocket.close",
        "code": 4410,
    }
    again, _, _ = await connect(open_run, cookie)
    assert (await again.receive_output(timeout=2))["code"] == 4410
    await host.disconnect()


async def test_team_presence_shows_who_is_connected(open_run, users):
    facilitator, _, _ = await connect(open_run, await fran_cookie(users), "console")
    await receive(facilitator)
    presenter, _, _ = await connect(open_run, await db(team_cookie)(users["pita"]), "present")
    await receive(presenter)
    text = ""
    while "connected (present)" not in text:
        meta, text = await receive(facilitator)
    assert meta["t"] == "roster.changed"
    await presenter.disconnect()
    meta, text = await receive(facilitator)
    assert "connected (present)" not in text
    await facilitator.disconnect()


async def test_removing_a_team_member_closes_their_socket(open_run, users):
    presenter, _, _ = await connect(open_run, await db(team_cookie)(users["pita"]), "present")
    await receive(presenter)
    member = await db(open_run.team.get)(user=users["pita"])
    boss = await db(actor_for_user)(open_run, open_run.facilitator)
    await db(team.team_remove)(run=open_run, actor=boss, member=member)
    output = await presenter.receive_output(timeout=2)
    while output["type"] != "websocket.close":
        output = await presenter.receive_output(timeout=2)
    assert output["code"] == 4403


async def test_the_projector_is_read_only(open_run, users):
    screen, _, _ = await connect(open_run, await fran_cookie(users), "screen")
    meta, text = await receive(screen)
    assert "Check whether" not in text and 'id="controls"' not in text
    await send(screen, action="slide.next")
    meta, _ = await receive(screen)
    assert meta["code"] == "forbidden" and "projector" in meta["message"]
    await screen.disconnect()


async def test_answers_are_acknowledged_to_their_author_and_survive_a_reconnect(open_run, users):
    facilitator = await db(actor_for_user)(open_run, open_run.facilitator)
    await db(runs.slide_goto)(run=open_run, actor=facilitator, number=19)  # quiz question 2
    question = await db(open_run.interactions.get)(slide_number=19)
    cookie = await db(participant_cookie)(open_run, "Aroha")
    aroha, _, _ = await connect(open_run, cookie)
    meta, text = await receive(aroha)
    assert f'id="choice-{question.pk}-2"' in text
    other, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Sam"))
    before, _ = await receive(other)
    console, _, _ = await connect(open_run, await fran_cookie(users), "console")
    await receive(console)
    await send(aroha, action="answer.choose", interaction=question.pk, choice=2)
    meta, text = await receive(aroha)
    stored = await db(Response.objects.get)(interaction=question)
    assert meta == {
        "t": "answer.saved",
        "interaction": question.pk,
        "choice": 2,
        "choices": [2],
        "response": stored.pk,  # the page's own state names its response, as a snapshot does
    }
    # Others' phones don't change: the tally is hidden. The team has the new tally, so the
    # push that carried it has been made; the phones' version didn't move with it, and
    # nothing came to Sam before the answer to a sync.
    meta, _ = await receive(console)
    while meta["t"] != "activity.changed":
        meta, _ = await receive(console)
    await send(other, action="sync")
    meta, _ = await receive(other)
    assert meta["t"] == "snapshot" and meta["v"] == before["v"], meta
    await console.disconnect()
    await aroha.disconnect()
    again, _, _ = await connect(open_run, cookie)  # same browser, new socket
    meta, text = await receive(again)
    assert meta["t"] == "snapshot" and "&quot;choices&quot;:[2]" in text
    await again.disconnect()
    await other.disconnect()


async def test_chat_reaches_the_room_escaped_and_muted_people_are_told(open_run, users):
    aroha, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Aroha"))
    sam, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Sam"))
    host, _, _ = await connect(open_run, await db(team_cookie)(users["hana"]), "host")
    for communicator in (aroha, sam, host):
        await receive(communicator)
    await drain(host)
    await send(aroha, action="chat.send", text='<img src=x onerror="alert(1)"> hi')
    meta, text = await receive(sam)
    assert meta["t"] == "activity.changed" and "&lt;img src=x" in text and "<img" not in text
    meta, text = await receive(host)
    assert 'id="chat-log"' in text
    person = await db(open_run.participants.get)(display_name="Aroha")
    await send(host, action="chat.mute", participant=person.pk)
    await drain(host)  # the mute is done, and what it pushed to Aroha is on its way...
    await drain(aroha)  # ...and read
    await send(aroha, action="chat.send", text="again")
    meta, _ = await receive(aroha)
    assert meta["code"] == "not_now" and "muted" in meta["message"]
    for communicator in (aroha, sam, host):
        await communicator.disconnect()


async def test_a_member_who_keeps_a_role_keeps_their_socket(open_run, users):
    boss = await db(actor_for_user)(open_run, open_run.facilitator)
    await db(team.team_add)(run=open_run, actor=boss, user=users["hana"], role="presenter")
    host, _, _ = await connect(open_run, await db(team_cookie)(users["hana"]), "host")
    await receive(host)
    member = await db(open_run.team.get)(user=users["hana"], role="presenter")
    await db(team.team_remove)(run=open_run, actor=boss, member=member)
    await drain(host)
    await send(host, action="participant.admit_all")  # still the host: allowed
    await send(host, action="sync")
    meta, _ = await receive(host)
    while meta["t"] != "snapshot":
        assert meta["t"] != "error", meta
        meta, _ = await receive(host)
    await host.disconnect()


async def test_the_projectors_scoreboard_follows_a_rename_and_an_opt_out(open_run, users):
    from sessions.domain import quiz

    boss = await db(actor_for_user)(open_run, open_run.facilitator)
    await db(runs.run_update)(run=open_run, actor=boss, quiz_scoreboard=True)

    def aroha_on_the_board():
        Client().post(f"/join/{open_run.code}/", {"display_name": "Aroha", "show_name": "on"})
        person = open_run.participants.get(display_name="Aroha")
        quiz.scoreboard_join(run=open_run, actor=actor_for_participant(person), joined=True)
        quiz.quiz_scoreboard(run=open_run, actor=boss, shown=True)
        return person

    person = await db(aroha_on_the_board)()
    screen, _, _ = await connect(open_run, await fran_cookie(users), "screen")
    meta, text = await receive(screen)
    assert "Aroha" in text[text.index("scoreboard-heading") :]
    await db(participants.participant_update)(
        participant=person, display_name="Aroha Tane", show_name=True
    )
    meta, text = await receive(screen)
    assert meta["t"] == "activity.changed" and "Aroha Tane" in text
    await db(participants.participant_update)(
        participant=person, display_name="Aroha Tane", show_name=False
    )
    meta, text = await receive(screen)
    board = text[text.index("scoreboard-heading") :]
    assert "Aroha" not in board and "Nobody has chosen to be on the scoreboard yet" in board
    await screen.disconnect()


async def test_an_upvote_sent_twice_is_one_vote(open_run):
    from sessions.models import AudienceQuestion

    asker, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Aroha"))
    voter, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Sam"))
    for communicator in (asker, voter):
        await receive(communicator)
    person = await db(open_run.participants.get)(display_name="Aroha")
    question = await db(questions.question_ask)(
        run=open_run, actor=actor_for_participant(person), text="Is DPUP law?"
    )

    async def votes_after(**message) -> int:
        await send(voter, action="question.upvote", question=question.pk, **message)
        meta, _ = await receive(voter)
        while meta["t"] != "personal":  # their own state comes once the vote is counted
            assert meta["t"] != "error", meta
            meta, _ = await receive(voter)
        return (await db(AudienceQuestion.objects.get)(pk=question.pk)).votes

    assert await votes_after(voted=True) == 1
    assert await votes_after(voted=True) == 1  # the double tap
    assert await votes_after(voted="false") == 0
    assert await votes_after(voted=False) == 0
    assert await votes_after() == 1  # a page from before `voted`: a press upvotes
    for communicator in (asker, voter):
        await communicator.disconnect()


async def test_leaving_takes_a_summary_they_wrote_off_the_projector_and_the_group(open_run, users):
    from sessions.domain import participants, runs

    boss = await db(actor_for_user)(open_run, open_run.facilitator)
    await db(participant_cookie)(open_run, "Aroha")
    sam_cookie = await db(participant_cookie)(open_run, "Sam")

    def summary_on_screen():
        runs.run_start(run=open_run, actor=boss)
        runs.slide_goto(run=open_run, actor=boss, number=9)
        prompt = open_run.interactions.get(slide_number=9)
        breakouts.breakout_start(run=open_run, actor=boss, interaction=prompt.pk, groups=2)
        aroha = open_run.participants.get(display_name="Aroha")
        group = aroha.breakout_groups.get()
        sam = open_run.participants.get(display_name="Sam")
        breakouts.breakout_move(run=open_run, actor=boss, participant=sam.pk, group=group.number)
        breakouts.breakout_summary(
            run=open_run, actor=actor_for_participant(aroha), group=group.number, text="Why"
        )
        breakouts.breakout_show(run=open_run, actor=boss, group=group.number, shown=True)
        return aroha

    aroha = await db(summary_on_screen)()
    screen, _, _ = await connect(open_run, await fran_cookie(users), "screen")
    sam, _, _ = await connect(open_run, sam_cookie, "participant")
    _, text = await receive(screen)
    assert '<p class="response-text" hx-disable>Why</p>' in text
    _, text = await receive(sam)
    assert "Group summary: <span hx-disable>Why</span>" in text
    await db(participants.participant_leave)(participant=aroha)
    meta, text = await receive(screen)
    assert meta["t"] == "activity.changed" and "hx-disable>Why<" not in text
    meta, text = await receive(sam)
    while meta["t"] != "group.board":
        meta, text = await receive(sam)
    assert "No summary yet." in text
    for communicator in (screen, sam):
        await communicator.disconnect()


async def test_the_host_denies_someone_waiting_who_is_told_and_stays_out(run, users):
    cookie = await db(participant_cookie)(run, "Stranger")
    waiting, _, _ = await connect(run, cookie)
    _, text = await receive(waiting)
    assert "waiting room" in text
    host, _, _ = await connect(run, await db(team_cookie)(users["hana"]), "host")
    _, text = await receive(host)
    person = await db(run.participants.get)()
    assert f'"participant.deny", "participant": {person.pk}' in text  # Deny beside Admit
    await send(host, action="participant.deny", participant=person.pk)
    meta, text = await receive(waiting)
    assert meta["t"] == "participant.gone"
    assert "The host didn&#x27;t admit you to this workshop." in text
    assert await waiting.receive_output(timeout=2) == {"type": "websocket.close", "code": 4410}
    meta, text = await receive(host)
    while '<span id="waiting-count">0</span>' not in text:  # roster pushes, as they come
        meta, text = await receive(host)
    assert meta["t"] == "roster.changed" and "Nobody is waiting." in text
    again, _, _ = await connect(run, cookie)
    assert (await again.receive_output(timeout=2))["code"] == 4410
    await send(host, action="participant.deny", participant=person.pk)
    meta, _ = await receive(host)
    assert meta["code"] == "not_now" and "not in the waiting room" in meta["message"]
    await host.disconnect()


async def test_a_form_sent_twice_makes_one_line_question_and_poll(open_run, users):
    """A double click sends the same submission twice, with the same token: one chat line,
    one question, one poll; each repeat is still acknowledged, so the form clears."""
    from sessions.models import AudienceQuestion, ChatMessage, Interaction

    aroha, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Aroha"))
    console, _, _ = await connect(open_run, await fran_cookie(users), "console")
    for communicator in (aroha, console):
        await receive(communicator)

    async def acks(communicator, event: str, count: int) -> None:
        seen = 0
        while seen < count:
            meta, _ = await receive(communicator)
            assert meta["t"] != "error", meta
            seen += meta["t"] == event

    async def settled(communicator) -> None:
        # A socket's messages are handled in turn: once a sync is answered, the rest were.
        await send(communicator, action="sync")
        meta, _ = await receive(communicator)
        while meta["t"] != "snapshot":
            assert meta["t"] != "error", meta
            meta, _ = await receive(communicator)

    for _ in range(2):
        await send(aroha, action="chat.send", text="Kia ora", token="chat-token-1")
    await acks(aroha, "chat.saved", 2)
    for _ in range(2):
        await send(aroha, action="question.ask", text="Is DPUP law?", token="ask-token-1")
    await acks(aroha, "question.saved", 2)
    await send(aroha, action="chat.send", text="Kia ora", token="chat-token-2")  # on purpose
    await acks(aroha, "chat.saved", 1)
    for _ in range(2):
        await send(
            console, action="interaction.create", kind="poll", text="Tea or coffee?",
            options="Tea\nCoffee", token="poll-token-1",
        )  # fmt: skip
    await settled(console)
    for _ in range(2):
        await send(console, action="chat.send", text="Welcome", token="team-token-1")
    await settled(console)

    chat = await db(lambda: list(ChatMessage.objects.values_list("text", flat=True)))()
    assert chat == ["Kia ora", "Kia ora", "Welcome"]
    assert await db(AudienceQuestion.objects.count)() == 1
    assert await db(Interaction.objects.filter(text="Tea or coffee?").count)() == 1
    for communicator in (aroha, console):
        await communicator.disconnect()


@pytest.mark.parametrize("token", ["short", "x" * 65, "not ascii ✓", "spaces in it", 12345678])
async def test_a_bad_token_is_refused_and_saves_nothing(open_run, token):
    from sessions.models import ChatMessage

    aroha, _, _ = await connect(open_run, await db(participant_cookie)(open_run, "Aroha"))
    await receive(aroha)
    await send(aroha, action="chat.send", text="Kia ora", token=token)
    meta, _ = await receive(aroha)
    assert meta["code"] == "bad_payload" and "'token' is not valid" in meta["message"]
    assert await db(ChatMessage.objects.count)() == 0
    await aroha.disconnect()
