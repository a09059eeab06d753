"""Every kind of activity declared in a deck's content files (not added in the admin): loaded
with `load_deck`, opened with its slide, answered on phones, counted for the team and in the
report. Each kind's own browser test goes further from the admin; this one starts from the
files a deck's author writes."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_app
from tests.e2e.test_interactions import card, goto, started_room
from tests.server import DPUP, manage

FRONT = """words:
  key: journey-in-a-word
  question: In a word, what matters about your data?
  max_words: 2
rating:
  key: journey-ready
  question: How ready do you feel?
  low_label: Not yet
  high_label: Very
  statements:
  - To explain DPUP
ranking:
  key: journey-order
  question: Which matters most?
  items:
  - Purpose Matters
  - Transparency and Choice
  - Access to Information
open:
  key: journey-open
  question: What would you tell a new colleague?
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app, its DPUP deck loaded again from a copy whose slide 5 declares one of each."""
    folder = tmp_path_factory.mktemp("content-kinds")
    server = start_app(folder)
    deck = folder / "dpup-intro"
    shutil.copytree(DPUP, deck)
    slide = deck / "slides" / "05-the-journey.md"
    slide.write_text(slide.read_text().replace("---\n", f"---\n{FRONT}", 1))
    manage("load_deck", str(deck), env=server.env)
    yield server
    server.stop()


def test_every_kind_declared_in_content_opens_with_its_slide_and_is_counted(browser, server):
    console, code, projector, aroha, sam = started_room(browser, server, "Content kinds")
    goto(console, 5)
    for question in ("In a word", "How ready", "Which matters most?", "new colleague"):
        expect(card(aroha, question)).to_be_visible()
        expect(console.locator("#activity-staff article", has_text=question)).to_be_visible()

    for phone in (aroha, sam):
        words = card(phone, "In a word")
        words.get_by_label("Word 1").fill("trust")
        words.get_by_role("button", name="Send my words").click()
        expect(words.locator(".my-answer")).to_have_text("Your words: trust")
        scale = card(phone, "How ready")
        scale.get_by_role("button", name="4").click()
        expect(scale.locator(".my-answer")).to_have_text("Your rating is saved.")
        ranking = card(phone, "Which matters most?")
        ranking.get_by_role("button", name=re.compile("Send")).click()
        opened = card(phone, "new colleague")
        opened.get_by_label("Your answer").fill("Say why you ask")
        opened.get_by_role("button", name=re.compile("Send")).click()

    staff = console.locator("#activity-staff")
    expect(staff.locator("article", has_text="In a word").locator(".counts")).to_contain_text(
        "2 people sent words"
    )
    expect(staff.locator("article", has_text="How ready").locator(".counts")).to_contain_text(
        "2 people rated"
    )
    expect(
        staff.locator("article", has_text="Which matters most?").locator(".counts")
    ).to_contain_text("2 people ranked")
    expect(staff.locator("article", has_text="new colleague").locator(".counts")).to_contain_text(
        "2 answers"
    )

    console.goto(f"{server.url}/runs/{code}/report/")
    for key, said in (
        ("journey-in-a-word", "2 people sent words"),
        ("journey-ready", "2 people rated"),
        ("journey-order", "2 people ranked 3 items"),
        ("journey-open", "2 answers"),
    ):
        expect(console.locator(f"#report-{key}")).to_contain_text(said)
