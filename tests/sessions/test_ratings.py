"""Rating scales: declared in content, rated from phones, counted, shown, reported, exported."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from sessions.domain import exports, interactions, participants, ratings, selectors
from sessions.domain.permissions import ActionError, PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.live import actions, fragments
from sessions.live.broadcast import PARTICIPANTS, SCREEN, STAFF
from sessions.models import ExportRecord, Kind, Response, Run
from slides.content import ContentError, read_deck_folder, write_deck_folder
from slides.models import RatingScale
from slides.selectors import deck_data
from slides.services import deck_load

pytestmark = pytest.mark.django_db

STATEMENTS = ["I know where to find DPUP", "I could explain it to a colleague"]


def me(person):
    return actor_for_participant(person)


@pytest.fixture
def scale(live, actors):
    """An ad-hoc rating scale of two statements, 1 to 5, open now."""
    return interactions.interaction_create(
        run=live, actor=actors["fran"], kind="rating", text="How ready are you?",
        options=STATEMENTS, low_label="Not at all", high_label="Completely",
    )  # fmt: skip


def rate(run, person, item, statement, rating):
    return ratings.answer_rate(
        run=run, actor=me(person), interaction=item.pk, statement=statement, rating=rating
    )


# --- answering ------------------------------------------------------------------------------


def test_each_statement_is_rated_on_its_own_and_a_new_rating_replaces_the_old(live, people, scale):
    aroha = people[0]
    rate(live, aroha, scale, 1, 4)
    response = Response.objects.get(interaction=scale, participant=aroha)
    assert response.choices == [None, 4]
    rate(live, aroha, scale, 0, 2)
    rate(live, aroha, scale, 1, 5)
    rate(live, aroha, scale, 1, 5)  # sent twice (a reconnect): the same is stored
    response.refresh_from_db()
    assert response.choices == [2, 5]
    assert response.ratings == list(zip(STATEMENTS, [2, 5], strict=True))
    assert Response.objects.filter(interaction=scale).count() == 1


@pytest.mark.parametrize(
    ("statement", "rating", "message"),
    [(2, 3, "No such statement"), (0, 6, "from 1 to 5"), (0, 0, "from 1 to 5")],
)
def test_a_bad_rating_gets_a_clear_error_and_the_earlier_ratings_are_kept(
    live, people, scale, statement, rating, message
):
    rate(live, people[0], scale, 0, 3)
    with pytest.raises(ActionError, match=message):
        rate(live, people[0], scale, statement, rating)
    assert Response.objects.get(interaction=scale).choices == [3, None]


def test_ratings_go_only_to_an_open_rating_scale_and_only_from_participants(
    live, actors, people, scale
):
    with pytest.raises(PermissionDenied):
        ratings.answer_rate(run=live, actor=actors["fran"], interaction=scale.pk, statement=0,
                            rating=3)  # fmt: skip
    poll = interactions.interaction_create(
        run=live, actor=actors["fran"], kind="poll", text="Which?", options=["A", "B"]
    )
    with pytest.raises(ActionError, match="isn't a rating scale"):
        rate(live, people[0], poll, 0, 3)
    interactions.interaction_close(run=live, actor=actors["hana"], interaction=scale.pk)
    with pytest.raises(ActionError, match="isn't open"):
        rate(live, people[0], scale, 0, 3)
    assert not Response.objects.filter(interaction=scale).exists()


def test_the_socket_takes_whole_numbers_from_0_to_10_only():
    spec = actions.REGISTRY["answer.rate"]
    assert spec.clean({"interaction": 3, "statement": "1", "rating": "4"}) == {
        "interaction": 3, "statement": 1, "rating": 4,
    }  # fmt: skip
    for bad in (11, -1, 2.5, True, "four", None):
        with pytest.raises(actions.PayloadError):
            spec.clean({"interaction": 3, "statement": 0, "rating": bad})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"options": []}, "1 to 6 statements"),
        ({"options": [f"S{n}" for n in range(7)]}, "1 to 6 statements"),
        ({"options": ["Same", "Same"]}, "Each statement must be different"),
        ({"options": ["x" * 201]}, "to 200 characters"),
        ({"options": ["S"], "scale_low": 5, "scale_high": 5}, "lower to a higher"),
        ({"options": ["S"], "scale_low": 0, "scale_high": 11}, "lower to a higher"),
        ({"options": ["S"], "low_label": "x" * 81}, "under 80"),
    ],
)
def test_an_adhoc_rating_scale_needs_statements_and_a_sensible_scale(live, actors, fields, message):
    with pytest.raises(ActionError, match=message):
        interactions.interaction_create(
            run=live, actor=actors["fran"], kind="rating", text="Rate?", **fields
        )
    assert not live.interactions.filter(kind=Kind.RATING).exists()


def test_an_adhoc_scale_can_run_from_0_to_10(live, actors, people):
    item = interactions.interaction_create(
        run=live, actor=actors["fran"], kind="rating", text="How likely?", options=["S"],
        scale_low=0, scale_high=10,
    )  # fmt: skip
    rate(live, people[0], item, 0, 0)
    rate(live, people[1], item, 0, 10)
    (result,) = selectors.interaction_view(item, audience="staff").ratings
    assert result.mean == 5.0 and len(result.counts) == 11


# --- what each audience sees ----------------------------------------------------------------


def test_the_distribution_and_mean_reach_the_room_only_when_the_team_shows_them(
    live, actors, people, scale
):
    rate(live, people[0], scale, 0, 4)
    rate(live, people[1], scale, 0, 5)
    rate(live, people[2], scale, 0, 4)
    rate(live, people[2], scale, 1, 1)
    live = Run.objects.get(pk=live.pk)
    view = selectors.interaction_view(scale, audience="staff")
    first, second = view.ratings
    assert view.answered == 3
    assert first.counts == [(1, 0), (2, 0), (3, 0), (4, 2), (5, 1)]
    assert (first.mean, first.rated) == (4.3, 3)
    assert (second.mean, second.rated) == (1.0, 1)
    staff = fragments.render_live(live, STAFF)
    assert "mean <strong>4.3</strong> · 3 rated" in staff
    for audience in (PARTICIPANTS, SCREEN):
        assert "mean <strong>" not in fragments.render_live(live, audience)
    interactions.interaction_results(
        run=live, actor=actors["fran"], interaction=scale.pk, visible=True
    )
    live = Run.objects.get(pk=live.pk)
    for audience in (PARTICIPANTS, SCREEN):
        page = fragments.render_live(live, audience)
        assert "mean <strong>4.3</strong> · 3 rated" in page
        assert "1: Not at all · 5: Completely" in page


def test_the_phone_offers_each_statement_a_labelled_row_of_ratings(live, scale):
    page = fragments.render_live(Run.objects.get(pk=live.pk), PARTICIPANTS)
    for number, statement in enumerate(STATEMENTS):
        assert f"<legend>{statement}</legend>" in page
        assert f'id="rate-{scale.pk}-{number}-3"' in page
    assert 'aria-label="1, Not at all"' in page and 'aria-label="5, Completely"' in page


def test_a_participant_sees_their_own_ratings_in_their_state_and_in_your_data(live, people, scale):
    rate(live, people[0], scale, 1, 3)
    state = json.loads(selectors.personal_context(people[0])["state"])
    assert state["answers"][str(scale.pk)]["choices"] == [None, 3]
    records = selectors.participant_records(people[0])
    export = selectors.participant_export(live, people[0], records)
    assert export["answers_and_responses"][-1]["rated"] == [
        {"statement": STATEMENTS[0], "rating": None},
        {"statement": STATEMENTS[1], "rating": 3},
    ]
    assert export["answers_and_responses"][-1]["chose"] == []


def test_leaving_takes_a_persons_ratings_out_of_the_results(live, people, scale):
    rate(live, people[0], scale, 0, 5)
    rate(live, people[1], scale, 0, 1)
    participants.participant_leave(participant=people[0])
    first, _ = selectors.interaction_view(scale, audience="staff").ratings
    assert (first.mean, first.rated) == (1.0, 1)


def test_the_report_and_both_exports_hold_every_rating(live, actors, people, scale):
    rate(live, people[0], scale, 0, 4)
    rate(live, people[1], scale, 0, 4)
    rate(live, people[2], scale, 0, 4)
    rate(live, people[2], scale, 1, 2)
    context = selectors.report_context(Run.objects.get(pk=live.pk))
    (entry,) = [e for e in context["items"] if e.view.item.pk == scale.pk]
    assert entry.view.ratings[0].counts[3] == (4, 3)
    made = exports.run_export(
        run=live, actor=actors["fran"], what=ExportRecord.What.INTERACTION_CSV,
        interaction_key=scale.key,
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert rows[0] == ["Participant", *STATEMENTS, "Answered at"]
    assert [row[1:3] for row in rows[1:]] == [["4", ""], ["4", ""], ["4", "2"]]
    insights = exports.run_export(run=live, actor=actors["fran"], what="insights")
    lines = list(csv.reader(io.StringIO(insights.content.decode("utf-8-sig"))))
    counts = {row[3]: row[4] for row in lines if row[2] == scale.text}
    assert counts[f"{STATEMENTS[0]}: rated 4"] == "3"
    assert counts[f"{STATEMENTS[1]}: rated 2"] == "fewer than 3"
    assert not any("Aroha" in cell for row in lines for cell in row)


# --- content and admin ----------------------------------------------------------------------

DPUP = Path(__file__).resolve().parents[2] / "content" / "decks" / "dpup-intro"
RATING = (
    "rating:\n  key: journey-ready\n  question: How ready are you?\n  low: 0\n  high: 4\n"
    "  low_label: Not yet\n  high_label: Ready\n  statements:\n    - To ask\n    - To explain\n"
)


def _with_rating(tmp_path, front: str) -> Path:
    folder = tmp_path / "deck"
    shutil.copytree(DPUP, folder)
    slide = folder / "slides" / "05-the-journey.md"
    slide.write_text(slide.read_text().replace("---\n", f"---\n{front}", 1))
    return folder


def test_a_slide_declares_a_rating_scale_and_runs_open_it_with_the_slide(tmp_path, db):
    deck = deck_load(path=_with_rating(tmp_path, RATING))
    stored = RatingScale.objects.get(slide__deck=deck)
    assert (stored.key, stored.low, stored.high, stored.low_label) == ("journey-ready", 0, 4,
                                                                       "Not yet")  # fmt: skip
    assert [s.text for s in stored.statements.all()] == ["To ask", "To explain"]
    data = deck_data(deck)
    assert data.slide(5).rating.statements == ["To ask", "To explain"]
    out = tmp_path / "written"
    write_deck_folder(data, out)
    assert read_deck_folder(out).slide(5).rating == data.slide(5).rating


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("rating:\n  key: a\n  question: Q?\n", "statements"),
        ("rating:\n  key: a\n  question: Q?\n  statements: []\n", "at least 1"),
        ("rating:\n  key: a\n  question: Q?\n  statements: [A, A]\n", "listed twice"),
        (
            "rating:\n  key: a\n  question: Q?\n  statements: [A, B, C, D, E, F, G]\n",
            "6 statements",
        ),
        ("rating:\n  key: a\n  question: Q?\n  high: 11\n  statements: [A]\n", "10 at most"),
        ("rating:\n  key: a\n  question: Q?\n  low: 3\n  high: 2\n  statements: [A]\n", "upwards"),
        ("rating:\n  key: introductions\n  question: Q?\n  statements: [A]\n", "also used"),
    ],
)
def test_a_bad_rating_scale_in_content_names_the_file_and_the_problem(tmp_path, front, problem):
    with pytest.raises(ContentError) as caught:
        read_deck_folder(_with_rating(tmp_path, front))
    assert problem in str(caught.value) and "05-the-journey.md" in str(caught.value)


def test_the_admin_refuses_a_scale_that_does_not_run_upwards_or_a_taken_key(deck):
    slide = deck.slides.get(number=5)
    with pytest.raises(ValidationError, match="above the lowest"):
        RatingScale(slide=slide, key="ready", question="Q?", low=3, high=3).full_clean()
    with pytest.raises(ValidationError, match="A prompt"):
        RatingScale(slide=slide, key="introductions", question="Q?").full_clean()
    RatingScale(slide=slide, key="ready", question="Q?").full_clean()


def test_a_stored_value_of_the_wrong_shape_reads_as_not_rated(live, people, scale):
    rate(live, people[0], scale, 0, 4)
    Response.objects.filter(interaction=scale).update(choices={"odd": 1})
    (response,) = Response.objects.filter(interaction=scale)
    assert response.ratings == [(STATEMENTS[0], None), (STATEMENTS[1], None)]
    assert selectors.interaction_view(scale, audience="staff").answered == 0
