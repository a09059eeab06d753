// The live client's ordering rules and unacknowledged answers (static/js/ordering.js), case by
// case from tests/vectors/ordering.json; tests/test_ordering_vectors.py runs the same cases
// against the load generator's simulated browser.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const LiveOrdering = require("../../static/js/ordering.js");
const vectors = require("../vectors/ordering.json");

function label(info) {
  if (info === null) return "no head";
  return typeof info.v === "number" ? info.v : info.t;
}

function textOf(info) {
  // As sessions/broadcast.envelope heads it, with the label as the fragment.
  const body = "<p>" + label(info) + "</p>";
  return info === null ? body : "<!--ev " + JSON.stringify(info) + "-->" + body;
}

function fakeTimers() {
  // The hold timer, fired by the case rather than by the clock.
  const pending = new Map();
  let next = 1;
  return {
    setTimeout(fn, ms) {
      assert.equal(ms, LiveOrdering.HOLD_MS);
      assert.equal(pending.size, 0, "one hold timer at a time");
      pending.set(next, fn);
      return next++;
    },
    clearTimeout(id) { pending.delete(id); },
    running() { return pending.size > 0; },
    fire() {
      for (const [id, fn] of pending) {
        pending.delete(id);
        fn();
      }
    },
  };
}

function plain(answer) {
  return { interaction: answer.interaction, choice: answer.choice, selected: answer.selected };
}

function run(steps) {
  const timers = fakeTimers();
  const applied = [];
  const resent = [];
  let syncs = 0;
  const ordering = LiveOrdering.events({
    apply(text, info) { applied.push(label(info)); },
    sync() { syncs += 1; },
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
  });
  const answers = LiveOrdering.answers();
  for (const step of steps) {
    if (step === "timer") timers.fire();
    else if (step === "reconnect") ordering.closed();
    else if ("msg" in step) {
      const text = textOf(step.msg);
      const info = LiveOrdering.meta(text);
      assert.deepEqual(info, step.msg);
      ordering.receive(text, info);
      if (info && info.t === "snapshot") resent.push(answers.pending().map(plain));
    } else if ("send" in step) answers.sent(step.send, !step.multiple);
    else if ("ack" in step) answers.saved(step.ack);
    else if ("refused" in step) answers.refused(step.refused);
    else assert.fail("unknown step " + JSON.stringify(step));
    const state = ordering.state();
    assert.equal(state.waiting, state.held.length > 0, "the timer runs while something waits");
    assert.equal(timers.running(), state.waiting);
  }
  const state = ordering.state();
  return {
    applied, syncs, resent, gaps: state.gaps,
    held: state.held.map((info) => info.v),
    pending: answers.pending().map(plain),
  };
}

test("the vectors' timings are the module's", () => {
  assert.equal(vectors.hold_ms, LiveOrdering.HOLD_MS);
  assert.equal(vectors.max_held, LiveOrdering.MAX_HELD);
});

for (const vector of vectors.cases) {
  test(vector.name, () => {
    const got = run(vector.steps);
    const expect = vector.expect;
    assert.deepEqual(got.applied, expect.applied, "applied");
    assert.deepEqual(got.held, expect.held, "held");
    assert.equal(got.gaps, expect.gaps, "gaps");
    assert.equal(got.syncs, expect.syncs, "syncs");
    if ("resent" in expect) assert.deepEqual(got.resent, expect.resent, "resent");
    if ("pending" in expect) assert.deepEqual(got.pending, expect.pending, "pending");
  });
}

test("a resent answer is the answer.choose message live.js sends", () => {
  const answers = LiveOrdering.answers();
  answers.sent({ action: "answer.choose", interaction: "3", choice: "1", selected: false }, false);
  assert.deepEqual(answers.pending(),
    [{ action: "answer.choose", interaction: 3, choice: 1, selected: false }]);
});

test("a head that is not JSON is no metadata, and an escaped -- reads back", () => {
  assert.equal(LiveOrdering.meta("<!--ev {not json-->"), null);
  assert.deepEqual(LiveOrdering.meta('<!--ev {"t":"x","a":"-\\u002d"}--><p>'), { t: "x", a: "--" });
});

test("ratings, words and an order wait for their acknowledgement and are resent until then", () => {
  const answers = LiveOrdering.answers();
  answers.sent({ action: "answer.rate", interaction: "4", statement: "0", rating: "3" }, false);
  answers.sent({ action: "answer.rate", interaction: "4", statement: "1", rating: "5" }, false);
  answers.sent({ action: "answer.words", interaction: "5", words: [" whānau ", "", "trust"] }, false);
  answers.sent({ action: "answer.rank", interaction: "6", order: ["2", "0", "1"] }, false);
  assert.deepEqual(answers.pending(), [
    { action: "answer.rate", interaction: 4, statement: 0, rating: 3 },
    { action: "answer.rate", interaction: 4, statement: 1, rating: 5 },
    { action: "answer.words", interaction: 5, words: [" whānau ", "", "trust"] },
    { action: "answer.rank", interaction: 6, order: [2, 0, 1] },
  ]);
  // An acknowledgement of an earlier rating (2) doesn't forget the later one still on its way.
  answers.saved({ interaction: 4, statement: 0, choices: [2, null] });
  answers.saved({ interaction: 4, statement: 1, choices: [2, 5] });
  answers.saved({ interaction: 5, words: ["whānau", "trust"], choices: [] });
  answers.saved({ interaction: 6, choices: [2, 0, 1] });
  assert.deepEqual(answers.pending(), [{ action: "answer.rate", interaction: 4, statement: 0, rating: 3 }]);
  answers.refused({ action: "answer.rate", interaction: 4, statement: 0 });
  assert.deepEqual(answers.pending(), []);
});

test("a refused word cloud or ranking is not sent again; one lone item is still a list", () => {
  const answers = LiveOrdering.answers();
  answers.sent({ action: "answer.words", interaction: "5", words: "kupu" }, false);
  answers.sent({ action: "answer.rank", interaction: "6", order: "0" }, false);
  assert.deepEqual(answers.pending().map((a) => a.words || a.order), [["kupu"], [0]]);
  answers.refused({ action: "answer.words", interaction: 5 });
  answers.refused({ action: "answer.rank", interaction: 6 });
  assert.deepEqual(answers.pending(), []);
});
