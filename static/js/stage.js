// Fits each slide stage's content to its box, as presentation tools shrink text on overflow:
// the stage's text steps down a level (data-fit-level, see .stage in app.css) until nothing
// on it overflows. Everything on a stage is sized in container units, so the level a slide
// needs is the same at every window size; it is measured again whenever a stage changes size
// (which includes appearing), its content is swapped, or the web font arrives.
(function () {
  "use strict";

  var LEVELS = 8; // data-fit-level 0 to 7
  var SMALLEST_BODY = 4; // the last level whose body text is at least 3% of the stage's height

  // The first level at which `fits(level)` holds, or the last level if none does.
  function firstFit(fits, levels) {
    for (var level = 0; level < levels - 1; level += 1) {
      if (fits(level)) return level;
    }
    return levels - 1;
  }

  if (typeof document === "undefined") {
    module.exports = { firstFit: firstFit, LEVELS: LEVELS, SMALLEST_BODY: SMALLEST_BODY };
    return;
  }

  function overflows(stage) {
    var boxes = stage.querySelectorAll(".stage-head, .stage-content, .stage-aside, .stage-band");
    for (var i = 0; i < boxes.length; i += 1) {
      var box = boxes[i];
      if (box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1) return true;
    }
    var main = stage.querySelector(".stage-main");
    return !!main && main.scrollHeight > main.clientHeight + 1;
  }

  function fit(stage) {
    if (!stage.clientHeight) return; // not shown: measured when it appears
    var level = firstFit(function (candidate) {
      stage.dataset.fitLevel = String(candidate);
      return !overflows(stage);
    }, LEVELS);
    stage.dataset.fitLevel = String(level);
    // Past the smallest body size (or still too big): the deck preview says so.
    stage.toggleAttribute("data-too-full", level > SMALLEST_BODY || overflows(stage));
  }

  var observer = typeof ResizeObserver === "function"
    ? new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { fit(entry.target); });
      })
    : null;
  var observed = [];

  function fitAll() {
    // Swaps replace stages: stop watching the ones gone, watch the new (its first report fits it).
    observed = observed.filter(function (stage) {
      if (stage.isConnected) return true;
      observer.unobserve(stage);
      return false;
    });
    document.querySelectorAll(".stage[data-fit]").forEach(function (stage) {
      if (observer && observed.indexOf(stage) < 0) {
        observed.push(stage);
        observer.observe(stage);
      } else {
        fit(stage);
      }
    });
  }

  window.stageFit = fitAll;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fitAll);
  } else {
    fitAll();
  }
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(function () {
      document.querySelectorAll(".stage[data-fit]").forEach(fit);
    });
  }
  // Pages that swap in a slide over HTTP (a participant's earlier slides).
  document.addEventListener("htmx:afterSettle", fitAll);
})();
