"""Rankings: declared in content or the admin, opened ad hoc, ordered on phones, combined by a
Borda count, shown when the team chooses, reported and exported."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from sessions.domain import interactions, participants, rankings, selectors
from sessions.domain.borda import borda, is_order
from sessions.domain.exports import run_export
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.live import actions, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import Kind, Response, Run
from slides.content import ContentError, deck_files, read_deck_folder
from slides.models import Ranking
from slides.selectors import deck_data
from slides.services import deck_load

pytestmark = pytest.mark.django_db

ITEMS = ["Trust", "Whānau", "Consent", "Purpose", "Access"]


def me(person):
    return actor_for_participant(person)


@pytest.fixture
def ranking(live, actors):
    """An ad-hoc ranking of five items, open now."""
    return interactions.interaction_create(
        run=live, actor=actors["fran"], kind="ranking", text="What matters most?", options=ITEMS
    )


def rank(run, person, item, order):
    return rankings.answer_rank(run=run, actor=me(person), interaction=item.pk, order=order)


# --- the Borda count ------------------------------------------------------------------------


def test_a_first_choice_scores_one_less_than_the_items_and_a_last_choice_nothing():
    combined, ranked = borda(["A", "B", "C"], [[0, 1, 2], [1, 0, 2], [1, 2, 0]])
    # A: 2 + 1 + 0, B: 1 + 2 + 2, C: 0 + 0 + 1
    assert ranked == 3
    assert [(row.text, row.score, row.place) for row in combined] == [
        ("B", 5, 1),
        ("A", 3, 2),
        ("C", 1, 3),
    ]
    # Each bar is drawn against the most an item could have: first for all three (3 × 2).
    assert [row.percent for row in combined] == [83, 50, 17]


def test_ties_keep_the_decks_order():
    combined, _ = borda(["A", "B", "C"], [[2, 1, 0], [1, 2, 0]])
    assert [(row.text, row.score) for row in combined] == [("B", 3), ("C", 3), ("A", 0)]


def test_nobody_ranked_gives_the_items_in_the_decks_order_with_nothing_scored():
    combined, ranked = borda(["A", "B"], [])
    assert ranked == 0 and [(r.text, r.score, r.percent) for r in combined] == [
        ("A", 0, 0),
        ("B", 0, 0),
    ]


def test_an_order_that_is_not_every_item_once_counts_for_nothing():
    combined, ranked = borda(["A", "B", "C"], [[0, 1, 2], [0, 0, 1], [2, 1], [], "012", None])
    assert ranked == 1 and [r.score for r in combined] == [2, 1, 0]
    assert not is_order([True, 0, 1], 3) and is_order([2, 0, 1], 3)


# --- ordering on a phone --------------------------------------------------------------------


def test_an_order_is_stored_and_sending_again_replaces_it(live, people, ranking):
    aroha = people[0]
    rank(live, aroha, ranking, [4, 3, 2, 1, 0])
    rank(live, aroha, ranking, [1, 0, 2, 3, 4])
    (response,) = Response.objects.filter(interaction=ranking)
    assert response.participant == aroha and response.choices == [1, 0, 2, 3, 4]


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ([0, 1, 2, 3], "Put all 5 items in order"),
        ([], "Put all 5 items in order"),
        ([0, 1, 2, 3, 3], "an item twice"),
        ([0, 1, 2, 3, 4, 4], "an item twice"),
        ([0, 1, 2, 3, 7], "doesn't have"),
        ([0, 1, 2, 3, -1], "doesn't have"),
        ([0, 1, 2, 3, "4"], "isn't one of the items"),
        ([0, 1, 2, 3, True], "isn't one of the items"),
    ],
)
def test_anything_but_every_item_once_is_refused_clearly_and_nothing_is_stored(
    live, people, ranking, order, message
):
    rank(live, people[0], ranking, [0, 1, 2, 3, 4])
    with pytest.raises(ActionError, match=message):
        rank(live, people[0], ranking, order)
    assert Response.objects.get(interaction=ranking).choices == [0, 1, 2, 3, 4]


def test_the_socket_takes_an_order_as_indexes_and_refuses_other_shapes():
    spec = actions.REGISTRY["answer.rank"]
    # A form's hidden inputs come as strings, in the list's order.
    assert spec.clean({"interaction": "3", "order": ["2", "0", "1"]})["order"] == [2, 0, 1]
    for bad in ("0,1,2", 3, [1.5, 0], [True, 0], ["x"], [0] * 21, {"0": 1}, None):
        with pytest.raises(actions.PayloadError, match="'order' is not valid"):
            spec.clean({"interaction": 3, "order": bad})


def test_only_participants_rank_and_only_an_open_ranking(live, actors, people, ranking):
    with pytest.raises(PermissionDenied):
        rankings.answer_rank(run=live, actor=actors["fran"], interaction=ranking.pk, order=[0])
    poll = live.interactions.get(key="watched-intro-video")
    with pytest.raises(ActionError, match="isn't a ranking"):
        rankings.answer_rank(run=live, actor=me(people[0]), interaction=poll.pk, order=[0, 1])
    interactions.interaction_close(run=live, actor=actors["fran"], interaction=ranking.pk)
    with pytest.raises(ActionError, match="isn't open"):
        rank(live, people[0], ranking, [0, 1, 2, 3, 4])
    assert not Response.objects.filter(interaction=ranking).exists()


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["Only one"], "2 to 10 items"),
        ([f"Item {n}" for n in range(11)], "2 to 10 items"),
        (["Trust", "trust"], "there twice"),
        (["Trust", "x" * 201], "200 characters"),
    ],
)
def test_an_adhoc_ranking_needs_two_to_ten_different_items(live, actors, items, message):
    with pytest.raises(ActionError, match=message):
        interactions.interaction_create(
            run=live, actor=actors["fran"], kind="ranking", text="Order?", options=items
        )
    assert not live.interactions.filter(kind=Kind.RANKING).exists()


def test_an_adhoc_ranking_opens_with_its_items(ranking):
    assert ranking.kind == Kind.RANKING and ranking.state == "open"
    assert ranking.options == ITEMS


# --- what each audience sees ----------------------------------------------------------------


def test_the_combined_order_stays_with_the_team_until_shown(live, actors, people, ranking):
    rank(live, people[0], ranking, [2, 0, 1, 3, 4])
    rank(live, people[1], ranking, [2, 1, 0, 4, 3])
    live = Run.objects.get(pk=live.pk)
    staff = fragments.render_live(live, STAFF)
    assert "2</span> people ranked" in staff
    assert "<strong>8</strong> points" in staff  # Consent: first twice, 4 + 4
    for audience in (PARTICIPANTS, SCREEN):
        page = fragments.render_live(live, audience)
        assert "points</span>" not in page and "Borda score" not in page
    interactions.interaction_results(
        run=live, actor=actors["fran"], interaction=ranking.pk, visible=True
    )
    live = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        page = fragments.render_live(live, audience)
        assert "2 people ranked: the combined order" in page
        assert "(out of 8)" in page
        chart = page[page.index('class="chart ranking-chart"') :]
        places = [chart.index(f"<bdi>{text}</bdi></span>") for text in ITEMS[:3]]
        assert places[2] < places[0] < places[1]  # Consent 8; Trust and Whānau 5, a tie


def test_the_phone_card_labels_every_move_with_its_item(live, ranking):
    page = fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    for text in ITEMS:
        assert f'aria-label="Move “{text}” up"' in page
        assert f'aria-label="Move “{text}” down"' in page
    assert 'data-rank-move="up" aria-label="Move “Trust” up" aria-disabled="true"' in page
    assert 'aria-label="Move “Access” down" aria-disabled="true"' in page
    assert "Send my order" in page and 'aria-live="polite"' in page


def test_a_person_sees_their_own_order_in_their_state_and_in_your_data(
    live, people, ranking, client
):
    rank(live, people[0], ranking, [4, 0, 1, 2, 3])
    state = json.loads(selectors.personal_context(people[0])["state"])
    assert state["answers"][str(ranking.pk)]["choices"] == [4, 0, 1, 2, 3]
    records = selectors.participant_records(people[0])
    export = selectors.participant_export(live, people[0], records)
    (answer,) = [a for a in export["answers_and_responses"] if a["kind"] == "Ranking"]
    assert answer["ranked_top_first"] == ["Access", "Trust", "Whānau", "Consent", "Purpose"]
    assert "chose" not in answer


def test_the_report_has_the_combined_order_with_scores(live, actors, people, ranking):
    rank(live, people[0], ranking, [1, 0, 2, 3, 4])
    rank(live, people[1], ranking, [1, 2, 0, 3, 4])
    context = selectors.report_context(Run.objects.get(pk=live.pk))
    (entry,) = [e for e in context["items"] if e.view.item.pk == ranking.pk]
    assert [(r.text, r.score) for r in entry.view.ranking][:3] == [
        ("Whānau", 8),
        ("Trust", 5),
        ("Consent", 5),
    ]
    assert entry.view.answered == 2


def test_the_exports_give_the_team_each_order_and_insights_the_scores_only(
    live, actors, people, ranking
):
    rank(live, people[0], ranking, [1, 0, 2, 3, 4])
    rank(live, people[1], ranking, [1, 2, 0, 3, 4])
    rank(live, people[2], ranking, [0, 1, 2, 3, 4])
    fran = actors["fran"]
    team = run_export(run=live, actor=fran, what="interaction-csv", interaction_key=ranking.key)
    rows = list(csv.reader(io.StringIO(team.content.decode("utf-8-sig"))))
    assert rows[0] == ["Participant", "Order", "Answered at"]
    assert rows[1][1] == "1. Whānau; 2. Trust; 3. Consent; 4. Purpose; 5. Access"
    assert len(rows) == 4
    insights = run_export(run=live, actor=fran, what="insights")
    text = insights.content.decode("utf-8-sig")
    lines = [row for row in csv.reader(io.StringIO(text)) if row[2] == "What matters most?"]
    # Scores are not numbers of people: written as they are, once enough people ranked.
    assert [row[3:] for row in lines] == [
        ["People who ranked the items", "3"],
        ["1. Whānau (Borda score)", "11"],
        ["2. Trust (Borda score)", "9"],
        ["3. Consent (Borda score)", "7"],
        ["4. Purpose (Borda score)", "3"],
        ["5. Access (Borda score)", "0"],
    ]
    for person in people[:3]:
        assert not person.display_name or person.display_name not in text
    # Fewer people than that: only how many, or the scores would tell what each chose.
    participants.participant_leave(participant=people[2])
    text = run_export(run=live, actor=fran, what="insights").content.decode("utf-8-sig")
    lines = [row for row in csv.reader(io.StringIO(text)) if row[2] == "What matters most?"]
    assert [row[3:] for row in lines] == [["People who ranked the items", "fewer than 3"]]


# --- content --------------------------------------------------------------------------------

DPUP = Path(__file__).resolve().parents[2] / "content" / "decks" / "dpup-intro"
FRONT = "ranking:\n  key: journey-order\n  question: What matters most?\n  items:\n"


def _with_ranking(tmp_path, front: str) -> Path:
    folder = tmp_path / "deck"
    shutil.copytree(DPUP, folder)
    slide = folder / "slides" / "05-the-journey.md"
    text = slide.read_text()
    slide.write_text(text.replace("title: The Journey\n", f"title: The Journey\n{front}", 1))
    return folder


def test_a_slide_declares_a_ranking_that_loads_copies_into_runs_and_writes_back_the_same(
    tmp_path, db
):
    front = FRONT + "  - Trust\n  - Whānau\n  - Consent\n"
    folder = _with_ranking(tmp_path, front)
    deck = deck_load(path=folder)
    stored = Ranking.objects.get(slide__deck=deck)
    assert (stored.key, stored.question) == ("journey-order", "What matters most?")
    assert [i.text for i in stored.items.all()] == ["Trust", "Whānau", "Consent"]
    data = deck_data(deck)
    assert data.slide(5).ranking.items == ["Trust", "Whānau", "Consent"]
    # Written back out, the slide's file is byte for byte the one that was read.
    written = deck_files(data)["slides/05-the-journey.md"]
    assert written == (folder / "slides" / "05-the-journey.md").read_text()


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("ranking:\n  key: a\n  question: Q?\n", "missing 'items'"),
        (FRONT + "  - Only one\n", "at least 2"),
        (FRONT + "".join(f"  - Item {n}\n" for n in range(11)), "at most 10 items"),
        (FRONT + "  - Trust\n  - trust\n", "listed twice"),
        (FRONT + "  - Trust\n  - ''\n", "non-empty text"),
        (FRONT + "  - Trust\n  - Yes\n", "quote Yes"),
        (FRONT + "  - Trust\n  - " + "x" * 201 + "\n", "longer than 200"),
        ("ranking:\n  key: a\n  question: Q?\n  items: Trust\n", "must be a list"),
        ("ranking:\n  key: introductions\n  question: Q?\n  items: [A, B]\n", "also used"),
        ("ranking:\n  key: a\n  question: Q?\n  items: [A, B]\n  shuffle: true\n", "unknown key"),
    ],
)
def test_a_bad_ranking_in_content_names_the_file_and_the_problem(tmp_path, front, problem):
    folder = _with_ranking(tmp_path, front)
    with pytest.raises(ContentError) as caught:
        read_deck_folder(folder)
    assert problem in str(caught.value) and "05-the-journey.md" in str(caught.value)


def test_a_runs_copy_of_a_deck_ranking_opens_with_its_slide(tmp_path, db, users, monkeypatch):
    from django.utils import timezone

    from sessions import models
    from sessions.domain import runs
    from sessions.domain.selectors import actor_for_user

    # Frozen decks are kept per process by run id, and a test's run ids come round again.
    monkeypatch.setattr(models, "_decks", {})
    deck = deck_load(path=_with_ranking(tmp_path, FRONT + "  - Trust\n  - Consent\n"))
    run = runs.run_create(
        deck=deck, facilitator=users["fran"], title="With a ranking", scheduled_at=timezone.now()
    )
    fran = actor_for_user(run, users["fran"])
    runs.run_start(run=run, actor=fran)
    runs.slide_goto(run=Run.objects.get(pk=run.pk), actor=fran, number=5)
    item = run.interactions.get(key="journey-order")
    assert item.kind == Kind.RANKING and item.state == "open"
    assert item.options == ["Trust", "Consent"] and item.slide_number == 5


# --- the admin: items (and a poll's options) on the slide's own page --------------------------


@pytest.fixture
def admin_client(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root", "root@example.org", "x-long-pass-1")
    client.force_login(user)
    return client


def _slide_page(admin_client, deck, number):
    from tests.slides.test_admin import _form_data

    url = f"/admin/slides/slide/{deck.slides.get(number=number).pk}/change/"
    return url, _form_data(admin_client.get(url))


def test_the_slide_page_adds_a_ranking_with_its_items_one_per_line(admin_client, deck):
    url, data = _slide_page(admin_client, deck, 5)
    data |= {
        "ranking-TOTAL_FORMS": "1",
        "ranking-0-key": "journey-order",
        "ranking-0-question": "What matters most?",
        "ranking-0-lines": "Trust\r\n Whānau \r\nConsent\r\n",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    stored = Ranking.objects.get(slide__deck=deck)
    assert [i.text for i in stored.items.all()] == ["Trust", "Whānau", "Consent"]
    # The page shows them back one per line; changing the lines rewrites the items.
    url, data = _slide_page(admin_client, deck, 5)
    assert data["ranking-0-lines"] == "Trust\nWhānau\nConsent"
    data["ranking-0-lines"] = "Consent\nTrust"
    assert admin_client.post(url, data).status_code == 302
    assert [i.text for i in stored.items.all()] == ["Consent", "Trust"]
    assert deck_data(deck).slide(5).ranking.items == ["Consent", "Trust"]


def test_the_slide_page_edits_a_polls_options_one_per_line(admin_client, deck):
    url, data = _slide_page(admin_client, deck, 2)
    assert data["poll-0-lines"] == "Yes\nNot yet"
    data["poll-0-lines"] = "Yes\nNot yet\nI'm not sure"
    assert admin_client.post(url, data).status_code == 302
    assert deck_data(deck).slide(2).poll.options == ["Yes", "Not yet", "I'm not sure"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("Only one", "Write 2 to 10 lines, one each: there are 1."),
        ("\n".join(f"Option {n}" for n in range(11)), "there are 11"),
        ("Yes\n\nNo", "Take out the empty line"),
        ("Yes\nyes", "“yes” is there twice"),
        ("Yes\n" + "x" * 201, "Keep each line to 200 characters"),
        ("", "there are 0"),
    ],
)
def test_bad_lines_are_refused_beside_the_field_and_nothing_changes(
    admin_client, deck, lines, message
):
    url, data = _slide_page(admin_client, deck, 2)
    data["poll-0-lines"] = lines
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert deck_data(deck).slide(2).poll.options == ["Yes", "Not yet"]
