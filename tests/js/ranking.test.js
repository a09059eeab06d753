// A ranking's moves on the phone (static/js/ranking.js): one place up or down, never off the
// ends, and what a screen reader hears after a move.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { moved, said } = require("../../static/js/ranking.js");

test("an item moves one place up or down and the others keep their order", () => {
  assert.deepEqual(moved([0, 1, 2, 3], 2, -1), [0, 2, 1, 3]);
  assert.deepEqual(moved([0, 1, 2, 3], 0, 1), [1, 0, 2, 3]);
});

test("the first can't go up, nor the last down: the order stays as it was", () => {
  assert.deepEqual(moved([3, 1, 2], 0, -1), [3, 1, 2]);
  assert.deepEqual(moved([3, 1, 2], 2, 1), [3, 1, 2]);
});

test("the live region names the item and its new place out of how many", () => {
  assert.equal(said("Trust", 2, 5), "Trust is now 2 of 5.");
});
