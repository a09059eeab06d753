from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_deck_page_lists_the_agenda(staff_client, deck):
    response = staff_client.get(reverse("slides:deck", args=["dpup-intro"]))
    assert response.status_code == 200
    html = _text(response)
    agenda = html[html.index('id="deck-agenda"') : html.index("</table>")]
    assert agenda.count('<th scope="row">') == 10  # nine segments and the total
    assert 'id="deck-total-minutes">90 min' in agenda
    for title in ("Welcome and introductions", "DPUP in detail", "Quiz"):
        assert title in agenda
    assert "60 min" in agenda  # the short plan's total
    assert "What it means for [Agency name]" in html


def test_slide_preview_shows_slide_and_notes(staff_client, deck):
    response = staff_client.get(reverse("slides:slide", args=["dpup-intro", 13]))
    html = response.content.decode()
    slide = html[html.index('id="current-slide"') : html.index("</article>")]
    for name in ("He Tāngata", "Manaakitanga", "Mana Whakahaere", "Kaitiakitanga", "Mahitahitanga"):
        assert name in slide
    notes = html[html.index('id="slide-notes"') :]
    assert "act as a compass" in notes and "act as a compass" not in slide
    assert 'rel="prev" href="/decks/dpup-intro/12/"' in html
    assert 'rel="next" href="/decks/dpup-intro/14/"' in html


def test_quiz_slides_show_question_then_answer(staff_client, deck):
    question = _text(staff_client.get("/decks/dpup-intro/19/"))
    assert "When did Cabinet endorse DPUP?" in question and "November 2019" in question
    assert "The answer:" not in question
    answer = _text(staff_client.get("/decks/dpup-intro/20/"))
    assert 'The answer: <strong><span class="letter">C</span> November 2019</strong>' in answer


def test_past_the_last_slide_is_404(staff_client, deck):
    assert staff_client.get("/decks/dpup-intro/29/").status_code == 200
    assert staff_client.get("/decks/dpup-intro/30/").status_code == 404
    assert staff_client.get("/decks/dpup-intro/0/").status_code == 404
    assert staff_client.get("/decks/nope/").status_code == 404


@pytest.mark.parametrize("url", ["/decks/", "/decks/dpup-intro/", "/decks/dpup-intro/1/"])
def test_previews_are_for_staff(client, django_user_model, deck, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("pat", password="x-long-pass-1"))
    assert client.get(url).status_code == 403


def test_login_page_and_demo_account(client, db):
    from django.core.management import call_command

    call_command("ensure_demo_facilitator", "--username", "demo", "--password", "pw-for-demo-1")
    call_command("ensure_demo_facilitator", "--username", "demo", "--password", "pw-for-demo-1")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "demo", "password": "pw-for-demo-1", "next": "/decks/"}
    )
    assert response.status_code == 302 and response.url == "/decks/"


def test_restarting_make_run_keeps_the_demo_facilitator_signed_in(client, db, django_user_model):
    from django.core.management import call_command

    def ensure():
        call_command(
            "ensure_demo_facilitator", "--username", "demo", "--password", "pw-for-demo-1",
            stdout=io.StringIO(),
        )  # fmt: skip

    ensure()
    client.post("/accounts/login/", {"username": "demo", "password": "pw-for-demo-1"})
    assert client.get("/runs/").status_code == 200
    demo = django_user_model.objects.get(username="demo")
    demo.is_staff = False
    demo.groups.clear()
    demo.save()
    ensure()  # `make run` again
    assert client.get("/runs/").status_code == 200  # still signed in
    demo.refresh_from_db()
    assert demo.is_staff and demo.groups.filter(name="Facilitators").exists()
    demo.set_password("my-own-password-2")
    demo.save()
    ensure()
    assert client.login(username="demo", password="my-own-password-2")
