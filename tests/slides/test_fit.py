"""A slide too full for the shared screen is reported where the deck is edited: by load_deck
(file and slide named), the deck preview and the admin. The shipped deck fits."""

from __future__ import annotations

import io

from django.core.management import call_command

from slides import fit
from slides.content import read_deck_folder
from slides.models import Slide
from tests.conftest import DPUP
from tests.slides.test_admin import _form_data, admin_client  # noqa: F401 - a fixture

TOO_MUCH = "\n".join(
    f"- Point {n}: a long line about how information is collected, used and shared by agencies"
    for n in range(1, 17)
)


def test_the_shipped_deck_fits_the_stage():
    deck = read_deck_folder(DPUP)
    assert fit.deck_problems(deck) == []
    assert all(fit.slide_fit(deck, slide).room < 0.95 for slide in deck.slides)


def test_words_wrap_as_a_browser_wraps_them():
    short = [("Purpose Matters", True)]
    assert fit.line_count(short, 4.2, 150) == 1
    assert fit.line_count(short, 4.2, 30) == 2
    assert fit.line_count([("Kaitiakitanga", False)], 4.2, 5) > 1  # a word wider than the line
    assert fit.line_count([("", False)], 4.2, 100) == 0
    assert fit.text_width("wide", 4, bold=True) > fit.text_width("wide", 4)


def test_load_deck_names_the_file_and_slide_that_wont_fit(deck_copy, db):
    slide = deck_copy / "slides" / "12-structure.md"
    head, notes = slide.read_text().split("--- notes ---")
    front, _ = head.rsplit("---\n", 1)
    slide.write_text(f"{front}---\n{TOO_MUCH}\n\n--- notes ---{notes}")
    out, err = io.StringIO(), io.StringIO()
    call_command("load_deck", str(deck_copy), stdout=out, stderr=err)
    assert "Loaded deck 'dpup-intro'" in out.getvalue()  # still loaded: it can be fixed
    assert f"{slide}: slide 12 (The structure) is too full for the shared screen" in err.getvalue()
    assert "Shorten it, or split it into two slides" in err.getvalue()
    assert err.getvalue().count("too full") == 1


def test_the_preview_and_the_admin_say_when_a_slide_is_too_full(admin_client, deck):  # noqa: F811
    preview = admin_client.get("/decks/dpup-intro/12/").content.decode()
    assert "Too full" not in preview and 'class="stage is-preview"' in preview
    slide = Slide.objects.get(deck=deck, number=12)
    url = f"/admin/slides/slide/{slide.pk}/change/"
    page = admin_client.get(url)
    assert "Fits: even at the smallest text size" in page.content.decode()
    data = _form_data(page)
    data["body"] = TOO_MUCH
    response = admin_client.post(url, data, follow=True)
    shown = response.content.decode()
    assert "“An Introduction to the Data Protection and Use Policy (DPUP)”: slide 12" in shown
    assert "too full for the shared screen" in shown
    assert "too full for the shared screen" in admin_client.get(url).content.decode()
    preview = admin_client.get("/decks/dpup-intro/12/").content.decode()
    assert "Too full:" in preview and "slide 12 (The structure)" in preview
    listing = admin_client.get("/decks/dpup-intro/").content.decode()
    assert "Too full for the shared screen" in listing
