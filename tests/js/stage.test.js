// The stage's text steps down a level at a time until the slide fits (static/js/stage.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { firstFit, LEVELS, SMALLEST_BODY } = require("../../static/js/stage.js");

test("a slide that fits at once keeps the largest text", () => {
  assert.equal(firstFit(() => true, LEVELS), 0);
});

test("a fuller slide takes the first level at which it fits", () => {
  const tried = [];
  const level = firstFit((candidate) => { tried.push(candidate); return candidate >= 3; }, LEVELS);
  assert.equal(level, 3);
  assert.deepEqual(tried, [0, 1, 2, 3]);
});

test("a slide that never fits gets the smallest text there is", () => {
  assert.equal(firstFit(() => false, LEVELS), LEVELS - 1);
  assert.ok(LEVELS - 1 > SMALLEST_BODY, "there are levels below the smallest body size");
});
