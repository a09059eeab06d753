"""What the shared screen shows and how the team takes things off it; asking a revealed quiz
question again; resuming a workshop ended by mistake (services and the screen's render)."""

from __future__ import annotations

import json
import re
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
    team,
)
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.live import fragments
from sessions.live.broadcast import SCREEN, STAFF
from sessions.models import AudienceQuestion, JoinCard, Kind, Response, RoleInvite, Run, State
from tests.sessions.test_interactions import item, me


def fresh(run) -> Run:
    return Run.objects.get(pk=run.pk)


def screen(run) -> str:
    return fragments.render_live(fresh(run), SCREEN)


def on_screen(run):
    return selectors.activity_context(fresh(run), STAFF)["on_screen"]


def test_how_to_join_shows_on_the_welcome_slides_and_when_the_team_asks(live, actors):
    assert 'class="join-card"' in screen(live)  # the welcome slide
    runs.slide_goto(run=live, actor=actors["fran"], number=3)
    assert 'class="join-card"' not in screen(live) and not on_screen(live).join
    runs.screen_join(run=fresh(live), actor=actors["hana"], shown=True)
    assert 'class="join-card"' in screen(live) and on_screen(live).join
    runs.slide_goto(run=live, actor=actors["fran"], number=14)
    assert 'class="join-card"' in screen(live)  # until the team says otherwise
    runs.screen_join(run=fresh(live), actor=actors["fran"], shown=False)
    runs.slide_goto(run=live, actor=actors["fran"], number=1)
    assert fresh(live).join_card == JoinCard.HIDDEN
    assert 'class="join-card"' not in screen(live)
    with pytest.raises(PermissionDenied):
        runs.screen_join(run=fresh(live), actor=actors["outsider"], shown=True)


def test_a_question_from_the_room_goes_on_the_screen_one_at_a_time(live, actors, people):
    first = questions.question_ask(run=live, actor=me(people[0]), text="Is DPUP law?")
    second = questions.question_ask(run=live, actor=me(people[1]), text="Who wrote it?")
    mark = questions.question_mark
    # It takes the room's screen: for whoever runs the segment (the host's, on slide 1).
    with pytest.raises(PermissionDenied):
        mark(run=live, actor=actors["pita"], question=first.pk, on_screen=True)
    mark(run=live, actor=actors["hana"], question=first.pk, on_screen=True)
    assert "Is DPUP law?" in screen(live) and "Aroha" in screen(live)
    mark(run=live, actor=actors["hana"], question=second.pk, on_screen=True)
    html = screen(live)
    assert "Who wrote it?" in html and "Is DPUP law?" not in html
    assert "Anonymous" in html  # Sam chose not to be named on shared screens
    assert on_screen(live).question.pk == second.pk
    # Hidden, it comes off; and a hidden question can't go on.
    mark(run=live, actor=actors["hana"], question=second.pk, hidden=True)
    assert on_screen(live).question is None
    with pytest.raises(ActionError, match="unhide it first"):
        mark(run=live, actor=actors["hana"], question=second.pk, on_screen=True)
    # A new slide takes the question off the screen.
    runs.slide_goto(run=fresh(live), actor=actors["fran"], number=3)
    mark(run=live, actor=actors["hana"], question=first.pk, on_screen=True)
    runs.slide_next(run=fresh(live), actor=actors["fran"])
    assert not AudienceQuestion.objects.filter(on_screen=True).exists()


def test_the_scoreboard_comes_off_the_screen_when_the_slide_changes(live, actors):
    runs.slide_goto(run=live, actor=actors["fran"], number=18)
    quiz.quiz_scoreboard(run=fresh(live), actor=actors["fran"], shown=True)
    assert on_screen(live).scoreboard is not None and on_screen(live).layout == "focus"
    runs.slide_next(run=fresh(live), actor=actors["fran"])
    assert not fresh(live).scoreboard_shown and on_screen(live).scoreboard is None


def test_breakout_summaries_come_off_when_the_groups_end_or_the_segment_changes(live, actors):
    for name in ("Aroha", "Mere", "Sam", "Pita"):
        participants.participant_join(run=live, display_name=name, show_name=True)
    runs.slide_goto(run=live, actor=actors["fran"], number=9)
    prompt = item(live, "what-people-said")

    def summaries_shown(number=1):
        breakouts.breakout_summary(
            run=live, actor=actors["fran"], group=number, text=f"Group {number} thinks"
        )
        breakouts.breakout_show(run=live, actor=actors["fran"], group=number, shown=True)
        assert f"Group {number} thinks" in screen(live)
        assert [g.number for g in on_screen(live).summaries] == [number]

    breakouts.breakout_start(run=fresh(live), actor=actors["fran"], interaction=prompt.pk, groups=2)
    summaries_shown()
    breakouts.breakout_end(run=fresh(live), actor=actors["fran"])
    assert "Group 1 thinks" not in screen(live) and on_screen(live).summaries == []

    breakouts.breakout_start(run=fresh(live), actor=actors["fran"], interaction=prompt.pk, groups=2)
    summaries_shown(2)
    runs.segment_next(run=fresh(live), actor=actors["fran"])
    assert "Group 2 thinks" not in screen(live)


def test_at_most_six_responses_go_on_the_screen(live, actors):
    prompt = item(live, "introductions")
    responses = []
    for number in range(7):
        person = participants.participant_join(run=live, display_name=f"P{number}", show_name=True)
        answers.answer_write(
            run=live,
            actor=actor_for_participant(person),
            interaction=prompt.pk,
            text=f"Hi {number}",
        )
        responses.append(Response.objects.get(participant=person))
    for response in responses[:6]:
        answers.response_mark(run=live, actor=actors["pita"], response=response.pk, shown=True)
    with pytest.raises(ActionError, match="take one off first"):
        answers.response_mark(run=live, actor=actors["pita"], response=responses[6].pk, shown=True)
    assert screen(live).count('class="response-card"') == 6
    answers.response_mark(run=live, actor=actors["pita"], response=responses[0].pk, shown=False)
    answers.response_mark(run=live, actor=actors["pita"], response=responses[6].pk, shown=True)
    assert "Hi 6" in screen(live) and "Hi 0" not in screen(live)


def test_the_screen_names_video_addresses_once_and_links_nothing(live, actors):
    runs.slide_goto(run=live, actor=actors["fran"], number=14)
    html = screen(live)
    assert html.count("digital.govt.nz/dpup/toolkit") == 1
    assert "Find it in the DPUP toolkit" not in html and "<a " not in html.split('id="stage"')[1]


def test_a_revealed_quiz_question_is_asked_again_not_reopened(live, actors, people):
    runs.slide_goto(run=live, actor=actors["fran"], number=17)
    question = live.interactions.get(kind=Kind.QUIZ, slide_number=17)
    answers.answer_choose(run=live, actor=me(people[0]), interaction=question.pk, choice=0)
    quiz.scoreboard_join(run=live, actor=me(people[0]), joined=True)
    quiz.quiz_reveal(run=fresh(live), actor=actors["fran"], interaction=question.pk)
    from sessions.domain.selectors import scoreboard

    assert scoreboard(fresh(live)) == [("Aroha", 1)]
    with pytest.raises(ActionError, match="ask it again as a new question"):
        interactions.interaction_open(
            run=fresh(live), actor=actors["fran"], interaction=question.pk
        )
    again = quiz.quiz_again(run=fresh(live), actor=actors["fran"], interaction=question.pk)
    question.refresh_from_db()
    assert question.state == State.REVEALED and question.responses.count() == 1
    assert again.state == State.OPEN and again.text == question.text
    assert again.options == question.options and again.correct == question.correct
    assert scoreboard(fresh(live)) == [("Aroha", 1)]  # the first round's score stays
    with pytest.raises(ActionError, match="asked again already"):
        quiz.quiz_again(run=fresh(live), actor=actors["fran"], interaction=question.pk)
    with pytest.raises(ActionError, match="Only a quiz question whose answer was revealed"):
        quiz.quiz_again(run=fresh(live), actor=actors["fran"], interaction=again.pk)
    # The room sees only the second round: not the first's answer while answering again.
    current = selectors.current_interactions(fresh(live))
    assert [i.pk for i in current if i.kind == Kind.QUIZ] == [again.pk]
    assert "Correct answer" not in screen(live)
    # It follows the slides like the first: revealed on its answer slide, there for everyone.
    answers.answer_choose(run=live, actor=me(people[0]), interaction=again.pk, choice=1)
    runs.slide_next(run=fresh(live), actor=actors["fran"])
    again.refresh_from_db()
    assert again.state == State.REVEALED
    assert "Correct answer" in screen(live)
    assert scoreboard(fresh(live)) == [("Aroha", 1)]  # right the first time, not the second
    other = quiz.quiz_again(run=fresh(live), actor=actors["fran"], interaction=again.pk)
    assert other.key not in (again.key, question.key)


def test_an_ended_workshop_can_be_resumed_the_same_day_by_its_facilitator(live, actors, people):
    invite = team.invite_create(run=live, actor=actors["fran"], role="presenter")
    runs.run_end(run=fresh(live), actor=actors["fran"])
    assert selectors.staff_context(fresh(live))["reopen_until"] is not None
    with pytest.raises(PermissionDenied):
        runs.run_reopen(run=fresh(live), actor=actors["hana"])
    runs.run_reopen(run=fresh(live), actor=actors["fran"])
    run = fresh(live)
    assert run.status == "live" and run.ended_at is None and run.running_since is None
    assert RoleInvite.objects.get(pk=invite.pk).revoked_at is None  # ending had revoked it
    questions.question_ask(run=run, actor=me(people[0]), text="Back again?")
    with pytest.raises(ActionError, match="hasn't ended"):
        runs.run_reopen(run=run, actor=actors["fran"])


def test_a_workshop_ended_yesterday_stays_ended(live, actors):
    runs.run_end(run=fresh(live), actor=actors["fran"])
    Run.objects.filter(pk=live.pk).update(ended_at=timezone.now() - timedelta(days=1))
    assert selectors.staff_context(fresh(live))["reopen_until"] is None
    with pytest.raises(ActionError, match="on the day it ended"):
        runs.run_reopen(run=fresh(live), actor=actors["fran"])
    assert fresh(live).status == "ended"


def test_a_breakout_group_names_only_those_who_chose_to_be_named(live, actors, people):
    runs.slide_goto(run=live, actor=actors["fran"], number=9)
    prompt = item(live, "what-people-said")
    breakouts.breakout_start(
        run=fresh(live), actor=actors["fran"], interaction=prompt.pk, groups=2, seed=1
    )
    group = people[0].breakout_groups.get()
    for person in people[1:]:
        breakouts.breakout_move(
            run=live, actor=actors["fran"], participant=person.pk, group=group.number
        )
    html = fragments.render("group_board", selectors.group_board_context(group))
    assert ">Aroha<" in html and "Sam" not in html  # Sam is named to the team only
    assert html.count("Someone who chose not to be named") == 2
    # Nothing in it names a participant's row, so anonymous lines can't be matched up...
    assert "data-member" not in html and "data-by" not in html and "participant" not in html
    # ...and each page finds its own place in the list from its personal state.
    slots = [json.loads(selectors.personal_context(p)["state"])["group_slot"] for p in people]
    assert sorted(slots) == [0, 1, 2]


def test_shortlisting_leaves_the_responses_where_they_were(live, actors):
    prompt = item(live, "introductions")
    people = [participants.participant_join(run=live, display_name=f"P{n}") for n in range(3)]
    for person in people:
        answers.answer_write(
            run=live, actor=me(person), interaction=prompt.pk, text=f"From {person.display_name}"
        )

    def order():
        view = selectors.interaction_view(prompt, audience=STAFF)
        return [r.participant.display_name for r in view.responses]

    before = order()
    second = Response.objects.get(participant=people[1])
    answers.response_mark(run=live, actor=actors["hana"], response=second.pk, shortlisted=True)
    assert order() == before == ["P0", "P1", "P2"]


def test_a_pass_is_not_counted_as_a_response(live, people):
    prompt = item(live, "introductions")
    answers.answer_write(run=live, actor=me(people[0]), interaction=prompt.pk, text="Kia ora")
    answers.answer_write(run=live, actor=me(people[1]), interaction=prompt.pk, passed=True)
    view = selectors.interaction_view(prompt, audience=STAFF)
    assert (view.written, view.passed, view.answered) == (1, 1, 2)
    staff = re.sub(r"<[^>]+>", "", fragments.render_live(fresh(live), STAFF))
    assert "1 response · 1 passed · 0 offering to share aloud" in staff
    assert "1 response" in screen(live) and "2 responses" not in screen(live)


def test_someone_moved_to_another_group_takes_their_response_with_them(live, actors):
    for name in ("Aroha", "Mere", "Sam", "Pita"):
        participants.participant_join(run=live, display_name=name)
    runs.slide_goto(run=live, actor=actors["fran"], number=9)
    prompt = item(live, "what-people-said")
    breakouts.breakout_start(
        run=fresh(live), actor=actors["fran"], interaction=prompt.pk, groups=2, seed=3
    )
    aroha = live.participants.get(display_name="Aroha")
    answers.answer_write(run=live, actor=me(aroha), interaction=prompt.pk, text="Why first")
    mine = aroha.breakout_groups.get()
    other = next(g for g in mine.breakout.groups.all() if g.pk != mine.pk)
    breakouts.breakout_move(
        run=live, actor=actors["fran"], participant=aroha.pk, group=other.number
    )
    assert Response.objects.get(participant=aroha).breakout_group_id == other.pk
    board = fragments.render("group_board", selectors.group_board_context(other))
    assert "Why first" in board


def test_the_scoreboard_stays_off_the_screen_once_the_workshop_has_ended(live, actors):
    runs.run_end(run=fresh(live), actor=actors["fran"])
    with pytest.raises(ActionError, match="ended"):
        quiz.quiz_scoreboard(run=fresh(live), actor=actors["fran"], shown=True)
    assert "Show the scoreboard" not in fragments.render_live(fresh(live), STAFF)


def test_a_rename_reaches_every_list_that_names_them_and_no_other(live, people, monkeypatch):
    from sessions.live import activity

    marked = []
    monkeypatch.setattr(activity, "changed", lambda run_id, area: marked.append(area))
    participants.participant_update(participant=people[0], display_name="Aroha T", show_name=True)
    assert "chat" not in marked and "hands" not in marked  # nowhere to be renamed yet
    monkeypatch.undo()
    hands.hand_raise(run=live, actor=me(people[0]), raised=True)
    chat.chat_send(run=live, actor=me(people[0]), text="Kia ora")
    questions.question_ask(run=live, actor=me(people[0]), text="Why?")
    people[0].refresh_from_db()
    marked.clear()
    monkeypatch.setattr(activity, "changed", lambda run_id, area: marked.append(area))
    participants.participant_update(
        participant=people[0], display_name="Aroha Tane", show_name=True
    )
    assert {"hands", "questions", "chat"} <= set(marked)


def test_a_question_on_the_screen_leaves_it_with_its_asker_s_data(
    live, actors, people, monkeypatch
):
    from sessions.live import activity

    asked = questions.question_ask(run=live, actor=me(people[0]), text="Is DPUP law?")
    questions.question_mark(run=live, actor=actors["hana"], question=asked.pk, on_screen=True)
    assert "Is DPUP law?" in screen(live)
    marked = []
    monkeypatch.setattr(activity, "changed", lambda run_id, area: marked.append(area))
    participants.participant_leave(participant=people[0])
    assert activity.SCREEN in marked  # the room's screen is rendered again, without it
    assert "Is DPUP law?" not in screen(live) and on_screen(live).question is None
