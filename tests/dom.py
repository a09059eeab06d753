"""A page as the browser holds it, with pushed fragments swapped in as static/js/live.js does.

live.js `apply()` keeps each top-level element of a push whose id the page has, and hands them
to htmx as out-of-band swaps: `hx-swap-oob="true"` (or none) replaces the element,
`hx-swap-oob="innerHTML"` its children. htmx also swaps the oob elements nested in a kept
one (`allowNestedOobSwaps`), and every element of the page with that id.
"""

from __future__ import annotations

import copy
import json
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

SWAP_STYLES = {"true", "innerHTML"}  # all the templates use (see the module docstring)


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _swap(page: BeautifulSoup, element: Tag) -> None:
    style = element.get("hx-swap-oob", "true")
    assert style in SWAP_STYLES, f"#{element['id']}: a swap live.js doesn't do: {style!r}"
    for target in page.find_all(id=element["id"]):
        new = copy.copy(element)
        if style == "true":
            target.replace_with(new)
        else:
            target.clear()
            for child in list(new.contents):
                target.append(child.extract())


def apply(page: BeautifulSoup, html: str) -> list[str]:
    """Swap the message's fragments into the page; return the ids of those it had no place
    for (live.js drops them)."""
    dropped = []
    for child in parse(html).find_all(recursive=False):
        if not child.get("id"):
            continue
        if page.find(id=child["id"]) is None:
            dropped.append(child["id"])
            continue
        _swap(page, child)
        for nested in child.find_all(attrs={"hx-swap-oob": True}):
            if nested.get("id"):
                _swap(page, nested)
    return dropped


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _json(value: str) -> str:
    """A JSON object in an attribute (the page's own state) with its keys in one order."""
    if value.startswith("{"):
        try:
            return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
        except ValueError:
            pass
    return _text(value)


def canonical(node: Tag, ignore: frozenset[str] = frozenset()) -> str:
    """The element as a string two equal pages share: no `hx-swap-oob`, no comments, runs of
    whitespace as one space, attributes sorted (and the keys of JSON in them), the values of
    the `ignore` attributes left out."""
    parts = []
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            text = _text(str(child))
            if text:
                parts.append(text)
        elif isinstance(child, Tag):
            parts.append(canonical(child, ignore))
    attrs = []
    for name, value in sorted(node.attrs.items()):
        if name == "hx-swap-oob":
            continue
        if name in ignore:
            value = "…"
        if isinstance(value, list):
            value = " ".join(value)
        attrs.append(f' {name}="{_json(value)}"')
    return f"<{node.name}{''.join(attrs)}>{''.join(parts)}</{node.name}>"


def differing_ids(one: Tag, other: Tag, ignore: frozenset[str] = frozenset()) -> list[str]:
    """The ids of the innermost elements that differ between two pages (or that only one of
    them has), in page order."""
    found = []
    ids = [tag["id"] for tag in one.find_all(id=True)]
    ids += [i for i in (tag["id"] for tag in other.find_all(id=True)) if i not in ids]
    for element_id in ids:
        mine, theirs = one.find(id=element_id), other.find(id=element_id)
        if mine is None or theirs is None or canonical(mine, ignore) != canonical(theirs, ignore):
            found.append(element_id)
    # Only the innermost: a container differs whenever something in it does.
    innermost = []
    for element_id in found:
        tags = [t for t in (one.find(id=element_id), other.find(id=element_id)) if t is not None]
        inside = {t.get("id") for tag in tags for t in tag.find_all(id=True)}
        if not inside & set(found):
            innermost.append(element_id)
    return innermost
