from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from quiz.models import Question
from slides.models import Slide


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x-long-pass-1")
    client.force_login(user)
    return client


def _form_data(response) -> dict:
    """The admin change form's current values, as a browser would submit them."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is None or value is False:
                    continue
                data[inline_form.add_prefix(name)] = value
    return data


def test_slide_edit_shows_in_preview(admin_client, deck):
    slide = Slide.objects.get(deck=deck, number=4)
    url = f"/admin/slides/slide/{slide.pk}/change/"
    page = admin_client.get(url)
    assert 'href="/decks/dpup-intro/4/"' in page.content.decode()  # link to its preview
    data = _form_data(page)
    data["title"] = "Why it all starts with why"
    data["body"] = "- Because it's about people (he tāngata)\n- <script>alert(1)</script>"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    preview = admin_client.get("/decks/dpup-intro/4/").content.decode()
    assert "Why it all starts with why" in preview
    assert "<script>alert" not in preview and "&lt;script&gt;" in preview


def test_quiz_edit_shows_in_preview(admin_client, deck):
    question = Question.objects.get(deck=deck, slide__number=19)
    url = f"/admin/quiz/question/{question.pk}/change/"
    data = _form_data(admin_client.get(url))
    data["text"] = "In which month and year did Cabinet endorse DPUP?"
    data["explanation"] = "Cabinet endorsed DPUP in November 2019."
    response = admin_client.post(url, data)
    assert response.status_code == 302
    preview = admin_client.get("/decks/dpup-intro/19/").content.decode()
    assert "In which month and year did Cabinet endorse DPUP?" in preview
    answer = admin_client.get("/decks/dpup-intro/20/").content.decode()
    assert "Cabinet endorsed DPUP in November 2019." in answer


def test_single_choice_needs_exactly_one_correct(admin_client, deck):
    question = Question.objects.get(deck=deck, slide__number=19)
    url = f"/admin/quiz/question/{question.pk}/change/"
    data = _form_data(admin_client.get(url))
    data["choices-0-is_correct"] = "on"  # a second correct choice
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "exactly one correct choice (it has 2)" in response.content.decode()
    assert question.choices.filter(is_correct=True).count() == 1


def test_segment_range_must_be_inside_deck(admin_client, deck):
    url = f"/admin/slides/deck/{deck.pk}/change/"
    data = _form_data(admin_client.get(url))
    data["segments-8-last_slide"] = 40
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert re.search(r"Slides must be within the deck \(1.29\)", response.content.decode())
    assert deck.segments.get(key="close").last_slide == 29


def test_segment_owners_edit(admin_client, deck):
    url = f"/admin/slides/deck/{deck.pk}/change/"
    data = _form_data(admin_client.get(url))
    data["segments-0-owners"] = ["presenter", "facilitator"]
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert deck.segments.get(key="welcome").owners == ["facilitator", "presenter"]
    data["segments-0-owners"] = []
    assert admin_client.post(url, data).status_code == 200


def test_an_edit_says_started_runs_keep_their_deck(admin_client, deck):
    from datetime import UTC, datetime

    from sessions.domain import runs
    from sessions.domain.selectors import actor_for_user

    facilitator = get_user_model().objects.create_user("fran", password="a-long-test-password")
    for title in ("Started", "Not yet"):
        run = runs.run_create(
            deck=deck, facilitator=facilitator, title=title,
            scheduled_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        )  # fmt: skip
    started = run.__class__.objects.get(title="Started")
    runs.run_start(run=started, actor=actor_for_user(started, facilitator))
    slide = Slide.objects.get(deck=deck, number=4)
    url = f"/admin/slides/slide/{slide.pk}/change/"
    data = _form_data(admin_client.get(url)) | {"title": "Why it starts with why"}
    page = admin_client.post(url, data, follow=True).content.decode()
    assert "1 run of “An Introduction to the Data Protection and Use Policy (DPUP)”" in page
    assert "it keeps the deck as it was then" in page
    assert "reaches runs not started yet, and new ones" in page
