// An open question's arithmetic in the browser (static/js/opentext.js): the character count,
// how many of the room's answers fit the shared screen, and the "and N more" line.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { countLabel, fitting, moreLabel } = require("../../static/js/opentext.js");

test("the count says how many characters of the most", () => {
  assert.equal(countLabel(0, 1000), "0 of 1000 characters");
  assert.equal(countLabel(12, 1000), "12 of 1000 characters");
});

test("answers fit until the first that ends below the list", () => {
  assert.equal(fitting([40, 90, 150, 210], 160), 3);
  assert.equal(fitting([40, 90], 160), 2);
  assert.equal(fitting([200], 160), 0);
  assert.equal(fitting([], 160), 0);
  assert.equal(fitting([160.5], 160), 1); // a rounding error is not an overflow
});

test("the more line counts one answer, or several", () => {
  assert.equal(moreLabel(1), "and 1 more answer");
  assert.equal(moreLabel(4), "and 4 more answers");
});
