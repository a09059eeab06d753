"""Open questions: declared in content, answered on phones, read and moderated by the team,
shown to the room without names, reported, exported and deleted with a person's data."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from sessions.domain import interactions, opentext, participants, runs, selectors
from sessions.domain.exports import run_export
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.live import actions, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import Kind, Response, Run, _decks
from slides.content import ContentError, read_deck_folder, write_deck_folder
from slides.models import OpenText
from slides.selectors import deck_data
from slides.services import deck_load

pytestmark = pytest.mark.django_db

LONG = "A thought that goes on. " * 30  # 720 characters


def me(person):
    return actor_for_participant(person)


@pytest.fixture
def question(live, actors):
    """An ad-hoc open question, open now."""
    return interactions.interaction_create(
        run=live, actor=actors["fran"], kind="text", text="What would you tell a new colleague?"
    )


def answer(run, person, item, text):
    return opentext.answer_text(run=run, actor=me(person), interaction=item.pk, text=text)


def shown(run, actors, item):
    interactions.interaction_results(
        run=run, actor=actors["fran"], interaction=item.pk, visible=True
    )
    item.refresh_from_db()
    return Run.objects.get(pk=run.pk)


# --- answering ------------------------------------------------------------------------------


def test_an_answer_is_stored_cleaned_and_sending_again_replaces_it(live, people, question):
    answer(live, people[0], question, "  Ask before you share.  ")
    stored = Response.objects.get(interaction=question, participant=people[0])
    assert stored.text == "Ask before you share."
    answer(live, people[0], question, "Ask first,\nthen share.")
    stored.refresh_from_db()
    assert stored.text == "Ask first,\nthen share."
    assert Response.objects.filter(interaction=question).count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write your answer first"),
        ("   \n\t ", "Write your answer first"),
        ("x" * 1001, "Keep it to 1000 characters: yours has 1001"),
    ],
)
def test_an_empty_or_too_long_answer_is_refused_and_nothing_is_stored(
    live, people, question, text, message
):
    answer(live, people[0], question, "My first answer")
    with pytest.raises(ActionError, match=message):
        answer(live, people[0], question, text)
    assert Response.objects.get(interaction=question).text == "My first answer"


def test_the_longest_answer_is_as_long_as_a_share_out_response():
    from sessions.domain.answers import RESPONSE_MAX

    assert opentext.TEXT_MAX == RESPONSE_MAX == 1000


def test_a_closed_question_or_another_kind_refuses_answers(live, actors, people, question):
    poll = live.interactions.get(key="watched-intro-video")
    with pytest.raises(ActionError, match="isn't an open question"):
        opentext.answer_text(run=live, actor=me(people[0]), interaction=poll.pk, text="Hi")
    interactions.interaction_close(run=live, actor=actors["fran"], interaction=question.pk)
    with pytest.raises(ActionError, match="isn't open"):
        answer(live, people[0], question, "Too late")
    assert not Response.objects.filter(interaction=question).exists()


def test_only_participants_answer_and_only_the_team_hides_and_keeps(live, actors, people, question):
    response = answer(live, people[0], question, "Mine")
    with pytest.raises(PermissionDenied):
        opentext.answer_text(run=live, actor=actors["hana"], interaction=question.pk, text="x")
    for service in (opentext.text_hide, opentext.text_keep):
        for actor in (me(people[1]), actors["outsider"]):
            with pytest.raises(PermissionDenied):
                service(run=live, actor=actor, response=response.pk)


def test_hide_and_keep_take_only_an_answer_to_an_open_question_of_this_run(
    live, actors, people, question
):
    intro = live.interactions.get(key="introductions")
    from sessions.domain import answers

    prompt_response = answers.answer_write(
        run=live, actor=me(people[0]), interaction=intro.pk, text="Kia ora"
    )
    for bad in (prompt_response.pk, 999_999):
        with pytest.raises(ActionError, match="No such answer"):
            opentext.text_hide(run=live, actor=actors["fran"], response=bad)
        with pytest.raises(ActionError, match="No such answer"):
            opentext.text_keep(run=live, actor=actors["fran"], response=bad)


def test_the_socket_validates_the_payloads():
    spec = actions.REGISTRY["answer.text"]
    assert spec.clean({"interaction": "3", "text": "Kia ora"}) == {
        "interaction": 3,
        "text": "Kia ora",
    }
    for bad in ({"interaction": 3}, {"interaction": 3, "text": 5}, {"interaction": 0, "text": "a"}):
        with pytest.raises(actions.PayloadError):
            spec.clean(bad)
    with pytest.raises(actions.PayloadError):
        spec.clean({"interaction": 3, "text": "x" * 2001})
    hide, keep = actions.REGISTRY["text.hide"], actions.REGISTRY["text.keep"]
    assert hide.clean({"response": 4, "hidden": "false"}) == {"response": 4, "hidden": False}
    assert keep.clean({"response": "4", "kept": True}) == {"response": 4, "kept": True}
    for spec, flag in ((hide, "hidden"), (keep, "kept")):
        for bad in ({"response": "x"}, {"response": 4, flag: "maybe"}, {"response": 4, "y": 1}):
            with pytest.raises(actions.PayloadError):
                spec.clean(bad)


def test_an_adhoc_open_question_opens_at_once(live, actors, question):
    assert question.kind == Kind.TEXT and question.state == "open"
    assert question.results_visible == live.poll_results_visible


# --- what each audience sees ----------------------------------------------------------------


def test_the_phone_card_has_a_labelled_box_a_count_and_a_send_button(live, people, question):
    page = fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    assert f'<label for="open-text-{question.pk}">Your answer</label>' in page
    assert f'maxlength="{opentext.TEXT_MAX}"' in page
    assert f'aria-describedby="open-count-{question.pk}"' in page
    assert "Up to 1000 characters" in page and "Send my answer" in page


def test_the_team_sees_every_answer_by_name_newest_first_with_its_buttons(
    live, actors, people, question
):
    first = answer(live, people[0], question, "First thought")
    second = answer(live, people[1], question, "Second thought")
    opentext.text_hide(run=live, actor=actors["fran"], response=first.pk)
    opentext.text_keep(run=live, actor=actors["hana"], response=second.pk)
    staff = fragments.render_live(Run.objects.get(pk=live.pk), STAFF)
    assert staff.index("Second thought") < staff.index("First thought")
    assert "Aroha" in staff and "Sam" in staff
    assert f'id="answered-{question.pk}">2</span> answers · 1 hidden from the room' in staff
    assert "1 kept for insights" in staff
    assert f'"action": "text.hide", "response": {first.pk}, "hidden": false' in staff
    assert "Show to the room" in staff and "Don’t keep" in staff
    assert f'"action": "text.keep", "response": {first.pk}, "kept": true' in staff


def test_the_room_sees_answers_only_once_shown_never_names_and_never_a_hidden_one(
    live, actors, people, question
):
    first = answer(live, people[0], question, "Trust is earned")
    answer(live, people[1], question, "Say why you ask")
    run = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        assert "Trust is earned" not in fragments.render_live(run, audience)
    run = shown(run, actors, question)
    for audience in (PARTICIPANTS, SCREEN):
        page = fragments.render_live(run, audience)
        assert page.index("Say why you ask") < page.index("Trust is earned")
        assert "2 answers, newest first" in page
        assert "Aroha" not in page and "Sam" not in page
    opentext.text_hide(run=run, actor=actors["fran"], response=first.pk)
    run = Run.objects.get(pk=run.pk)
    for audience in (PARTICIPANTS, SCREEN):
        page = fragments.render_live(run, audience)
        assert "Trust is earned" not in page and "1 answer, newest first" in page
    opentext.text_hide(run=run, actor=actors["fran"], response=first.pk, hidden=False)
    assert "Trust is earned" in fragments.render_live(Run.objects.get(pk=run.pk), SCREEN)


def test_a_phone_shows_the_newest_answers_and_says_how_many_more(live, actors, question):
    run = shown(live, actors, question)
    extra = [
        participants.participant_join(run=run, display_name=f"P{n}", show_name=False)
        for n in range(14)
    ]
    for n, person in enumerate(extra):
        answer(run, person, question, f"answer number {n}")
    view = selectors.interaction_view(question, audience=PARTICIPANTS)
    assert [a.text for a in view.answers][:2] == ["answer number 13", "answer number 12"]
    assert len(view.answers) == selectors.OPEN_SHOWN[PARTICIPANTS] and view.answers_more == 4
    assert "and 4 more answers" in fragments.render_live(Run.objects.get(pk=run.pk), PARTICIPANTS)
    screen = selectors.interaction_view(question, audience=SCREEN)
    assert len(screen.answers) == 14 and screen.answers_more == 0


def test_an_answer_goes_beside_the_slide_on_the_screen_once_shown(live, actors, people, question):
    answer(live, people[0], question, LONG)
    run = shown(live, actors, question)
    page = fragments.render_live(run, SCREEN)
    assert 'class="aside-card"' in page and "data-fit-answers" in page
    assert LONG.strip() in page


def test_a_person_sees_their_own_answer_and_whether_the_team_hid_it(live, actors, people, question):
    response = answer(live, people[0], question, "Only mine")
    state = json.loads(selectors.personal_context(people[0])["state"])
    assert state["answers"][str(question.pk)]["text"] == "Only mine"
    assert "hidden" not in state["answers"][str(question.pk)]
    opentext.text_hide(run=live, actor=actors["fran"], response=response.pk)
    state = json.loads(selectors.personal_context(people[0])["state"])
    assert state["answers"][str(question.pk)]["hidden"] is True
    card = fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    assert f'data-my-answer="{question.pk}" data-kind="text"' in card


def test_a_hidden_answer_stays_hidden_and_only_new_words_need_reviewing_again(
    live, actors, people, question
):
    response = answer(live, people[0], question, "First")
    opentext.text_hide(run=live, actor=actors["fran"], response=response.pk)
    opentext.text_keep(run=live, actor=actors["fran"], response=response.pk)
    answer(live, people[0], question, "First")  # sent again as it was (the box refills)
    response.refresh_from_db()
    assert (response.hidden, response.kept) == (True, True)
    answer(live, people[0], question, "Second, different")
    response.refresh_from_db()
    assert (response.hidden, response.kept) == (True, False)  # still off the room's screens


def test_an_open_question_keeps_its_answers_from_the_room_until_the_team_shows_them(live, actors):
    runs.run_update(run=live, actor=actors["fran"], poll_results_visible=True)
    item = interactions.interaction_create(
        run=Run.objects.get(pk=live.pk), actor=actors["fran"], kind="text", text="Why?"
    )
    poll = interactions.interaction_create(
        run=Run.objects.get(pk=live.pk), actor=actors["fran"], kind="poll", text="Which?",
        options=["A", "B"],
    )  # fmt: skip
    assert (item.results_visible, poll.results_visible) == (False, True)


# --- the report, exports and "Your data" ----------------------------------------------------


def test_the_report_lists_every_answer_by_name_with_hidden_and_kept(live, actors, people, question):
    first = answer(live, people[0], question, "Aroha's words")
    second = answer(live, people[1], question, "Sam's words")
    opentext.text_hide(run=live, actor=actors["fran"], response=first.pk)
    opentext.text_keep(run=live, actor=actors["fran"], response=second.pk)
    context = selectors.report_context(Run.objects.get(pk=live.pk))
    (entry,) = [e for e in context["items"] if e.view.item.pk == question.pk]
    assert [(a.participant.display_name, a.hidden, a.kept) for a in entry.view.answers] == [
        ("Sam", False, True),
        ("Aroha", True, False),
    ]
    page = render_to_string("runs/report.html", context)
    assert 'Aroha</bdi> · hidden from the room:</span> <span dir="auto">Aroha&#x27;s words' in page
    assert "Sam</bdi> · kept for insights:</span>" in page


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_names_who_wrote_what_and_marks_hidden_and_kept(live, actors, people, question):
    first = answer(live, people[0], question, "=1+1 is not a formula here")
    opentext.text_hide(run=live, actor=actors["fran"], response=first.pk)
    second = answer(live, people[1], question, "Keep me")
    opentext.text_keep(run=live, actor=actors["fran"], response=second.pk)
    made = run_export(
        run=live, actor=actors["fran"], what="interaction-csv", interaction_key=question.key
    )
    header, *body = _csv(made.content)
    assert header == ["Participant", "Answer", "Hidden", "Kept for insights", "Answered at"]
    assert [row[:4] for row in body] == [
        ["Aroha", "'=1+1 is not a formula here", "yes", ""],
        ["Sam", "Keep me", "", "yes"],
    ]


def test_deleting_your_data_takes_your_answer_out_of_the_report_and_later_exports(
    live, actors, people, question
):
    mine = answer(live, people[0], question, "Aroha wrote this")
    opentext.text_keep(run=live, actor=actors["fran"], response=mine.pk)
    answer(live, people[1], question, "Sam wrote this")
    records = selectors.participant_records(people[0])
    export = selectors.participant_export(live, people[0], records)
    (own,) = [a for a in export["answers_and_responses"] if a["kind"] == "Open question"]
    assert own["wrote"] == "Aroha wrote this" and own["hidden_from_the_room"] is False
    assert own["kept_for_the_insights_export"] is True
    participants.participant_leave(participant=people[0])
    run = Run.objects.get(pk=live.pk)
    page = render_to_string("runs/report.html", selectors.report_context(run))
    assert "Aroha wrote this" not in page and "Sam wrote this" in page
    for what, key in (("interaction-csv", question.key), ("insights", "")):
        content = run_export(run=run, actor=actors["fran"], what=what, interaction_key=key).content
        assert "Aroha wrote this" not in content.decode("utf-8-sig")


# --- content and admin ----------------------------------------------------------------------

DPUP = Path(__file__).resolve().parents[2] / "content" / "decks" / "dpup-intro"


THOUGHTS = "open:\n  key: journey-thoughts\n  question: What surprised you?\n"


def _with_open(tmp_path, front: str) -> Path:
    folder = tmp_path / "deck"
    shutil.copytree(DPUP, folder)
    slide = folder / "slides" / "05-the-journey.md"
    text = slide.read_text()
    head, rest = text[4:].split("---\n", 1)  # after the opening "---\n": the front matter
    slide.write_text(f"---\n{head}{front}---\n{rest}")
    return folder


def test_a_slide_declares_an_open_question_and_it_is_written_back_the_same(tmp_path, db):
    folder = _with_open(
        tmp_path, "open:\n  key: journey-thoughts\n  question: What surprised you?\n"
    )
    deck = deck_load(path=folder)
    stored = OpenText.objects.get(slide__deck=deck)
    assert (stored.key, stored.question) == ("journey-thoughts", "What surprised you?")
    out = tmp_path / "out"
    write_deck_folder(deck_data(deck), out)
    name = "slides/05-the-journey.md"
    assert (out / name).read_bytes() == (folder / name).read_bytes()


def test_a_run_copies_the_slides_open_question_and_opens_it_with_the_slide(tmp_path, db, users):
    folder = _with_open(
        tmp_path, "open:\n  key: journey-thoughts\n  question: What surprised you?\n"
    )
    deck = deck_load(path=folder)
    _decks.clear()  # runs of other tests' decks may have had this run's id in this process
    run = runs.run_create(
        deck=deck, facilitator=users["fran"], title="Open",
        scheduled_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        agency_name="", agency_initiatives="",
    )  # fmt: skip
    item = run.interactions.get(key="journey-thoughts")
    assert (item.kind, item.slide_number, item.text) == (Kind.TEXT, 5, "What surprised you?")
    fran = selectors.actor_for_user(run, users["fran"])
    runs.run_update(run=run, actor=fran, waiting_room=False)
    runs.run_start(run=run, actor=fran)
    runs.slide_goto(run=Run.objects.get(pk=run.pk), actor=fran, number=5)
    item.refresh_from_db()
    assert item.state == "open"


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("open:\n  key: a\n", "question"),
        ("open:\n  question: Q?\n", "key"),
        ("open:\n  key: Not A Key\n  question: Q?\n", "lowercase letters"),
        ("open:\n  key: a\n  question: ''\n", "non-empty text"),
        (f"open:\n  key: a\n  question: {'q' * 301}\n", "longer than 300"),
        ("open:\n  key: a\n  question: Q?\n  max_words: 2\n", "max_words"),
        ("open: yes\n", "open"),
        ("open:\n  key: introductions\n  question: Q?\n", "also used"),
    ],
)
def test_a_bad_open_question_in_content_names_the_file_and_the_problem(tmp_path, front, problem):
    folder = _with_open(tmp_path, front)
    with pytest.raises(ContentError) as caught:
        read_deck_folder(folder)
    assert problem in str(caught.value) and "05-the-journey.md" in str(caught.value)


def test_the_admin_refuses_a_key_another_interaction_of_the_deck_has(deck):
    slide = deck.slides.get(number=5)
    with pytest.raises(ValidationError, match="A prompt"):
        OpenText(slide=slide, key="introductions", question="Q?").full_clean()
    OpenText(slide=slide, key="journey-thoughts", question="Q?").full_clean()


def test_the_teams_live_list_holds_the_newest_hundred_and_the_report_every_answer(
    live, actors, question
):
    for n in range(103):
        person = participants.participant_join(run=live, display_name=f"P{n}")
        answer(live, person, question, f"Answer {n}")
    live_view = selectors.interaction_view(question, audience="staff")
    assert len(live_view.answers) == 100 and live_view.answers_more == 3
    assert live_view.answers[0].text == "Answer 102"  # the newest first
    page = fragments.render_live(Run.objects.get(pk=live.pk), STAFF)
    assert "and 3 earlier answers: every answer is in the report." in page
    report = selectors.interaction_view(question, audience="staff", with_responses=False)
    assert len(report.answers) == 103 and report.answers_more == 0
