from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quiz.models import Choice, Question
from slides import services
from slides.content import ContentError, read_deck_folder, write_deck_folder
from slides.models import Deck, Segment, Slide
from slides.selectors import deck_data
from slides.services import deck_load
from tests.conftest import DPUP

PRINCIPLES = ["He Tāngata", "Manaakitanga", "Mana Whakahaere", "Kaitiakitanga", "Mahitahitanga"]
GUIDELINES = [
    "Purpose Matters",
    "Transparency and Choice",
    "Access to Information",
    "Sharing Value",
]


def test_bundled_deck_loads_complete(deck):
    assert deck.slug == "dpup-intro"
    assert deck.slides.count() == 29
    segments = list(deck.segments.all())
    assert [s.minutes for s in segments] == [10, 5, 10, 10, 20, 5, 5, 10, 15]
    assert deck.total_minutes == 90
    assert deck.short_total_minutes == 60
    assert [s.owners for s in segments][:2] == [["host"], ["host"]]
    assert segments[7].owners == ["facilitator", "presenter"]
    assert segments[8].owners == ["facilitator", "host", "presenter"]
    principles = deck.slides.get(number=13)
    assert all(name in principles.body for name in PRINCIPLES)
    guidelines = deck.slides.get(number=14)
    assert all(name in guidelines.body for name in GUIDELINES)
    assert deck.questions.count() == 6
    assert [(q.slide.number, q.answer_slide.number) for q in deck.questions.all()] == [
        (n, n + 1) for n in range(17, 29, 2)
    ]


def test_bundled_deck_is_clean_of_extraction_damage(deck):
    text = "\n".join(f"{s.title}\n{s.body}\n{s.notes}" for s in deck.slides.all())
    for damage in ("Actearoa", "whana ", "umay", "Tangata", "Maori", "whanau"):
        assert damage not in text
    for word in ("Aotearoa", "whānau", "Māori", "Oranga Tamariki", "te ao Māori"):
        assert word in text
    # The "0 mins" block repeats slides 3-5 in the source: each paragraph appears once.
    assert text.count("Before DPUP was developed, there was some guidance") == 1
    assert text.count("As with any power, if data and information are misused") == 1


def test_interactions_are_structured(deck):
    intro = deck.slides.get(number=2)
    assert intro.poll.question == "Have you watched the Introduction to DPUP video?"
    assert intro.videos.get().page_url == "https://digital.govt.nz/dpup/toolkit"
    assert intro.videos.get().url == ""  # the notes give no address: admins set it
    guideline_videos = deck.slides.get(number=14).videos.values_list("title", flat=True)
    assert len(guideline_videos) == 4
    prompts = {s.number: s.prompt for s in deck.slides.filter(prompt__isnull=False)}
    assert sorted(prompts) == [1, 3, 8, 9, 14]
    assert prompts[9].breakouts is True
    agency = deck.slides.get(number=16)
    assert "{agency}" in agency.title and "{initiatives}" in agency.body


def test_load_is_idempotent(deck):
    ids = sorted(Slide.objects.values_list("id", flat=True))
    choice_ids = sorted(Choice.objects.values_list("id", flat=True))
    before = deck_data(deck)
    again = deck_load(path=DPUP)
    assert again.pk == deck.pk
    assert deck_data(again) == before
    assert sorted(Slide.objects.values_list("id", flat=True)) == ids
    assert sorted(Choice.objects.values_list("id", flat=True)) == choice_ids
    assert Deck.objects.count() == 1 and Segment.objects.count() == 9


def test_reload_applies_changes_and_keeps_rows(deck, deck_copy):
    slide = deck_copy / "slides" / "12-structure.md"
    slide.write_text(slide.read_text().replace("title: The structure", "title: How DPUP fits"))
    original_id = deck.slides.get(number=12).pk
    deck_load(path=deck_copy)
    changed = Slide.objects.get(number=12)
    assert changed.title == "How DPUP fits" and changed.pk == original_id


def test_round_trip_is_byte_exact(deck, tmp_path):
    out = tmp_path / "export"
    call_command("export_deck", "dpup-intro", str(out))
    expected = sorted(p.relative_to(DPUP) for p in DPUP.rglob("*") if p.is_file())
    actual = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert actual == expected
    for relative in expected:
        assert (out / relative).read_bytes() == (DPUP / relative).read_bytes(), relative


def test_export_includes_admin_edits(deck, tmp_path):
    Slide.objects.filter(deck=deck, number=4).update(title="Why it matters")
    write_deck_folder(deck_data(deck), tmp_path)
    assert "title: Why it matters\n" in (tmp_path / "slides" / "04-starts-with-why.md").read_text()
    assert read_deck_folder(tmp_path).slides[3].title == "Why it matters"


def test_export_unknown_deck_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No deck 'nope'"):
        call_command("export_deck", "nope", str(tmp_path))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


BAD_FILES = [
    pytest.param(
        "deck.yaml",
        "segments:\n",
        "segments: [\n",
        "deck.yaml:",
        "not valid YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        "deck.yaml", "title: An Intro", "titel: An Intro", "deck.yaml:2", "titel", id="typo"
    ),
    pytest.param(
        "deck.yaml", "  minutes: 20\n", "  minutes: twenty\n", "deck.yaml:", "minutes", id="minutes"
    ),
    pytest.param(
        "deck.yaml", "owners: [host]", "owners: [hots]", "deck.yaml:", "unknown role", id="role"
    ),
    pytest.param(
        "deck.yaml", "slides: 17-28", "slides: 17-31", "deck.yaml:", "ends at slide 31", id="range"
    ),
    pytest.param(
        "slides/02-in-short.md", "  - 'Yes'", "  - Yes", "02-in-short.md:", "poll option", id="yes"
    ),
    pytest.param(
        "slides/05-the-journey.md",
        "title: The Journey",
        "title: ''",
        "05-the-journey.md:2",
        "title must be non-empty",
        id="empty-title",
    ),
    pytest.param(
        "slides/15-toolkit.md", "---\ntitle", "title", "15-toolkit.md:1", "front matter", id="no-fm"
    ),
    pytest.param(
        "slides/16-agency.md",
        "{agency}",
        "{agencyname}",
        "16-agency.md:",
        "unknown token",
        id="token",
    ),
    pytest.param(
        "slides/02-in-short.md",
        "page: https://digital.govt.nz/dpup/toolkit",
        "page: javascript:alert(1)",
        "02-in-short.md:",
        "not a valid http(s) address",
        id="url",
    ),
    pytest.param(
        "quiz.yaml",
        "    correct: true\n",
        "    correct: true\n  - text: Extra\n    correct: true\n",
        "quiz.yaml:",
        "exactly one correct choice",
        id="two-correct",
    ),
    pytest.param(
        "quiz.yaml",
        "  answer_slide: 18",
        "  answer_slide: 16",
        "quiz.yaml:",
        "after the question",
        id="answer-before-question",
    ),
]


@pytest.mark.parametrize(("relative", "old", "new", "where", "problem"), BAD_FILES)
def test_bad_file_is_reported_and_nothing_loads(
    deck, deck_copy, relative, old, new, where, problem
):
    _edit(deck_copy / relative, old, new)
    _edit(deck_copy / "slides" / "01-welcome.md", "title: Welcome", "title: Kia ora")
    before = deck_data(deck)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_deck", str(deck_copy))
    message = str(excinfo.value)
    assert where in message and problem in message
    assert deck_data(Deck.objects.get()) == before  # the good edit to slide 1 did not load either


def test_line_numbers_point_at_the_problem(deck_copy):
    _edit(deck_copy / "deck.yaml", "  minutes: 20\n", "  minutes: -5\n")
    with pytest.raises(ContentError) as excinfo:
        read_deck_folder(deck_copy)
    (problem,) = excinfo.value.problems
    line = (deck_copy / "deck.yaml").read_text().split("\n").index("  minutes: -5") + 1
    assert problem.line == line and problem.path.name == "deck.yaml"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda f: (f / "slides" / "07-your-voice.md").unlink(), "slide number(s) 7 missing"),
        (lambda f: (f / "slides" / "notes.txt").write_text("x"), "is not a slide file"),
        (lambda f: (f / "deck.yaml").unlink(), "every deck needs a deck.yaml"),
        (
            lambda f: (f / "slides" / "03-power-of-data.md").write_bytes(
                b"---\ntitle: \xff\n---\n"
            ),
            "is not UTF-8",
        ),
        (
            lambda f: (f / "slides" / "30-extra.md").write_text("---\ntitle: Extra\n---\n"),
            "belong to no agenda segment",
        ),
    ],
    ids=["gap", "stray-file", "no-deck-yaml", "not-utf8", "uncovered-slide"],
)
def test_bad_folder_is_reported(deck_copy, change, problem):
    change(deck_copy)
    with pytest.raises(ContentError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_deck_folder(deck_copy)


def test_failure_while_writing_rolls_everything_back(deck, deck_copy, monkeypatch):
    _edit(deck_copy / "slides" / "01-welcome.md", "title: Welcome", "title: Kia ora")
    real = services._sync_one
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_sync_one", failing)
    with pytest.raises(RuntimeError):
        deck_load(path=deck_copy)
    assert Slide.objects.get(number=1).title == "Welcome"


def test_quiz_answers_trace_to_the_notes(deck):
    notes = "\n".join(deck.slides.values_list("notes", flat=True))
    for question in Question.objects.prefetch_related("choices"):
        (correct,) = question.correct_choices()
        assert question.explanation
        assert correct.text
    assert "November 2019" in notes and "Purpose Matters" in notes
