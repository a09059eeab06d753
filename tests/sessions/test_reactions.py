"""Reactions: sent from phones, counted per slide (never per person), rate-limited, pushed to
the team and the shared screen a few times a second, reported and exported."""

from __future__ import annotations

import asyncio
import csv
import io
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from openpyxl import load_workbook

from sessions.domain import chat, participants, ratelimit, reactions, runs
from sessions.domain.exports import run_export
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.reactions import RateLimited, reaction_send
from sessions.domain.selectors import actor_for_participant, actor_for_user
from sessions.live import actions, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import Participant, ParticipantStatus, Reaction, Run
from tests.sessions.test_consumers import connect, participant_cookie, receive, send, team_cookie

THUMBS, HEART, CLAP = "👍", "❤️", "👏"


def me(person):
    return actor_for_participant(Participant.objects.get(pk=person.pk))


def counts(run, slide=None) -> dict[str, int]:
    rows = Reaction.objects.filter(run=run)
    if slide is not None:
        rows = rows.filter(slide_number=slide)
    return dict(rows.values_list("emoji", "count"))


@pytest.fixture
def slow(monkeypatch):
    """A clock for the rate limit's windows that only moves when told."""
    now = [999_999.0]  # a window's start
    clock = SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(ratelimit, "time", clock)
    monkeypatch.setattr(reactions, "time", clock)
    return now


# --- sending ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reaction_counts_on_the_live_slide_and_names_nobody(live, people, actors, slow):
    aroha, sam, _ = people
    reaction_send(run=live, actor=me(aroha), emoji=THUMBS)
    reaction_send(run=live, actor=me(sam), emoji=THUMBS)
    reaction_send(run=live, actor=me(sam), emoji=HEART)
    assert counts(live, live.slide_number) == {THUMBS: 2, HEART: 1}
    runs.slide_goto(run=live, actor=actors["fran"], number=3)
    reaction_send(run=Run.objects.get(pk=live.pk), actor=me(aroha), emoji=CLAP)
    assert counts(live, 3) == {CLAP: 1}
    assert counts(live, 1) == {THUMBS: 2, HEART: 1}
    # Counts only: the table has no column that could say who sent one.
    assert {f.name for f in Reaction._meta.concrete_fields} == {
        "id", "run", "slide_number", "emoji", "count"
    }  # fmt: skip


@pytest.mark.django_db
def test_an_unknown_emoji_is_refused_with_a_clear_error(live, people):
    for bad in ("💩", "thumbs", "", 1, None, ["👍"]):
        with pytest.raises(actions.PayloadError) as refused:
            actions.perform("reaction.send", {"emoji": bad}, run=live, actor=me(people[0]))
        assert "'emoji' must be one of the reactions 👍 ❤️ 😂 😮 👏" in str(refused.value)
    with pytest.raises(actions.PayloadError, match="needs 'emoji'"):
        actions.perform("reaction.send", {}, run=live, actor=me(people[0]))
    assert not Reaction.objects.exists()
    # A heart typed without its variation selector is the same heart.
    actions.perform("reaction.send", {"emoji": "❤"}, run=live, actor=me(people[0]))
    assert counts(live) == {HEART: 1}


@pytest.mark.django_db
def test_only_participants_send_reactions(live, actors):
    with pytest.raises(PermissionDenied, match="Only participants"):
        reaction_send(run=live, actor=actors["fran"], emoji=THUMBS)
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_past_the_rate_limit_a_reaction_is_refused_until_the_window_ends(
    live, people, settings, slow
):
    settings.REACTION_RATE_LIMIT, settings.REACTION_RATE_WINDOW = 3, 3
    aroha, sam, _ = people
    for _ in range(3):  # a small burst is fine
        reaction_send(run=live, actor=me(aroha), emoji=CLAP)
    slow[0] += 1
    with pytest.raises(RateLimited) as refused:
        reaction_send(run=live, actor=me(aroha), emoji=CLAP)
    assert refused.value.retry_after == 2
    assert "you can send another in 2 seconds" in str(refused.value)
    reaction_send(run=live, actor=me(sam), emoji=CLAP)  # one person's limit is theirs alone
    slow[0] += 2
    reaction_send(run=live, actor=me(aroha), emoji=CLAP)
    assert counts(live) == {CLAP: 5}


@pytest.mark.django_db
def test_no_reactions_when_the_run_has_them_off_or_is_not_running(run, actors, slow):
    runs.run_update(run=run, actor=actors["fran"], waiting_room=False)
    person = participants.participant_join(run=run, display_name="Aroha")
    with pytest.raises(ActionError, match="open when the workshop starts"):
        reaction_send(run=run, actor=me(person), emoji=THUMBS)
    runs.run_start(run=run, actor=actors["fran"])
    runs.run_update(run=Run.objects.get(pk=run.pk), actor=actors["fran"], reactions_enabled=False)
    with pytest.raises(ActionError, match="Reactions are off"):
        reaction_send(run=Run.objects.get(pk=run.pk), actor=me(person), emoji=THUMBS)
    runs.run_update(run=Run.objects.get(pk=run.pk), actor=actors["fran"], reactions_enabled=True)
    reaction_send(run=Run.objects.get(pk=run.pk), actor=me(person), emoji=THUMBS)
    runs.run_end(run=Run.objects.get(pk=run.pk), actor=actors["fran"])
    with pytest.raises(ActionError, match="has ended"):
        reaction_send(run=Run.objects.get(pk=run.pk), actor=me(person), emoji=THUMBS)
    assert counts(run) == {THUMBS: 1}


@pytest.mark.django_db
def test_no_reactions_from_someone_muted_removed_or_waiting(live, people, actors, slow):
    aroha, sam, anonymous = people
    chat.chat_mute(run=live, actor=actors["fran"], participant=aroha.pk)
    with pytest.raises(ActionError, match="muted"):
        reaction_send(run=live, actor=me(aroha), emoji=THUMBS)
    participants.participant_remove(run=live, actor=actors["fran"], participant_id=sam.pk)
    with pytest.raises(ActionError, match="Only participants in the workshop"):
        reaction_send(run=live, actor=me(sam), emoji=THUMBS)
    Participant.objects.filter(pk=anonymous.pk).update(status=ParticipantStatus.WAITING)
    with pytest.raises(ActionError, match="Only participants in the workshop"):
        reaction_send(run=live, actor=me(anonymous), emoji=THUMBS)
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_a_storm_is_counted_in_one_transaction_with_one_write_per_emoji(
    live, django_assert_max_num_queries, settings
):
    settings.REACTION_RATE_LIMIT = 1
    people = Participant.objects.bulk_create(
        Participant(run=live, number=100 + i, status=ParticipantStatus.ADMITTED)
        for i in range(1000)
    )
    sends = [(live.pk, p.pk, (THUMBS, HEART, CLAP)[i % 3]) for i, p in enumerate(people)]
    sends.append((live.pk, people[0].pk, THUMBS))  # one too many from the first person
    # The transaction (a savepoint, in a test), the run and the people read once each; per
    # emoji one update (and, the first time, an insert in a savepoint): a handful of queries
    # for a thousand reactions.
    with django_assert_max_num_queries(2 + 2 + 3 * 4):
        results = reactions.reactions_record(sends)
    assert results[:-1] == [None] * 1000
    assert isinstance(results[-1], RateLimited)
    assert counts(live) == {THUMBS: 334, HEART: 333, CLAP: 333}
    # A second storm adds to the same rows (F() increments), without new ones.
    with django_assert_max_num_queries(2 + 2 + 1):
        reactions.reactions_record([(live.pk, people[1].pk, THUMBS)])
    assert Reaction.objects.filter(run=live).count() == 3


# --- what each audience sees ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_phone_has_a_bar_of_five_named_buttons_until_reactions_are_turned_off(
    live, people, actors, slow
):
    html = fragments.render_live(live, PARTICIPANTS)
    for label in ("Thumbs up", "Heart", "Laughing", "Surprised", "Applause"):
        assert f'aria-label="Send {label}"' in html
    assert '<section id="reaction-bar" class="reaction-bar"' in html
    assert 'id="reaction-bar" class="reaction-bar" aria-labelledby="reaction-bar-heading" ' \
        'hx-swap-oob="true" hidden' not in html  # fmt: skip
    runs.run_update(run=live, actor=actors["fran"], reactions_enabled=False)
    html = fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    assert 'hx-swap-oob="true" hidden>' in html.split('id="reaction-bar"')[1].split("</h2>")[0]


@pytest.mark.django_db
def test_the_team_and_the_screen_see_the_live_slides_counts(live, people, actors, slow):
    badge = fragments.render_live(Run.objects.get(pk=live.pk), STAFF).split('id="reactions-badge"')[
        1
    ]
    assert "Reactions on this slide:</span> none yet</p>" in badge
    reaction_send(run=live, actor=me(people[0]), emoji=CLAP)
    reaction_send(run=live, actor=me(people[1]), emoji=CLAP)
    run = Run.objects.get(pk=live.pk)
    staff = fragments.render_live(run, STAFF)
    assert "Reactions on this slide:" in staff
    assert '<span class="visually-hidden">Applause</span> <strong>2</strong>' in staff
    assert "none yet" not in staff and "Thumbs up</span>" not in staff  # only what was sent
    screen = fragments.render_live(run, SCREEN)
    assert '<span class="visually-hidden">Applause:</span> <span class="reaction-number">2' in (
        screen
    )
    assert "Thumbs up:" not in screen  # none sent: not shown
    runs.slide_goto(run=run, actor=actors["fran"], number=2)
    screen = fragments.render_live(Run.objects.get(pk=run.pk), SCREEN)
    assert "Applause:" not in screen  # the new slide starts from nothing


@pytest.mark.django_db
def test_the_report_tabulates_reactions_per_slide_and_your_data_says_none_are_yours(
    live, people, users, slow
):
    reaction_send(run=live, actor=me(people[0]), emoji=THUMBS)
    reaction_send(run=live, actor=me(people[1]), emoji=THUMBS)
    client = Client()
    client.force_login(users["fran"])
    page = client.get(f"/runs/{live.code}/report/").content.decode()
    table = page.split('id="report-reactions"')[1].split("</section>")[0]
    assert "1. " in table and '<td class="number">2</td>' in table
    phone = Client()
    phone.post(f"/join/{live.code}/", {"display_name": "Tui"})
    mine = phone.get(f"/runs/{live.code}/me/").content.decode()
    assert "never recorded against you" in mine


@pytest.mark.django_db
def test_exports_have_a_reactions_sheet_and_insights_rows_with_the_threshold(
    live, people, actors, settings, slow
):
    settings.INSIGHTS_MIN_COUNT = 3
    for person in people:
        reaction_send(run=live, actor=me(person), emoji=HEART)
    reaction_send(run=live, actor=me(people[0]), emoji=CLAP)
    made = run_export(run=live, actor=actors["fran"], what="insights")
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    found = {row[3]: row[4] for row in rows if row[1] == "Reactions"}
    assert found == {"❤️ Heart": "3", "👏 Applause": "fewer than 3"}
    made = run_export(run=live, actor=actors["fran"], what="workbook")
    sheet = load_workbook(io.BytesIO(made.content))["Reactions"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert values[0] == [
        "Slide", "Slide title", "Thumbs up", "Heart", "Laughing", "Surprised", "Applause", "All"
    ]  # fmt: skip
    assert values[1][0] == 1 and values[1][2:] == [0, 3, 0, 0, 1, 4]


# --- over the socket ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_many_sends_make_one_push_to_the_screen_with_what_was_sent(run, users, settings):
    settings.REACTION_PUSH_DELAY = 0.3
    fran = await db(actor_for_user)(run, users["fran"])
    await db(runs.run_update)(run=run, actor=fran, waiting_room=False)
    await db(runs.run_start)(run=run, actor=fran)
    screen, connected, _ = await connect(run, await db(team_cookie)(users["fran"]), "screen")
    assert connected
    await receive(screen)
    phones = []
    for name in ("Aroha", "Sam", "Tui"):
        phone, connected, _ = await connect(run, await db(participant_cookie)(run, name))
        assert connected
        await receive(phone)
        phones.append(phone)
    for phone, emoji in zip(phones, (CLAP, CLAP, HEART), strict=True):
        await send(phone, action="reaction.send", emoji=emoji)
    for phone, emoji in zip(phones, (CLAP, CLAP, HEART), strict=True):
        meta, _ = await receive(phone)
        while meta["t"] != "reaction.sent":
            meta, _ = await receive(phone)
        assert meta["emoji"] == emoji
    pushes = []
    while not await screen.receive_nothing(timeout=0.6):
        meta, text = await receive(screen)
        if meta["t"] == "reactions.changed":
            pushes.append((meta, text))
    assert len(pushes) == 1
    meta, text = pushes[0]
    assert meta["sent"] == {HEART: 1, CLAP: 2}
    assert '<span class="reaction-number">2</span>' in text
    # Unknown emoji: a clear error, and the socket stays open.
    await send(phones[0], action="reaction.send", emoji="🦄")
    meta, _ = await receive(phones[0])
    assert meta["t"] == "error" and meta["code"] == "bad_payload"
    assert "must be one of the reactions" in meta["message"]
    for phone in (*phones, screen):
        await phone.disconnect()
    await asyncio.sleep(0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_sending_too_fast_is_refused_with_how_long_to_wait(run, users, settings):
    settings.REACTION_RATE_LIMIT, settings.REACTION_RATE_WINDOW = 2, 60
    fran = await db(actor_for_user)(run, users["fran"])
    await db(runs.run_update)(run=run, actor=fran, waiting_room=False)
    await db(runs.run_start)(run=run, actor=fran)
    phone, _, _ = await connect(run, await db(participant_cookie)(run))
    await receive(phone)
    replies = []
    for _ in range(3):
        await send(phone, action="reaction.send", emoji=THUMBS)
        meta, _ = await receive(phone)
        while meta["t"] not in ("reaction.sent", "error"):
            meta, _ = await receive(phone)
        replies.append(meta)
    assert [m["t"] for m in replies] == ["reaction.sent", "reaction.sent", "error"]
    refused = replies[-1]
    assert refused["code"] == "rate_limited" and refused["action"] == "reaction.send"
    assert 1 <= refused["retry_after"] <= 60
    assert "you can send another in" in refused["message"]
    assert await db(counts)(run) == {THUMBS: 2}
    await phone.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_projector_cannot_send_reactions(run, users):
    fran = await db(actor_for_user)(run, users["fran"])
    await db(runs.run_start)(run=run, actor=fran)
    screen, _, _ = await connect(run, await db(team_cookie)(users["fran"]), "screen")
    await receive(screen)
    await send(screen, action="reaction.send", emoji=THUMBS)
    meta, _ = await receive(screen)
    assert meta["t"] == "error" and meta["code"] == "forbidden"
    await screen.disconnect()
