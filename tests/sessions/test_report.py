"""The report afterwards: how the run went, for the team, and only what is still kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sessions.domain import answers, breakouts, interactions, participants, questions, runs
from sessions.domain.selectors import actor_for_participant
from sessions.models import Run


def text(response) -> str:
    """The page's text, its whitespace collapsed and <bdi> (invisible isolation) taken out."""
    return re.sub(r"\s+", " ", re.sub(r"</?bdi>", "", response.content.decode()))


@pytest.fixture
def ran(run, actors, clock):
    """A short run: introductions, the video poll and one quiz question, then the end."""
    fran = actors["fran"]
    runs.run_update(run=run, actor=fran, waiting_room=False)
    runs.run_start(run=run, actor=fran)
    run = Run.objects.get(pk=run.pk)
    people = [
        participants.participant_join(run=run, display_name=name, show_name=bool(name))
        for name in ("Aroha", "Sam", "")
    ]
    me = [actor_for_participant(p) for p in people]
    intro = run.interactions.get(key="introductions")
    answers.answer_write(run=run, actor=me[0], interaction=intro.pk, text="Kia ora, Aroha")
    answers.answer_write(run=run, actor=me[2], interaction=intro.pk, passed=True)
    clock.advance(minutes=7)
    runs.slide_goto(run=run, actor=fran, number=2)
    run = Run.objects.get(pk=run.pk)
    poll = run.interactions.get(key="watched-intro-video")
    for actor, choice in zip(me, (0, 0, 1), strict=True):
        answers.answer_choose(run=run, actor=actor, interaction=poll.pk, choice=choice)
    runs.slide_goto(run=run, actor=fran, number=17)
    run = Run.objects.get(pk=run.pk)
    question = run.interactions.get(slide_number=17)
    right = question.correct[0]
    wrong = next(i for i in range(len(question.options)) if i != right)
    for actor, choice in zip(me, (right, right, wrong), strict=True):
        answers.answer_choose(run=run, actor=actor, interaction=question.pk, choice=choice)
    questions.question_ask(run=run, actor=me[1], text="Where is the toolkit?")
    runs.run_end(run=run, actor=fran)
    return Run.objects.get(pk=run.pk), question


def test_the_report_shows_how_the_run_went(client, users, ran):
    run, question = ran
    client.force_login(users["hana"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    assert '<dd id="report-joined">3</dd>' in page
    assert "Kia ora, Aroha" in page and "1 passed" in page
    poll = page.split('id="report-watched-intro-video"', 1)[1].split("</article>", 1)[0]
    assert "3 answered" in poll
    assert "<strong>2</strong> · 67%" in poll and "<strong>1</strong> · 33%" in poll
    # The chart's numbers again as a table beside it.
    assert '<td class="number">2</td><td class="number">67%</td>' in poll
    quiz = page.split(f'id="report-{question.key}"', 1)[1].split("</article>", 1)[0]
    assert "67% correct" in quiz
    assert "On average, <strong>67%</strong>" in page
    open_questions = page.split('id="report-open-questions"', 1)[1].split("</ul>", 1)[0]
    assert "Where is the toolkit?" in open_questions
    agenda = page.split('id="report-agenda"', 1)[1].split("</table>", 1)[0]
    assert "7:00" in agenda  # the first segment's actual time
    assert "kept until" in page


def test_an_ended_run_links_its_report_from_your_workshops(client, users, ran):
    run, _ = ran
    client.force_login(users["fran"])
    assert f'href="/runs/{run.code}/report/"' in text(client.get("/runs/"))


def test_what_a_participant_takes_away_leaves_the_report(client, users, ran):
    run, _ = ran
    aroha = run.participants.get(display_name="Aroha")
    participants.participant_leave(participant=aroha)
    client.force_login(users["fran"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    assert "Kia ora, Aroha" not in page
    poll = page.split('id="report-watched-intro-video"', 1)[1].split("</article>", 1)[0]
    assert "2 answered" in poll


def test_after_the_retention_period_the_report_keeps_only_timings(client, users, ran):
    run, _ = ran
    later = run.ended_at + timedelta(days=run.retention_days + 1)
    assert runs.runs_purge_expired(now=later) == [run]
    client.force_login(users["fran"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    assert 'id="purged-notice"' in page
    for gone in ("Kia ora, Aroha", "Where is the toolkit?", "Sam"):
        assert gone not in page
    assert '<dd id="report-joined">0</dd>' in page
    assert "7:00" in page.split('id="report-agenda"', 1)[1]


def test_a_run_in_progress_reports_so_far(client, users, run, actors):
    client.force_login(users["pita"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    assert "hasn't started yet" in page and "Nothing was opened" in page
    assert "under" not in page.split('id="report-agenda"', 1)[1]
    runs.run_start(run=run, actor=actors["fran"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    assert "still running" in page
    agenda = page.split('id="report-agenda"', 1)[1].split("</table>", 1)[0]
    assert "in progress" in agenda and "under" not in agenda


def test_the_report_costs_two_queries_per_activity(
    client, users, ran, django_assert_max_num_queries
):
    run, _ = ran
    client.force_login(users["fran"])
    # The signed-in session (kept on the server), the page (its breakout summaries in one
    # query, the exports made in one more, the reactions in one more), then 4 activities
    # (slide 1's prompt and word cloud, the poll, the quiz question).
    with django_assert_max_num_queries(1 + 11 + 2 * 4):
        client.get(f"/runs/{run.code}/report/")


def test_the_report_keeps_breakout_summaries_and_says_what_was_counted_aloud(
    client, users, run, actors
):
    fran = actors["fran"]
    runs.run_update(run=run, actor=fran, waiting_room=False)
    runs.run_start(run=run, actor=fran)
    for name in ("Aroha", "Mere", "Sam", "Pita"):
        participants.participant_join(run=run, display_name=name)
    runs.slide_goto(run=Run.objects.get(pk=run.pk), actor=fran, number=2)
    poll = run.interactions.get(key="watched-intro-video")
    interactions.interaction_tally(run=run, actor=fran, interaction=poll.pk, option=0, amount=1)
    runs.slide_goto(run=Run.objects.get(pk=run.pk), actor=fran, number=9)
    prompt = run.interactions.get(key="what-people-said")
    breakouts.breakout_start(
        run=Run.objects.get(pk=run.pk), actor=fran, interaction=prompt.pk, groups=2
    )
    breakouts.breakout_summary(run=run, actor=fran, group=2, text="Clarity for whānau")
    breakouts.breakout_end(run=Run.objects.get(pk=run.pk), actor=fran)
    client.force_login(users["fran"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    section = page.split('id="report-what-people-said"', 1)[1].split("</article>", 1)[0]
    assert "Breakout group summaries" in section and "Clarity for whānau" in section
    counted = page.split('id="report-watched-intro-video"', 1)[1].split("</article>", 1)[0]
    assert "0 answered here · 1 counted aloud" in counted


def test_the_report_keeps_the_chat_transcript_with_hidden_lines_marked(client, users, ran):
    run, _ = ran  # (ended: the lines are as the chat left them)
    aroha, sam = (run.participants.get(display_name=name) for name in ("Aroha", "Sam"))
    run.chat_messages.create(participant=aroha, text="Kia ora koutou")
    run.chat_messages.create(participant=sam, text="Off topic, sorry", hidden=True)
    run.chat_messages.create(author=users["hana"], text="Welcome, everyone")
    client.force_login(users["fran"])
    page = text(client.get(f"/runs/{run.code}/report/"))
    transcript = page.split('id="report-chat"', 1)[1].split("</section>", 1)[0]
    assert "Chat (3 messages)" in transcript
    lines = transcript.split("<li")[1:]
    assert "Aroha" in lines[0] and "Kia ora koutou" in lines[0] and "hidden" not in lines[0]
    assert "Sam" in lines[1] and "hidden by the host" in lines[1] and "Off topic" in lines[1]
    assert "(team)" in lines[2] and "Welcome, everyone" in lines[2]
    participants.participant_leave(participant=aroha)  # what she deletes leaves the report
    page = text(client.get(f"/runs/{run.code}/report/"))
    assert "Kia ora koutou" not in page and "Chat (2 messages)" in page
