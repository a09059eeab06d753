"""Word clouds: declared in content, sent from phones, counted, moderated, reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from sessions.domain import interactions, participants, selectors, wordclouds
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.domain.wordcount import cloud
from sessions.live import actions, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import Kind, Response, Run
from slides.content import ContentError, read_deck_folder
from slides.models import WordCloud
from slides.selectors import deck_data
from slides.services import deck_load

pytestmark = pytest.mark.django_db


def me(person):
    return actor_for_participant(person)


@pytest.fixture
def words(live, actors):
    """An ad-hoc word cloud, open now, asking for up to three words."""
    item = interactions.interaction_create(
        run=live, actor=actors["fran"], kind="words", text="One word for DPUP?", max_words=3
    )
    return item


def send(run, person, item, sent):
    return wordclouds.answer_words(run=run, actor=me(person), interaction=item.pk, words=sent)


# --- counting -------------------------------------------------------------------------------


def test_words_count_together_whatever_their_case_but_macrons_keep_words_apart():
    shown, hidden = cloud(
        [], [["Whānau", "trust"], ["whānau"], ["whanau", "Trust"], ["WHĀNAU", "trust"]]
    )
    counted = {word.text: word.count for word in shown}
    # Case folds together (ties take the first spelling seen); a macron makes another word.
    assert counted == {"Whānau": 3, "trust": 3, "whanau": 1}
    assert hidden == []


def test_each_word_is_shown_in_the_spelling_most_people_used_and_sized_by_count():
    shown, _ = cloud([], [["Mana"], ["mana"], ["mana"], ["trust"]])
    assert [(w.text, w.count) for w in shown] == [("mana", 3), ("trust", 1)]
    assert shown[0].size == 5 and shown[1].size == 1


def test_a_hidden_word_leaves_the_cloud_but_the_team_sees_it_in_the_hidden_list():
    shown, hidden = cloud(["rubbish"], [["Rubbish", "trust"], ["rubbish"], ["rubbish"]])
    assert [w.text for w in shown] == ["trust"]
    assert hidden == ["rubbish"]


# --- answering ------------------------------------------------------------------------------


def test_words_are_cleaned_deduplicated_and_replace_the_persons_earlier_words(live, people, words):
    aroha = people[0]
    send(live, aroha, words, ["  Whānau ", "", "whānau", "trust\u202e"])
    response = Response.objects.get(interaction=words, participant=aroha)
    assert response.words == ["Whānau", "trust"]
    send(live, aroha, words, ["mana"])
    response.refresh_from_db()
    assert response.words == ["mana"]
    assert Response.objects.filter(interaction=words).count() == 1


def test_a_combining_macron_is_stored_as_the_one_letter_it_is(live, people, words):
    send(live, people[0], words, ["wha\u0304nau"])
    assert Response.objects.get(interaction=words).words == ["whānau"]


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ([], "Write a word"),
        (["", "  "], "Write a word"),
        (["one", "two", "three", "four"], "Up to 3 words each"),
        (["x" * 41], "under 40 characters"),
    ],
)
def test_bad_words_get_a_clear_error_and_nothing_is_stored(live, people, words, sent, message):
    with pytest.raises(ActionError, match=message):
        send(live, people[0], words, sent)
    assert not Response.objects.filter(interaction=words).exists()


def test_a_hidden_word_sent_again_is_refused_and_the_earlier_words_are_kept(
    live, actors, people, words
):
    send(live, people[0], words, ["trust", "mana"])
    wordclouds.words_hide(run=live, actor=actors["hana"], interaction=words.pk, word="Mana")
    with pytest.raises(ActionError, match="taken “MANA” off the word cloud"):
        send(live, people[0], words, ["trust", "MANA"])
    assert Response.objects.get(interaction=words).words == ["trust", "mana"]


def test_only_participants_send_words_and_only_the_team_hides_them(live, actors, people, words):
    with pytest.raises(PermissionDenied):
        wordclouds.answer_words(run=live, actor=actors["hana"], interaction=words.pk, words=["a"])
    with pytest.raises(PermissionDenied):
        wordclouds.words_hide(run=live, actor=me(people[0]), interaction=words.pk, word="a")
    with pytest.raises(PermissionDenied):
        wordclouds.words_hide(run=live, actor=actors["outsider"], interaction=words.pk, word="a")


def test_words_go_only_to_an_open_word_cloud(live, actors, people, words):
    poll = live.interactions.get(key="watched-intro-video")
    with pytest.raises(ActionError, match="isn't a word cloud"):
        wordclouds.answer_words(run=live, actor=me(people[0]), interaction=poll.pk, words=["a"])
    interactions.interaction_close(run=live, actor=actors["fran"], interaction=words.pk)
    with pytest.raises(ActionError, match="isn't open"):
        send(live, people[0], words, ["late"])


def test_the_socket_takes_words_as_a_list_or_one_box_and_refuses_other_shapes():
    spec = actions.REGISTRY["answer.words"]
    assert spec.clean({"interaction": 3, "words": "kia ora"})["words"] == ["kia ora"]
    assert spec.clean({"interaction": 3, "words": ["a", "b"]})["words"] == ["a", "b"]
    for bad in ({"x": 1}, [1, 2], ["a"] * 21, ["x" * 201]):
        with pytest.raises(actions.PayloadError):
            spec.clean({"interaction": 3, "words": bad})
    with pytest.raises(actions.PayloadError, match="characters"):
        spec.clean({"interaction": 3, "words": ["\ud800"]})


def test_an_adhoc_word_cloud_asks_for_one_to_ten_words(live, actors):
    with pytest.raises(ActionError, match="1 to 10 words"):
        interactions.interaction_create(
            run=live, actor=actors["fran"], kind="words", text="Too many?", max_words=11
        )
    item = interactions.interaction_create(
        run=live, actor=actors["fran"], kind="words", text="Two?", max_words=2
    )
    assert item.kind == Kind.WORDS and item.max_words == 2 and item.state == "open"


# --- what each audience sees ----------------------------------------------------------------


def test_results_stay_with_the_team_until_shown_then_reach_phones_and_the_screen(
    live, actors, people, words
):
    send(live, people[0], words, ["whānau", "trust"])
    send(live, people[1], words, ["whānau"])
    live = Run.objects.get(pk=live.pk)
    staff = fragments.render_live(live, STAFF)
    assert "whānau" in staff and "2</span> people sent words" in staff
    assert "whānau" not in fragments.render_live(live, PARTICIPANTS)
    assert "whānau" not in fragments.render_live(live, SCREEN)
    interactions.interaction_results(
        run=live, actor=actors["fran"], interaction=words.pk, visible=True
    )
    live = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        page = fragments.render_live(live, audience)
        assert '<bdi>whānau</bdi> <span class="cloud-count">2</span>' in page
    wordclouds.words_hide(run=live, actor=actors["hana"], interaction=words.pk, word="whānau")
    live = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        assert "whānau" not in fragments.render_live(live, audience)
    staff = fragments.render_live(live, STAFF)
    assert "Hidden from every screen" in staff and "Show again" in staff
    wordclouds.words_hide(
        run=live, actor=actors["hana"], interaction=words.pk, word="whānau", hidden=False
    )
    assert "whānau" in fragments.render_live(Run.objects.get(pk=live.pk), SCREEN)


def test_a_participant_sees_their_own_words_in_their_state_and_in_your_data(
    live, people, words, client
):
    send(live, people[0], words, ["kaitiaki", "trust"])
    state = json.loads(selectors.personal_context(people[0])["state"])
    assert state["answers"][str(words.pk)]["words"] == ["kaitiaki", "trust"]
    records = selectors.participant_records(people[0])
    export = selectors.participant_export(live, people[0], records)
    assert export["answers_and_responses"][-1]["sent_words"] == ["kaitiaki", "trust"]


def test_the_report_lists_every_word_with_its_count_and_the_hidden_ones(
    live, actors, people, words
):
    send(live, people[0], words, ["whānau", "rubbish"])
    send(live, people[1], words, ["Whānau"])
    wordclouds.words_hide(run=live, actor=actors["fran"], interaction=words.pk, word="rubbish")
    context = selectors.report_context(Run.objects.get(pk=live.pk))
    (entry,) = [e for e in context["items"] if e.view.item.pk == words.pk]
    assert [(w.text, w.count) for w in entry.view.cloud] == [("whānau", 2)]
    assert entry.view.hidden_words == ["rubbish"]


def test_leaving_deletes_a_persons_words_from_the_cloud(live, people, words):
    send(live, people[0], words, ["whānau"])
    participants.participant_leave(participant=people[0])
    view = selectors.interaction_view(words, audience="staff")
    assert view.cloud == [] and view.answered == 0


# --- content and admin ----------------------------------------------------------------------

DPUP = Path(__file__).resolve().parents[2] / "content" / "decks" / "dpup-intro"


def _with_words(tmp_path, front: str) -> Path:
    folder = tmp_path / "deck"
    shutil.copytree(DPUP, folder)
    slide = folder / "slides" / "05-the-journey.md"
    text = slide.read_text()
    slide.write_text(text.replace("---\n", f"---\n{front}", 1))
    return folder


def test_a_slide_declares_a_word_cloud_and_runs_open_it_with_the_slide(tmp_path, db):
    folder = _with_words(
        tmp_path, "words:\n  key: journey-words\n  question: One word?\n  max_words: 2\n"
    )
    deck = deck_load(path=folder)
    stored = WordCloud.objects.get(slide__deck=deck, slide__number=5)
    assert (stored.key, stored.question, stored.max_words) == ("journey-words", "One word?", 2)
    assert deck_data(deck).slide(5).words.max_words == 2


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("words:\n  key: a\n", "question"),
        ("words:\n  key: a\n  question: Q?\n  max_words: 11\n", "10 or fewer"),
        ("words:\n  key: a\n  question: Q?\n  max_words: 0\n", "whole number"),
        ("words:\n  key: introductions\n  question: Q?\n", "also used"),
    ],
)
def test_a_bad_word_cloud_in_content_names_the_file_and_the_problem(tmp_path, front, problem):
    folder = _with_words(tmp_path, front)
    with pytest.raises(ContentError) as caught:
        read_deck_folder(folder)
    assert problem in str(caught.value) and "05-the-journey.md" in str(caught.value)


def test_a_hidden_word_goes_with_the_data_of_the_person_who_sent_it(live, actors, people, words):
    send(live, people[0], words, ["Aroha Ngata"])
    send(live, people[1], words, ["trust"])
    wordclouds.words_hide(run=live, actor=actors["fran"], interaction=words.pk, word="Aroha Ngata")
    participants.participant_leave(participant=people[0])
    words.refresh_from_db()
    assert words.hidden_words == []
    page = fragments.render_live(Run.objects.get(pk=live.pk), STAFF)
    assert "aroha ngata" not in page.lower()
    with pytest.raises(ActionError, match="Nobody has sent that word"):
        wordclouds.words_hide(run=live, actor=actors["fran"], interaction=words.pk, word="Tama")


def test_a_live_cloud_shows_its_most_sent_words_and_says_how_many_more(live, actors, people, words):
    interactions.interaction_results(
        run=live, actor=actors["fran"], interaction=words.pk, visible=True
    )
    words.refresh_from_db()
    extra = [
        participants.participant_join(run=live, display_name=f"P{n}", show_name=False)
        for n in range(20)
    ]
    for n, person in enumerate(extra):
        send(live, person, words, [f"word{n}a", f"word{n}b", "trust"])
    view = selectors.interaction_view(words, audience=PARTICIPANTS)
    assert len(view.cloud) == 41 and view.cloud_more == 0
    for n, person in enumerate(extra):
        send(live, person, words, [f"word{n}a", f"word{n}b", f"word{n}c"])
    view = selectors.interaction_view(words, audience=PARTICIPANTS)
    assert len(view.cloud) == 50 and view.cloud_more == 10
    assert "and 10 more words" in fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    report = selectors.interaction_view(words, audience="staff", with_responses=False)
    assert len(report.cloud) == 60


def test_the_admin_refuses_a_key_another_kind_of_interaction_has(deck):
    slide = deck.slides.get(number=5)
    quiz_key = deck.questions.first().key
    for key, kind in (
        ("introductions", "prompt"),
        ("watched-intro-video", "poll"),
        (quiz_key, "quiz"),
    ):
        with pytest.raises(ValidationError, match=f"A {kind}"):
            WordCloud(slide=slide, key=key, question="Q?").full_clean()
    WordCloud(slide=slide, key="journey-words", question="Q?").full_clean()
