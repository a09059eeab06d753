"""One permission table for pages, form posts, websocket actions and the controls shown."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from sessions.domain.permissions import ACTIONS, describe
from sessions.live.actions import REGISTRY
from tests.conftest import REPO


def may(action: str, row: str = "") -> str:
    template = Template("{% load runs %}{% may action row %}")
    return template.render(Context({"action": action, "row": row}))


def test_a_control_says_who_may_use_it_from_the_table():
    assert may("run.start") == 'data-roles="facilitator host"'
    assert may("run.pause") == 'data-roles="facilitator host" data-or-control'
    assert may("slide.next") == 'data-roles="" data-or-control'  # whoever runs the segment
    # A presenter may mark a question answered: the button is theirs too...
    assert may("question.mark") == 'data-roles="facilitator host presenter"'
    # ...but putting one on the screen is checked against the screen's row.
    assert may("question.mark", "question.show") == 'data-roles="facilitator host" data-or-control'


def test_no_template_writes_its_own_roles():
    """Every team control takes its data-roles from {% may %}: the only literal one is the
    page's own (the person's roles, which live.js compares with them)."""
    written = []
    for path in (REPO / "templates").rglob("*.html"):
        for match in re.finditer(r'data-roles="([^"]*)"', path.read_text()):
            if match.group(1) != "{{ my_roles|default:'' }}":
                written.append(f"{path.name}: {match.group(0)}")
    assert written == []


def test_every_control_in_the_templates_names_a_registered_action():
    used = set()
    for path in (REPO / "templates").rglob("*.html"):
        for action, row in re.findall(
            r'\{% may "([a-z_.]+)"(?: "([a-z_.]+)")? %\}', path.read_text()
        ):
            used.add(action)
            assert not row or row in ACTIONS, f"{path.name}: no row {row}"
    assert used and used <= set(REGISTRY)


@pytest.mark.parametrize(
    ("person", "page", "status"),
    [
        ("outsider", "console", 403),
        ("pita", "console", 200),  # a presenter opens the team's pages
        ("pita", "settings", 403),  # but only the facilitator changes the run
        ("fran", "settings", 200),
    ],
)
def test_a_page_is_open_to_the_roles_its_row_names(client, run, users, person, page, status):
    client.force_login(users[person])
    response = client.get(f"/runs/{run.code}/{page}/")
    assert response.status_code == status
    if status == 403:  # in the words of the page's row: who may, and what
        said = {
            "console": f"Only {describe(ACTIONS['run.view'])} can open this page.",
            "settings": "Only the facilitator can change the run&#x27;s settings.",
        }
        assert said[page] in response.content.decode()
