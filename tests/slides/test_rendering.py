from __future__ import annotations

from html.parser import HTMLParser

import pytest

from slides.rendering import RunContext, render_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    "<iframe src=https://example.org></iframe>",
    '<svg onload="alert(1)"></svg>',
    '[x](https://example.org "t" onmouseover="alert(1)")',
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_active_html_survives(attack):
    html = render_markdown(f"Before\n\n{attack}\n\nAfter")
    for tag, attrs in elements(html):
        assert tag in {"p", "a"}, (attack, html)
        assert set(attrs) <= {"href", "rel", "title"}, (attack, html)
        assert attrs.get("href", "https:").startswith(("https:", "http:")), (attack, html)
    assert "Before" in html and "After" in html


def test_markdown_still_renders():
    html = render_markdown(
        "- **He Tāngata**: people\n- [Toolkit](https://digital.govt.nz/dpup/toolkit)"
    )
    assert "<strong>He Tāngata</strong>" in html
    link = (
        '<a href="https://digital.govt.nz/dpup/toolkit" target="_blank" rel="noopener noreferrer">'
    )
    assert link in html


def test_run_values_are_escaped():
    context = RunContext(agency="<b>Te Whatu</b> & Co", initiatives=("<script>x</script>", "Plain"))
    html = context.fill_html(render_markdown("About {agency}\n\n{initiatives}"))
    assert "&lt;b&gt;Te Whatu&lt;/b&gt; &amp; Co" in html
    assert (
        '<ul class="initiatives"><li>&lt;script&gt;x&lt;/script&gt;</li><li>Plain</li></ul>' in html
    )


def test_preview_shows_placeholders():
    html = RunContext().fill_html(render_markdown("About {agency}\n\n{initiatives}"))
    assert "[Agency name]" in html and "added for each run" in html
