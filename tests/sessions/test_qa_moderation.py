"""A Q&A a moderator can run: the queue, approving and dismissing, pins, written replies,
anonymous asking and the order of the lists (services, pages and the websocket)."""

from __future__ import annotations

from pathlib import Path

import pytest
from channels.db import database_sync_to_async as db

from bench.simulate import parse_meta
from sessions.domain import questions, runs, selectors
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant, actor_for_user
from sessions.live import activity, broadcast, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF, participant_group_name
from sessions.models import AudienceQuestion, Participant, Run
from tests.sessions.test_consumers import connect, participant_cookie, receive, send, team_cookie


def me(person):
    return actor_for_participant(person)


def fresh(run) -> Run:
    return Run.objects.get(pk=run.pk)


def staff_html(run) -> str:
    return fragments.questions_part(STAFF)(fresh(run))


def room_html(run) -> str:
    return fragments.questions_part(PARTICIPANTS)(fresh(run))


@pytest.fixture
def moderated(live, actors):
    runs.run_update(run=live, actor=actors["fran"], qa_moderated=True, qa_anonymous=True)
    return fresh(live)


def ask(run, person, text="Is DPUP law?", **options) -> AudienceQuestion:
    return questions.question_ask(run=run, actor=me(person), text=text, **options)


# --- the queue ---------------------------------------------------------------------------------


def test_a_moderated_question_waits_where_only_the_team_and_the_asker_see_it(
    moderated, actors, people
):
    asker, other = people[0], people[1]
    question = ask(moderated, asker, "Is DPUP the law?")
    assert question.approved is False
    assert "Is DPUP the law?" not in room_html(moderated)
    assert "Is DPUP the law?" not in fragments.render_snapshot(fresh(moderated), PARTICIPANTS)
    assert "Is DPUP the law?" not in fragments.render_personal(other)
    mine = fragments.render_personal(asker)
    assert "Is DPUP the law?" in mine and "Waiting for the team" in mine
    team = staff_html(moderated)
    assert "Waiting for approval (1)" in team and f'id="qa-approve-{question.pk}"' in team
    assert "1</strong> to approve" in team  # the room strip's badge

    questions.question_approve(run=moderated, actor=actors["hana"], question=question.pk)
    assert "Is DPUP the law?" in room_html(moderated)
    assert "Waiting for the team" not in fragments.render_personal(asker)
    assert "Waiting for approval" not in staff_html(moderated)
    with pytest.raises(ActionError, match="already approved"):
        questions.question_approve(run=moderated, actor=actors["fran"], question=question.pk)


def test_a_dismissed_question_is_seen_by_nobody_else_and_kindly_by_its_asker(
    moderated, actors, people
):
    question = ask(moderated, people[0], "Can I sell my data?")
    questions.question_dismiss(run=moderated, actor=actors["hana"], question=question.pk)
    assert "Can I sell my data?" not in room_html(moderated)
    mine = fragments.render_personal(people[0])
    assert "Can I sell my data?" in mine and "Not taken up this time" in mine
    assert "ask it aloud or in the chat" in mine
    assert "dismissed" in staff_html(moderated)
    with pytest.raises(ActionError, match="already dismissed"):
        questions.question_dismiss(run=moderated, actor=actors["fran"], question=question.pk)
    # The team changed its mind: approved after all, it is in everyone's list.
    questions.question_approve(run=moderated, actor=actors["fran"], question=question.pk)
    assert "Can I sell my data?" in room_html(moderated)
    with pytest.raises(ActionError, match="hide it instead"):
        questions.question_dismiss(run=moderated, actor=actors["fran"], question=question.pk)


def test_only_the_team_moderates_and_only_this_runs_questions(
    moderated, actors, people, run, deck, users
):
    question = ask(moderated, people[0])
    with pytest.raises(PermissionDenied):
        questions.question_approve(run=moderated, actor=me(people[1]), question=question.pk)
    other = runs.run_create(
        deck=deck, facilitator=users["fran"], title="Other", scheduled_at=run.scheduled_at
    )
    elsewhere = actor_for_user(other, users["fran"])
    for service in (questions.question_approve, questions.question_dismiss, questions.question_pin):
        with pytest.raises(ActionError, match="No such question"):
            service(run=other, actor=elsewhere, question=question.pk)
        with pytest.raises(ActionError, match="No such question"):
            service(run=moderated, actor=actors["fran"], question=10**6)
    with pytest.raises(ActionError, match="No such question"):
        questions.question_reply(run=other, actor=elsewhere, question=question.pk, text="Yes")
    assert AudienceQuestion.objects.get(pk=question.pk).approved is False


def test_upvotes_only_on_questions_in_everyones_list(moderated, actors, people):
    waiting = ask(moderated, people[0])
    with pytest.raises(ActionError, match="waiting for the team"):
        questions.question_upvote(run=moderated, actor=me(people[1]), question=waiting.pk)
    questions.question_approve(run=moderated, actor=actors["fran"], question=waiting.pk)
    questions.question_upvote(run=moderated, actor=me(people[1]), question=waiting.pk)
    questions.question_mark(run=moderated, actor=actors["fran"], question=waiting.pk, hidden=True)
    with pytest.raises(ActionError, match="taken off the list"):
        questions.question_upvote(run=moderated, actor=me(people[2]), question=waiting.pk)
    assert AudienceQuestion.objects.get(pk=waiting.pk).votes == 1


def test_decisions_are_pushed_after_commit_to_the_room_and_the_asker(
    moderated, actors, people, monkeypatch, django_capture_on_commit_callbacks
):
    question = ask(moderated, people[0], "When does it apply?")
    sent, touched = [], []
    monkeypatch.setattr(broadcast, "send_now", lambda group, text: sent.append((group, text)))
    monkeypatch.setattr(activity._activity, "touch", touched.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        questions.question_approve(run=moderated, actor=actors["fran"], question=question.pk)
    assert not sent and not touched, "nothing goes out before the change is committed"
    for callback in callbacks:
        callback()
    try:
        # Everyone's lists (coalesced), and the asker's own list, which no longer has it.
        assert touched == [moderated.pk]
        assert activity.QUESTIONS in activity._pending[moderated.pk]
    finally:
        activity._pending.pop(moderated.pk, None)
    [(group, text)] = sent
    assert group == participant_group_name(moderated.pk, people[0].pk)
    assert parse_meta(text)["t"] == "personal" and "Waiting for the team" not in text


# --- pins and replies ------------------------------------------------------------------------


def test_one_pinned_question_comes_first_in_every_list(live, actors, people):
    first = ask(live, people[0], "First?")
    second = ask(live, people[1], "Second?")
    questions.question_upvote(run=live, actor=me(people[2]), question=first.pk)
    order = [q.pk for q in selectors.questions_context(live, PARTICIPANTS)["questions"]]
    assert order == [first.pk, second.pk]
    questions.question_pin(run=live, actor=actors["pita"], question=second.pk)
    for audience in (STAFF, PARTICIPANTS):
        order = [q.pk for q in selectors.questions_context(live, audience)["questions"]]
        assert order == [second.pk, first.pk], audience
    questions.question_pin(run=live, actor=actors["fran"], question=first.pk)  # one at a time
    pinned = list(live.questions.filter(pinned=True).values_list("pk", flat=True))
    assert pinned == [first.pk]
    assert 'data-pinned="1"' in room_html(live) and "Pinned" in room_html(live)
    questions.question_pin(run=live, actor=actors["fran"], question=first.pk, pinned=False)
    assert not live.questions.filter(pinned=True).exists()


def test_a_pending_or_hidden_question_cannot_be_pinned_or_put_on_screen(moderated, actors, people):
    waiting = ask(moderated, people[0])
    with pytest.raises(ActionError, match="everyone's list"):
        questions.question_pin(run=moderated, actor=actors["fran"], question=waiting.pk)
    with pytest.raises(ActionError, match="Approve the question first"):
        questions.question_mark(
            run=moderated, actor=actors["fran"], question=waiting.pk, on_screen=True
        )
    with pytest.raises(ActionError, match="approve it first"):
        questions.question_reply(
            run=moderated, actor=actors["fran"], question=waiting.pk, text="Hi"
        )


def test_a_written_reply_is_cleaned_counted_after_cleaning_and_shown_to_everyone(
    live, actors, people
):
    question = ask(live, people[0], "Where is the guide?")
    reply = "On the DPUP site\u202e, under\u200b Guidance.\r\n\r\n\r\nAsk us after."
    questions.question_reply(run=live, actor=actors["hana"], question=question.pk, text=reply)
    stored = AudienceQuestion.objects.get(pk=question.pk)
    assert stored.reply == "On the DPUP site, under Guidance.\n\nAsk us after."
    assert stored.replied_at is not None
    assert "The team's reply:" in room_html(live) and "under Guidance." in room_html(live)
    # 500 characters once the invisible ones are gone: kept; one more: refused.
    padded = "a\u200b" * questions.REPLY_MAX
    questions.question_reply(run=live, actor=actors["fran"], question=question.pk, text=padded)
    assert len(AudienceQuestion.objects.get(pk=question.pk).reply) == questions.REPLY_MAX
    with pytest.raises(ActionError, match="under 500 characters"):
        questions.question_reply(
            run=live, actor=actors["fran"], question=question.pk, text="a" * 501
        )
    for empty in ("", "   \n ", "\u200b\u2066"):
        with pytest.raises(ActionError, match="Write the reply first"):
            questions.question_reply(
                run=live, actor=actors["fran"], question=question.pk, text=empty
            )
    with pytest.raises(PermissionDenied):
        questions.question_reply(run=live, actor=me(people[1]), question=question.pk, text="x")


# --- anonymous asking and names ------------------------------------------------------------


def test_anonymous_asking_only_where_the_run_allows_it(live, actors, people):
    with pytest.raises(ActionError, match="doesn't take anonymous questions"):
        ask(live, people[0], anonymous=True)
    assert not live.questions.exists()
    runs.run_update(run=live, actor=actors["fran"], qa_anonymous=True)
    question = ask(fresh(live), people[0], "Who keeps the recordings?", anonymous=True)
    assert question.anonymous and question.approved  # not moderated: straight to the list


def test_an_anonymous_question_names_nobody_anywhere(live, actors, people, client, users):
    runs.run_update(run=live, actor=actors["fran"], qa_anonymous=True)
    aroha = people[0]  # named on shared screens, so only `anonymous` keeps her name off
    question = ask(fresh(live), aroha, "Who keeps the recordings?", anonymous=True)
    questions.question_mark(run=live, actor=actors["fran"], question=question.pk, on_screen=True)
    screen = fragments.render_live(fresh(live), SCREEN)
    assert "Who keeps the recordings?" in screen
    for html in (staff_html(live), room_html(live), screen):
        assert "Aroha" not in html and "Asked anonymously" in html
    client.force_login(users["fran"])
    report = client.get(f"/runs/{live.code}/report/").content.decode()
    assert "Who keeps the recordings?" in report and "Asked anonymously" in report
    assert "Aroha" not in report.split("questions-report-heading")[1]


def test_the_screen_names_an_asker_only_if_they_chose_to_be_named(live, actors, people):
    for person, shown in ((people[0], "Aroha"), (people[1], "Anonymous")):
        question = ask(live, person, f"From {person.pk}?")
        questions.question_mark(
            run=live, actor=actors["fran"], question=question.pk, on_screen=True
        )
        screen = fragments.render_live(fresh(live), SCREEN)
        assert f"<bdi>{shown}</bdi>" in screen
    assert "Sam" not in fragments.render_live(fresh(live), SCREEN)


def test_the_settings_form_turns_moderation_and_anonymous_asking_on(run, users, client):
    client.force_login(users["fran"])
    page = client.get(f"/runs/{run.code}/settings/").content.decode()
    assert 'name="qa_moderated"' in page and 'name="qa_anonymous"' in page
    data = {
        "title": run.title, "scheduled_at": "2026-12-01T09:00", "mode": run.mode,
        "plan": run.plan, "retention_days": run.retention_days, "chat_enabled": "on",
        "qa_moderated": "on", "qa_anonymous": "on",
    }  # fmt: skip
    response = client.post(f"/runs/{run.code}/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = fresh(run)
    assert saved.qa_moderated and saved.qa_anonymous


def test_the_ask_form_offers_asking_without_a_name_as_the_run_allows(live, actors, people):
    snapshot = fragments.render_snapshot(fresh(live), PARTICIPANTS)
    assert "Ask without my name" not in snapshot
    runs.run_update(run=live, actor=actors["fran"], qa_anonymous=True, qa_moderated=True)
    pushed = fragments.render_live(fresh(live), PARTICIPANTS)  # what run.updated sends
    assert "Ask without my name" in pushed and 'name="anonymous"' in pushed
    assert "The team reads each question" in pushed


# --- over the websocket ------------------------------------------------------------------------


@pytest.fixture
def moderated_run(run):
    boss = actor_for_user(run, run.facilitator)
    runs.run_update(run=run, actor=boss, waiting_room=False, qa_moderated=True)
    return Run.objects.select_related("facilitator").get(pk=run.pk)


async def next_of(communicator, *kinds) -> tuple[dict, str]:
    meta, text = await receive(communicator)
    while meta["t"] not in kinds:
        meta, text = await receive(communicator)
    return meta, text


async def error_then_still_open(communicator, **message) -> str:
    """Send a bad message: the socket gets an error about that action, and still answers."""
    await send(communicator, **message)
    meta, _ = await next_of(communicator, "error")
    assert meta["action"] == message["action"], meta
    await send(communicator, action="sync")
    await next_of(communicator, "snapshot")
    return meta["message"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_moderated_question_over_the_sockets(moderated_run, users):
    run = moderated_run
    aroha, _, _ = await connect(run, await db(participant_cookie)(run, "Aroha"))
    sam, _, _ = await connect(run, await db(participant_cookie)(run, "Sam"))
    staff, _, _ = await connect(run, await db(team_cookie)(users["fran"]), "console")
    for communicator in (aroha, sam, staff):
        await next_of(communicator, "snapshot")

    await send(aroha, action="question.ask", text="Is it the law?", token="tok-moderated-1")
    _, personal = await next_of(aroha, "personal")  # their own list first, then the receipt
    assert "Waiting for the team" in personal and "Is it the law?" in personal
    meta, _ = await next_of(aroha, "question.saved")
    assert meta.get("waiting") is True  # the page says it waits for the team
    _, team = await next_of(staff, "activity.changed")
    assert "Waiting for approval (1)" in team
    question = await db(lambda: AudienceQuestion.objects.get(run=run).pk)()

    # The team's push has gone out; Sam's list didn't change, so his phone hears nothing.
    assert await sam.receive_nothing(0.3)

    await send(staff, action="question.approve", question=question)
    _, pushed = await next_of(sam, "activity.changed")
    assert "Is it the law?" in pushed
    assert "already approved" in await error_then_still_open(
        staff, action="question.approve", question=question
    )
    assert "No such question" in await error_then_still_open(
        staff, action="question.reply", question=question + 1000, text="Yes"
    )
    assert "Write the reply first" in await error_then_still_open(
        staff, action="question.reply", question=question, text="  \u200b "
    )
    assert "under 500 characters" in await error_then_still_open(
        staff, action="question.reply", question=question, text="x" * 501
    )
    assert "not valid" in await error_then_still_open(
        staff, action="question.pin", question=question, pinned="maybe"
    )
    assert await _code_of(sam, action="question.dismiss", question=question) == "forbidden"
    await send(staff, action="question.reply", question=question, text="Yes, since 2023.")
    _, pushed = await next_of(sam, "activity.changed")
    assert "Yes, since 2023." in pushed
    for communicator in (aroha, sam, staff):
        await communicator.disconnect()


async def _code_of(communicator, **message) -> str:
    await send(communicator, **message)
    meta, _ = await next_of(communicator, "error")
    return meta["code"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_asking_anonymously_where_not_allowed_is_refused_and_the_text_kept(moderated_run):
    aroha, _, _ = await connect(moderated_run, await db(participant_cookie)(moderated_run))
    await next_of(aroha, "snapshot")
    message = await error_then_still_open(
        aroha, action="question.ask", text="Shy question", anonymous="on", token="tok-shy-1"
    )
    assert "anonymous" in message
    assert not await db(AudienceQuestion.objects.filter(run=moderated_run).exists)()
    await aroha.disconnect()


def test_every_new_action_is_in_the_protocol_document():
    protocol = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    for action in ("question.approve", "question.dismiss", "question.pin", "question.reply"):
        assert f"`{action}`" in protocol, action


def test_your_data_shows_each_question_with_what_became_of_it_and_the_teams_reply(
    client, moderated, actors
):
    client.post(f"/join/{moderated.code}/", {"display_name": "Aroha"})
    aroha = Participant.objects.get(display_name="Aroha")
    answered = ask(moderated, aroha, "Where is the guide?")
    questions.question_approve(run=moderated, actor=actors["hana"], question=answered.pk)
    questions.question_reply(
        run=moderated, actor=actors["hana"], question=answered.pk, text="On the DPUP site."
    )
    ask(moderated, aroha, "Is DPUP law?")  # still in the queue
    page = client.get(f"/runs/{moderated.code}/me/").content.decode()
    mine = page.split("Your questions", 1)[1].split("</ul>", 1)[0]
    first, second = mine.split("<li>")[1:]
    assert "Where is the guide?" in first and "The team's reply:</span> On the DPUP site." in first
    assert "Is DPUP law?" in second and "waiting for the team" in second
    assert "reply" not in second
