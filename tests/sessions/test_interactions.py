"""Prompts, polls, the quiz, breakout groups, chat, hands and questions (services)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.domain import (
    answers,
    breakouts,
    chat,
    hands,
    interactions,
    participants,
    questions,
    quiz,
    runs,
    selectors,
)
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.live import activity, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.live.coalesce import Coalescer
from sessions.models import BreakoutGroup, Interaction, Kind, Participant, Response, Run, State


def me(person):
    return actor_for_participant(person)


def item(run, key) -> Interaction:
    return run.interactions.get(key=key)


def goto(run, actors, number):
    runs.slide_goto(run=run, actor=actors["fran"], number=number)
    return Run.objects.get(pk=run.pk)


def test_the_decks_interactions_are_in_every_run(run):
    kinds = list(run.interactions.values_list("kind", flat=True))
    assert kinds.count(Kind.PROMPT) == 5 and kinds.count(Kind.POLL) == 1
    assert kinds.count(Kind.QUIZ) == 6
    watched = item(run, "watched-intro-video")
    assert watched.slide_number == 2 and watched.options == ["Yes", "Not yet"]


def test_interactions_follow_the_slides(live, actors):
    assert item(live, "introductions").state == State.OPEN  # slide 1, opened with the start
    live = goto(live, actors, 2)
    assert item(live, "introductions").state == State.CLOSED
    assert item(live, "watched-intro-video").state == State.OPEN
    live = goto(live, actors, 17)
    question = live.interactions.get(slide_number=17)
    assert question.state == State.OPEN and question.kind == Kind.QUIZ
    goto(live, actors, 18)  # the answer slide reveals it
    question.refresh_from_db()
    assert question.state == State.REVEALED


def test_stepping_back_to_a_slide_opens_its_activity_again(live, actors, people):
    """Next then Previous by mistake: the prompt is open again, answers kept."""
    prompt = item(live, "introductions")
    answers.answer_write(run=live, actor=me(people[0]), interaction=prompt.pk, text="Kia ora")
    live = goto(goto(live, actors, 2), actors, 1)
    prompt.refresh_from_db()
    assert prompt.state == State.OPEN
    assert prompt.responses.get().text == "Kia ora"
    # Closed by hand, it stays closed whatever the slides do.
    interactions.interaction_close(run=live, actor=actors["hana"], interaction=prompt.pk)
    live = goto(goto(live, actors, 2), actors, 1)
    prompt.refresh_from_db()
    assert prompt.state == State.CLOSED
    # A quiz question that had a timer stays closed too: its timer, not the slides, decides.
    question = goto(live, actors, 17).interactions.get(slide_number=17)
    interactions.interaction_open(run=live, actor=actors["fran"], interaction=question.pk, timer=10)
    Interaction.objects.filter(pk=question.pk).update(closes_at=timezone.now())
    live = goto(goto(live, actors, 16), actors, 17)
    question.refresh_from_db()
    assert question.state == State.CLOSED


def test_one_answer_per_person_changeable_until_close(live, actors, people):
    live = goto(live, actors, 2)
    poll = item(live, "watched-intro-video")
    aroha = me(people[0])
    answers.answer_choose(run=live, actor=aroha, interaction=poll.pk, choice=0)
    answers.answer_choose(run=live, actor=aroha, interaction=poll.pk, choice=1)
    assert Response.objects.get(participant=people[0]).choices == [1]
    assert Response.objects.filter(interaction=poll).count() == 1
    interactions.interaction_close(run=live, actor=actors["hana"], interaction=poll.pk)
    with pytest.raises(ActionError, match="isn't open"):
        answers.answer_choose(run=live, actor=aroha, interaction=poll.pk, choice=0)
    with pytest.raises(ActionError, match="No such option"):
        answers.answer_choose(run=live, actor=aroha, interaction=poll.pk, choice=7)


def test_choose_all_that_apply_sets_and_unsets(live, actors, people):
    poll = interactions.interaction_create(
        run=live, actor=actors["fran"], kind="poll", text="Which apply?",
        options=["A", "B", "C"], multiple=True,
    )  # fmt: skip
    for choice, selected in ((0, True), (2, True), (2, True), (0, False)):
        answers.answer_choose(
            run=live, actor=me(people[0]), interaction=poll.pk, choice=choice, selected=selected
        )
    assert Response.objects.get(interaction=poll).choices == [2]  # sending twice is harmless


def test_a_batch_of_answers_is_written_at_once_and_each_gets_its_own_result(live, actors, people):
    live = goto(live, actors, 2)
    poll = item(live, "watched-intro-video")
    batch = [answers.Choose(live.pk, p.pk, poll.pk, i % 2) for i, p in enumerate(people)]
    batch.append(answers.Choose(live.pk, people[0].pk, poll.pk, 1))  # changes her mind
    batch.append(answers.Choose(live.pk, people[1].pk, poll.pk, 9))  # no such option
    results = answers.answers_record(batch)
    assert [r.choices for r in results[:4]] == [[0], [1], [0], [1]]
    mine = Response.objects.get(interaction=poll, participant=people[0])
    assert results[0].response == results[3].response == mine.pk
    assert isinstance(results[4], ActionError)
    assert {r.participant_id: r.choices for r in Response.objects.filter(interaction=poll)} == {
        people[0].pk: [1],
        people[1].pk: [1],
        people[2].pk: [0],
    }


def test_team_and_strangers_cannot_answer(live, actors):
    poll = item(goto(live, actors, 2), "watched-intro-video")
    with pytest.raises(PermissionDenied):
        answers.answer_choose(run=live, actor=actors["fran"], interaction=poll.pk, choice=0)


def test_tallies_count_answers_and_hands_counted_by_hand(live, actors, people):
    live = goto(live, actors, 2)
    poll = item(live, "watched-intro-video")
    for person, choice in zip(people, (0, 0, 1), strict=True):
        answers.answer_choose(run=live, actor=me(person), interaction=poll.pk, choice=choice)
    interactions.interaction_tally(run=live, actor=actors["hana"], interaction=poll.pk, option=1)
    interactions.interaction_tally(run=live, actor=actors["hana"], interaction=poll.pk, option=1)
    poll.refresh_from_db()
    view = selectors.interaction_view(poll, audience=STAFF)
    assert [bar.count for bar in view.bars] == [2, 3] and view.total == 5 and view.answered == 3
    with pytest.raises(PermissionDenied):
        interactions.interaction_tally(run=live, actor=me(people[0]), interaction=poll.pk, option=0)


def test_poll_results_stay_hidden_from_participants_until_shown(live, actors, people):
    live = goto(live, actors, 2)
    poll = item(live, "watched-intro-video")
    answers.answer_choose(run=live, actor=me(people[0]), interaction=poll.pk, choice=0)
    for audience in (PARTICIPANTS, SCREEN):  # the room sees no results until they're shown
        assert "Results:" not in fragments.render_live(live, audience)
    assert "Answers so far: 1" in fragments.render_live(live, STAFF)
    parts = activity.activity_parts(live, {activity.RESPONSES})
    assert PARTICIPANTS not in parts  # answers alone don't touch participants' screens
    interactions.interaction_results(
        run=live, actor=actors["fran"], interaction=poll.pk, visible=True
    )
    live = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        assert "Results: 1 answer" in fragments.render_live(live, audience)
    assert PARTICIPANTS in activity.activity_parts(live, {activity.RESPONSES})


def test_quiz_reveal_shows_answer_explanation_and_distribution(live, actors, people):
    live = goto(live, actors, 19)
    question = live.interactions.get(slide_number=19)
    correct = question.correct[0]
    answers.answer_choose(run=live, actor=me(people[0]), interaction=question.pk, choice=correct)
    answers.answer_choose(run=live, actor=me(people[1]), interaction=question.pk, choice=0)
    before = fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    assert "correct" not in before and question.explanation not in before
    quiz.quiz_reveal(run=live, actor=actors["fran"], interaction=question.pk)
    live = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        html = fragments.render_live(live, audience)
        assert question.explanation in html and "Results: 2 answers" in html
        assert "November 2019" in html
    with pytest.raises(ActionError):
        answers.answer_choose(run=live, actor=me(people[2]), interaction=question.pk, choice=0)


def test_quiz_timer_refuses_late_answers(live, actors, people, monkeypatch):
    question = live.interactions.filter(kind=Kind.QUIZ).first()
    interactions.interaction_open(run=live, actor=actors["fran"], interaction=question.pk, timer=30)
    later = timezone.now() + timedelta(seconds=31)
    monkeypatch.setattr(answers, "_now", lambda: later)
    with pytest.raises(ActionError, match="Time's up"):
        answers.answer_choose(run=live, actor=me(people[0]), interaction=question.pk, choice=0)
    with pytest.raises(ActionError, match="timer"):
        interactions.interaction_open(
            run=live, actor=actors["fran"], interaction=item(live, "introductions").pk, timer=30
        )


def test_scoreboard_lists_only_named_people_who_opt_in(live, actors, people):
    with pytest.raises(ActionError, match="give your name"):
        quiz.scoreboard_join(run=live, actor=me(people[1]), joined=True)  # not shown by name
    quiz.scoreboard_join(run=live, actor=me(people[0]), joined=True)
    live = goto(live, actors, 17)
    question = live.interactions.get(slide_number=17)
    for person in people:
        answers.answer_choose(
            run=live, actor=me(person), interaction=question.pk, choice=question.correct[0]
        )
    quiz.quiz_reveal(run=live, actor=actors["fran"], interaction=question.pk)
    from sessions.domain.selectors import scoreboard

    assert scoreboard(Run.objects.get(pk=live.pk)) == [("Aroha", 1)]


def test_people_on_the_scoreboard_are_listed_before_the_first_reveal(live, actors, people):
    from sessions.domain.selectors import scoreboard

    def board(run) -> str:
        html = fragments.render_snapshot(Run.objects.get(pk=run.pk), STAFF)
        return html[html.index('id="scoreboard-heading"') :]

    assert scoreboard(live) == []
    # The console shows the scoreboard once the quiz has begun (people join it on its cards).
    first = live.interactions.filter(kind="quiz").order_by("slide_number").first()
    interactions.interaction_open(run=live, actor=actors["fran"], interaction=first.pk)
    assert "Nobody has chosen to be on the scoreboard yet" in board(live)
    mere = participants.participant_join(run=live, display_name="Mere", show_name=True)
    for person in (mere, people[0]):
        quiz.scoreboard_join(run=live, actor=me(person), joined=True)
    assert scoreboard(live) == [("Aroha", 0), ("Mere", 0)]  # nothing revealed yet
    assert "Nobody has chosen" not in board(live)
    assert "Aroha" in board(live) and "Mere" in board(live)


def test_prompts_take_words_passes_and_volunteers(live, actors, people):
    prompt = item(live, "introductions")
    answers.answer_write(run=live, actor=me(people[0]), interaction=prompt.pk, text="Kia ora")
    answers.answer_write(run=live, actor=me(people[1]), interaction=prompt.pk, passed=True)
    answers.answer_volunteer(run=live, actor=me(people[1]), interaction=prompt.pk, volunteer=True)
    with pytest.raises(ActionError, match="Write something"):
        answers.answer_write(run=live, actor=me(people[2]), interaction=prompt.pk, text=" ")
    view = selectors.interaction_view(prompt, audience=STAFF)
    assert view.answered == 2 and view.volunteers == 1
    aroha = Response.objects.get(participant=people[0])
    answers.response_mark(run=live, actor=actors["pita"], response=aroha.pk, shown=True)
    screen = fragments.render_live(Run.objects.get(pk=live.pk), SCREEN)
    assert "Kia ora" in screen and "Aroha" in screen
    sam = Response.objects.get(participant=people[1])
    answers.answer_write(run=live, actor=me(people[1]), interaction=prompt.pk, text="Hi")
    answers.response_mark(run=live, actor=actors["pita"], response=sam.pk, shown=True)
    screen = fragments.render_live(Run.objects.get(pk=live.pk), SCREEN)
    assert "Hi" in screen and "Sam" not in screen and "Anonymous" in screen
    with pytest.raises(PermissionDenied):
        answers.response_mark(run=live, actor=me(people[0]), response=sam.pk, shown=False)


def test_breakout_groups_split_the_room_and_share_boards(live, actors, people):
    extra = [participants.participant_join(run=live, display_name=f"P{i}") for i in range(3)]
    everyone = people + extra
    prompt = item(goto(live, actors, 9), "what-people-said")
    assert prompt.breakouts
    breakout = breakouts.breakout_start(
        run=live, actor=actors["hana"], interaction=prompt.pk, groups=2, seed=1
    )
    groups = list(breakout.groups.all())
    assert sorted(g.members.count() for g in groups) == [3, 3]
    member = groups[0].members.first()
    outsider = groups[1].members.first()
    answers.answer_write(run=live, actor=me(member), interaction=prompt.pk, text="Trust!")
    board = selectors.group_board_context(groups[0])["board"]
    assert [r.text for r in board] == ["Trust!"]
    assert selectors.group_board_context(groups[1])["board"] == []
    breakouts.breakout_summary(run=live, actor=me(member), group=1, text="We talked trust")
    with pytest.raises(ActionError, match="your own group"):
        breakouts.breakout_summary(run=live, actor=me(outsider), group=1, text="x")
    breakouts.breakout_show(run=live, actor=actors["fran"], group=1, shown=True)
    assert "We talked trust" in fragments.render_live(Run.objects.get(pk=live.pk), SCREEN)
    breakouts.breakout_move(run=live, actor=actors["fran"], participant=outsider.pk, group=1)
    assert groups[0].members.count() == 4
    with pytest.raises(PermissionDenied):
        breakouts.breakout_start(run=live, actor=actors["pita"], interaction=prompt.pk, groups=2)
    breakouts.breakout_end(run=live, actor=actors["fran"])
    assert all(Participant.objects.filter(pk=p.pk).exists() for p in everyone)


def test_a_breakout_summary_is_its_last_writers_and_goes_with_them(client, live, actors, users):
    client.post(f"/join/{live.code}/", {"display_name": "Aroha", "show_name": "on"})
    aroha = Participant.objects.get(display_name="Aroha")
    for name in ("Sam", "Mere", "Tui"):
        participants.participant_join(run=live, display_name=name)
    prompt = item(goto(live, actors, 9), "what-people-said")
    breakouts.breakout_start(
        run=live, actor=actors["hana"], interaction=prompt.pk, groups=2, seed=1
    )
    mine = aroha.breakout_groups.get()
    theirs = BreakoutGroup.objects.exclude(pk=mine.pk).get()
    writer = theirs.members.first()
    breakouts.breakout_summary(run=live, actor=me(aroha), group=mine.number, text="Why, mostly")
    breakouts.breakout_summary(run=live, actor=me(writer), group=theirs.number, text="Trust")
    breakouts.breakout_summary(
        run=live, actor=actors["fran"], group=theirs.number, text="Trust, and who sees what"
    )
    for group in (mine, theirs):
        breakouts.breakout_show(run=live, actor=actors["fran"], group=group.number, shown=True)
    theirs.refresh_from_db()
    assert theirs.summary_by is None and theirs.summary_by_user == users["fran"]

    page = client.get(f"/runs/{live.code}/me/").content.decode()
    assert "Breakout group summaries you wrote last (1)" in page and "Why, mostly" in page
    assert "Trust" not in page
    data = client.get(f"/runs/{live.code}/me/download/").json()
    assert data["breakout_group_summaries_you_wrote_last"] == [
        {
            "group": mine.number,
            "discussing": prompt.text,
            "summary": "Why, mostly",
            "shown_on_the_projector": True,
        }
    ]

    client.post(f"/runs/{live.code}/me/", {"leave": "1"})
    mine.refresh_from_db()
    assert (mine.summary, mine.summary_shown, mine.summary_by) == ("", False, None)
    screen = fragments.render_live(Run.objects.get(pk=live.pk), SCREEN)
    assert "Why, mostly" not in screen
    assert "Trust, and who sees what" in screen  # the team wrote it last: it stays
    participants.participant_leave(participant=Participant.objects.get(pk=writer.pk))
    theirs.refresh_from_db()
    assert theirs.summary == "Trust, and who sees what"


def test_the_console_says_when_breakouts_fit(live, actors):
    prompt = item(goto(live, actors, 9), "what-people-said")
    html = fragments.render_live(Run.objects.get(pk=live.pk), STAFF)
    assert "time for breakout groups" in html
    Run.objects.filter(pk=live.pk).update(running_since=timezone.now() - timedelta(minutes=8))
    html = fragments.render_live(Run.objects.get(pk=live.pk), STAFF)
    assert "not enough for breakout groups" in html
    assert f'id="breakout-form-{prompt.pk}"' in html


def test_chat_to_everyone_or_to_the_team(live, actors, people):
    chat.chat_send(run=live, actor=me(people[0]), text="<script>alert(1)</script> hx-get")
    html = fragments.chat_part(PARTICIPANTS)(live)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "Aroha" in html
    runs.run_update(run=live, actor=actors["fran"], chat_to_everyone=False)
    live = Run.objects.get(pk=live.pk)
    chat.chat_send(run=live, actor=me(people[1]), text="Just for the team")
    chat.chat_send(run=live, actor=actors["hana"], text="Back in 5 minutes")
    assert "Just for the team" not in fragments.chat_part(PARTICIPANTS)(live)
    assert "Back in 5 minutes" in fragments.chat_part(PARTICIPANTS)(live)
    assert "Just for the team" in fragments.chat_part(STAFF)(live)
    assert "Just for the team" in fragments.render_personal(
        Participant.objects.get(pk=people[1].pk)
    )


def test_chat_moderation_limits_and_switch(live, actors, people):
    message = chat.chat_send(run=live, actor=me(people[0]), text="Off topic")
    chat.chat_hide(run=live, actor=actors["hana"], message=message.pk)
    assert "Off topic" not in fragments.chat_part(PARTICIPANTS)(live)
    assert "Off topic" in fragments.chat_part(STAFF)(live)
    chat.chat_mute(run=live, actor=actors["hana"], participant=people[0].pk)
    with pytest.raises(ActionError, match="muted"):
        chat.chat_send(run=live, actor=me(people[0]), text="Let me in")
    with pytest.raises(PermissionDenied):
        chat.chat_hide(run=live, actor=me(people[1]), message=message.pk)
    for i in range(chat.CHAT_BURST):
        chat.chat_send(run=live, actor=me(people[1]), text=f"line {i}")
    with pytest.raises(ActionError, match="at most 5 every 10 seconds"):
        chat.chat_send(run=live, actor=me(people[1]), text="one too many")
    with pytest.raises(ActionError, match="Keep messages under"):
        chat.chat_send(run=live, actor=me(people[2]), text="x" * 501)
    runs.run_update(run=live, actor=actors["fran"], chat_enabled=False)
    with pytest.raises(ActionError, match="Chat is off"):
        chat.chat_send(run=live, actor=me(people[2]), text="hello")


def test_a_submission_refused_can_be_sent_again_with_its_token(live, people, monkeypatch):
    """The token is claimed only by a submission that is saved: one refused (here, for
    sending too fast) may be sent again as it was, and then counts."""
    allow = chat.allow
    for module in (chat, questions):
        monkeypatch.setattr(module, "allow", lambda *args, **kwargs: False)
    with pytest.raises(ActionError, match="quickly"):
        chat.chat_send(run=live, actor=me(people[0]), text="Hello", token="tok-000001")
    with pytest.raises(ActionError, match="several questions"):
        questions.question_ask(run=live, actor=me(people[0]), text="Why?", token="tok-000002")
    for module in (chat, questions):
        monkeypatch.setattr(module, "allow", allow)
    assert chat.chat_send(run=live, actor=me(people[0]), text="Hello", token="tok-000001")
    assert questions.question_ask(run=live, actor=me(people[0]), text="Why?", token="tok-000002")
    # Sent again: nothing more, and not counted against the rate limits either.
    for _ in range(5):
        assert (
            chat.chat_send(run=live, actor=me(people[0]), text="Hello", token="tok-000001") is None
        )
    assert chat.chat_send(run=live, actor=me(people[0]), text="Next", token="tok-000003")
    assert live.chat_messages.count() == 2 and live.questions.count() == 1
    # The same token from someone else is their own submission.
    assert chat.chat_send(run=live, actor=me(people[1]), text="Hello", token="tok-000001")


def test_hands_queue_in_order(live, actors, people):
    for person in (people[2], people[0]):
        hands.hand_raise(run=live, actor=me(person), raised=True)
    queue = selectors.hands_context(live)["hands"]
    assert [p.pk for p in queue] == [people[2].pk, people[0].pk]
    with pytest.raises(PermissionDenied):
        hands.hand_lower(run=live, actor=me(people[0]), participant=people[2].pk)
    hands.hand_lower(run=live, actor=actors["pita"], participant=people[2].pk)
    assert [p.pk for p in selectors.hands_context(live)["hands"]] == [people[0].pk]
    hands.hand_raise(run=live, actor=me(people[0]), raised=False)
    assert selectors.hands_context(live)["hands"] == []


def test_questions_upvotes_and_answers(live, actors, people):
    question = questions.question_ask(run=live, actor=me(people[0]), text="Is DPUP law?")
    other = questions.question_ask(run=live, actor=me(people[1]), text="Who wrote it?")
    with pytest.raises(ActionError, match="your own"):
        questions.question_upvote(run=live, actor=me(people[0]), question=question.pk)
    for person in people[1:]:
        questions.question_upvote(run=live, actor=me(person), question=question.pk)
    questions.question_upvote(run=live, actor=me(people[2]), question=question.pk, voted=False)
    ordered = selectors.questions_context(live, PARTICIPANTS)["questions"]
    assert [(q.pk, q.votes) for q in ordered] == [(question.pk, 1), (other.pk, 0)]
    with pytest.raises(PermissionDenied):
        questions.question_mark(run=live, actor=me(people[0]), question=question.pk, answered=True)
    questions.question_mark(run=live, actor=actors["fran"], question=question.pk, answered=True)
    assert [q.pk for q in selectors.questions_context(live, STAFF)["open_questions"]] == [other.pk]


def test_the_last_segment_puts_open_questions_in_front(live, actors, people):
    questions.question_ask(run=live, actor=me(people[0]), text="Where do I find more?")
    live = goto(live, actors, 29)
    html = fragments.render_snapshot(live, STAFF)
    assert "qa-list spotlight" in html and "time to answer them" in html


def seen_after(flushed: list[tuple[int, float]], moment: float) -> bool:
    return any(when > moment for _, when in list(flushed))


def test_a_thousand_changes_are_a_few_pushes():
    import asyncio
    import threading

    from dpup_workshop.fastpath import eventloop

    loop = asyncio.new_event_loop()
    server = threading.Thread(target=loop.run_forever, daemon=True)
    server.start()
    eventloop.serve_from(loop)
    flushed = []  # (key, when the flush began)
    coalescer = Coalescer(
        "test", lambda key: flushed.append((key, time.monotonic())), delay=lambda: 0.05
    )
    try:
        touches, started = 0, time.monotonic()
        while time.monotonic() - started < 0.3:
            coalescer.touch(7)
            touches += 1
        last_touch = time.monotonic()
        # Until a flush has begun after the last touch: that one saw it (an absorbed touch is
        # absorbed into a flush still to come).
        deadline = last_touch + 10
        while not seen_after(flushed, last_touch) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        server.join()
        loop.close()
    assert touches > 1000
    assert seen_after(flushed, last_touch), "the last touches were never flushed"
    assert 3 <= len(flushed) <= 10 and {key for key, _ in flushed} == {7}


def test_personal_state_is_theirs_alone(live, actors, people):
    live = goto(live, actors, 2)
    poll = item(live, "watched-intro-video")
    answers.answer_choose(run=live, actor=me(people[0]), interaction=poll.pk, choice=1)
    hands.hand_raise(run=live, actor=me(people[0]), raised=True)
    mine = fragments.render_personal(Participant.objects.get(pk=people[0].pk))
    theirs = fragments.render_personal(Participant.objects.get(pk=people[1].pk))
    assert f"&quot;{poll.pk}&quot;:{{&quot;choices&quot;:[1]" in mine
    assert "&quot;hand&quot;:true" in mine and "&quot;hand&quot;:false" in theirs


def test_your_data_lists_everything_and_leaving_erases_it(client, live, actors):
    client.post(f"/join/{live.code}/", {"display_name": "Aroha"})
    person = Participant.objects.get(display_name="Aroha")
    live = goto(live, actors, 2)
    poll = item(live, "watched-intro-video")
    answers.answer_choose(run=live, actor=me(person), interaction=poll.pk, choice=1)
    chat.chat_send(run=live, actor=me(person), text="Kia ora koutou")
    questions.question_ask(run=live, actor=me(person), text="Where is the toolkit?")
    page = client.get(f"/runs/{live.code}/me/").content.decode()
    for fact in ("Not yet", "Kia ora koutou", "Where is the toolkit?", "Have you watched"):
        assert fact in page
    client.post(f"/runs/{live.code}/me/", {"leave": "1"})
    person.refresh_from_db()
    assert person.display_name == "" and person.status == "left"
    assert not person.responses.exists() and not person.chat_messages.exists()
    assert not person.questions.exists()


def test_data_is_purged_after_the_retention_period(live, actors, people):
    from django.core.management import call_command

    chat.chat_send(run=live, actor=me(people[0]), text="hello")
    prompt = item(goto(live, actors, 9), "what-people-said")
    breakouts.breakout_start(run=live, actor=actors["fran"], interaction=prompt.pk, groups=2)
    group = people[0].breakout_groups.get()
    breakouts.breakout_summary(run=live, actor=me(people[0]), group=group.number, text="Ours")
    runs.run_end(run=live, actor=actors["fran"])
    call_command("purge_run_data")
    assert Participant.objects.filter(run=live).count() == 3  # not yet: 30 days to go
    Run.objects.filter(pk=live.pk).update(ended_at=timezone.now() - timedelta(days=31))
    call_command("purge_run_data")
    live.refresh_from_db()
    assert live.purged_at is not None
    assert not Participant.objects.filter(run=live).exists()
    assert not live.chat_messages.exists()
    assert not BreakoutGroup.objects.filter(breakout__run=live).exists()


def test_ending_the_run_closes_everything(live, actors, people):
    prompt = item(live, "introductions")
    asked = questions.question_ask(run=live, actor=me(people[1]), text="Before the end?")
    runs.run_end(run=live, actor=actors["fran"])
    assert live.status == "live"  # as a socket still holds it
    prompt.refresh_from_db()
    assert prompt.state == State.CLOSED
    with pytest.raises(ActionError):
        answers.answer_write(run=live, actor=me(people[0]), interaction=prompt.pk, text="x")
    with pytest.raises(ActionError, match="ended"):
        hands.hand_raise(run=live, actor=me(people[0]), raised=True)
    with pytest.raises(ActionError, match="ended"):
        questions.question_ask(run=live, actor=me(people[0]), text="Too late?")
    with pytest.raises(ActionError, match="ended"):
        questions.question_upvote(run=live, actor=me(people[0]), question=asked.pk)
    with pytest.raises(ActionError, match="ended"):
        chat.chat_send(run=live, actor=me(people[0]), text="Still there?")
    assert list(live.questions.values_list("text", "votes")) == [("Before the end?", 0)]
    assert not live.chat_messages.exists()


def test_breakouts_need_time_on_the_agenda(live, actors, people):
    prompt = item(goto(live, actors, 9), "what-people-said")
    Run.objects.filter(pk=live.pk).update(running_since=timezone.now() - timedelta(minutes=8))
    with pytest.raises(ActionError, match="isn't enough time"):
        breakouts.breakout_start(
            run=Run.objects.get(pk=live.pk), actor=actors["fran"], interaction=prompt.pk, groups=2
        )
