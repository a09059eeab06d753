// The shared screen's floating reactions (static/js/reactions.js): a handful per push at
// most, shared fairly between the emoji sent, whatever the room sent.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { floatsFor, PER_PUSH } = require("../../static/js/reactions.js");

test("each emoji sent floats, taking turns", () => {
  assert.deepEqual(floatsFor({ "👍": 2, "👏": 1 }), ["👍", "👏", "👍"]);
});

test("a storm floats a handful, not one per reaction", () => {
  const floats = floatsFor({ "👍": 900, "❤️": 80, "😂": 20 });
  assert.equal(floats.length, PER_PUSH);
  assert.deepEqual(floats.slice(0, 3), ["👍", "❤️", "😂"]);
  assert.ok(floats.filter((emoji) => emoji === "👍").length <= 3);
});

test("nothing, or nonsense, floats nothing", () => {
  assert.deepEqual(floatsFor({}), []);
  assert.deepEqual(floatsFor(undefined), []);
  assert.deepEqual(floatsFor({ "👍": -4, "❤️": "lots", "😂": 0 }), []);
});
