"""The load generator's simulated browser keeps pushes in the order live.js does: the cases of
tests/vectors/ordering.json (which tests/js/ordering.test.js runs against static/js/ordering.js)
run against the simulator's Observer.

Only the ordering is checked here: the simulator keeps no book of unacknowledged answers (its
answer steps are skipped), and asking for a snapshot is its Socket's job, not the Observer's,
so `syncs` is left to the JS test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import simulate
from bench.simulate import HOLD_SECONDS, MAX_HELD, Observer, parse_meta
from sessions.live.broadcast import envelope

VECTORS = json.loads((Path(__file__).parent / "vectors" / "ordering.json").read_text())


def label(meta: dict | None) -> int | str:
    if meta is None:
        return "no head"
    return meta["v"] if isinstance(meta.get("v"), int) else meta["t"]


def text_of(meta: dict | None) -> str:
    body = f"<p>{label(meta)}</p>"
    if meta is None:
        return body
    extra = {key: value for key, value in meta.items() if key not in ("t", "v", "prev")}
    return envelope(meta["t"], body, version=meta.get("v"), prev=meta.get("prev"), extra=extra)


def test_the_vectors_timings_are_the_simulators():
    assert VECTORS["hold_ms"] == HOLD_SECONDS * 1000
    assert VECTORS["max_held"] == MAX_HELD


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["name"])
def test_the_simulated_browser_orders_pushes_as_live_js_does(case, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(simulate.time, "perf_counter", lambda: now[0])
    observer = Observer(keep_texts=True)
    for step in case["steps"]:
        if step == "timer":
            now[0] += HOLD_SECONDS
            observer.waited_too_long()
        elif step == "reconnect":
            # The simulator keeps what it held across a reconnect; the snapshot that follows
            # drops it, as everything held is older than that snapshot.
            continue
        elif "msg" in step:
            text = text_of(step["msg"])
            assert parse_meta(text) == step["msg"]
            observer.apply(text)
    expect = case["expect"]
    assert [label(parse_meta(text)) for text in observer.texts] == expect["applied"]
    assert [meta["v"] for _, (_, meta) in sorted(observer.held.items())] == expect["held"]
    assert observer.gaps == expect["gaps"]
