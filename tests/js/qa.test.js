// The Q&A's order in the browser (static/js/qa.js): the same as the server's by votes, and
// newest first by time, the pinned question first and answered ones last either way.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { sorted, sameText } = require("../../static/js/qa.js");

const rows = [
  { id: 1, votes: 2, pinned: 0, answered: 0 },
  { id: 2, votes: 5, pinned: 0, answered: 1 },
  { id: 3, votes: 0, pinned: 1, answered: 0 },
  { id: 4, votes: 2, pinned: 0, answered: 0 },
  { id: 5, votes: 3, pinned: 0, answered: 0 },
];
const ids = (list) => list.map((row) => row.id);

test("by votes: pinned, then most votes (oldest first among equals), answered last", () => {
  // The server's QUESTION_ORDER: -pinned, answered, -votes, id.
  assert.deepEqual(ids(sorted(rows, "votes")), [3, 5, 1, 4, 2]);
});

test("by time: pinned, then newest first, answered last", () => {
  assert.deepEqual(ids(sorted(rows, "time")), [3, 5, 4, 1, 2]);
});

test("an unknown choice sorts by votes, and the rows given are left as they were", () => {
  const before = ids(rows);
  assert.deepEqual(ids(sorted(rows, "nonsense")), [3, 5, 1, 4, 2]);
  assert.deepEqual(ids(rows), before);
});

test("a reply shown is the one typed, whatever the spaces", () => {
  assert.ok(sameText("  See the\n  guide ", "See the guide"));
  assert.ok(!sameText("See the guide", "See the guides"));
});
