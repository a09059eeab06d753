// Open questions in the browser: the answer box's character count, the box filled with the
// answer the server has for this person (after a reload, say: never over what they type),
// and, on the shared screen, as many of the room's answers as fit, with "and N more".
//
// The server renders the screen's newest answers once for every screen (sessions/domain/
// selectors.py OPEN_SHOWN); how many of them fit depends on the screen, so the rest are hidden
// here and counted in the "and N more" line. tests/js/opentext.test.js runs the arithmetic.
(function () {
  "use strict";

  function countLabel(length, max) {
    return length + " of " + max + " characters";
  }

  // How many items fit, given each one's bottom edge measured from the list's top: items are
  // stacked, so the first that ends below the list's height and all after it do not.
  function fitting(bottoms, height) {
    for (var i = 0; i < bottoms.length; i += 1) {
      if (bottoms[i] > height + 1) return i;
    }
    return bottoms.length;
  }

  function moreLabel(more) {
    return "and " + more + " more answer" + (more === 1 ? "" : "s");
  }

  if (typeof document === "undefined") {
    module.exports = { countLabel: countLabel, fitting: fitting, moreLabel: moreLabel };
    return;
  }

  function showCount(box) {
    var count = document.getElementById(box.dataset.count);
    var text = countLabel(box.value.length, box.maxLength);
    if (count && count.textContent !== text) count.textContent = text;
  }

  function fitAnswers() {
    document.querySelectorAll(".stage [data-fit-answers]").forEach(function (list) {
      var items = Array.prototype.slice.call(list.children);
      items.forEach(function (item) { item.hidden = false; });
      if (!list.clientHeight) return; // not laid out: measured when it is
      var top = list.getBoundingClientRect().top;
      var bottoms = items.map(function (item) { return item.getBoundingClientRect().bottom - top; });
      // One answer always shows: each is clamped to a few lines on the screen (app.css).
      var shown = Math.max(1, fitting(bottoms, list.clientHeight));
      items.forEach(function (item, i) { item.hidden = i >= shown; });
      var more = Number(list.dataset.more || 0) + items.length - shown;
      var line = list.parentNode.querySelector("[data-answers-more]");
      if (line) {
        line.hidden = more === 0;
        if (line.textContent !== moreLabel(more)) line.textContent = moreLabel(more);
      }
    });
  }

  function fillAnswers(state) {
    document.querySelectorAll("form[data-open-text]").forEach(function (form) {
      var answer = state.answers[form.dataset.openText];
      var box = form.querySelector("textarea");
      if (!box || !answer || !answer.text || box.value || box === document.activeElement) return;
      box.value = answer.text;
      showCount(box);
    });
  }

  function refresh() {
    document.querySelectorAll("textarea[data-count]").forEach(showCount);
    fitAnswers();
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-count]")) showCount(event.target);
  });
  document.addEventListener("live:mine", function (event) { fillAnswers(event.detail); });
  document.addEventListener("live:swapped", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  window.addEventListener("resize", fitAnswers);
  // The stage steps its text size down to fit (stage.js): then more, or fewer, answers fit.
  new MutationObserver(fitAnswers).observe(document.documentElement, {
    subtree: true, attributes: true, attributeFilter: ["data-fit-level"]
  });
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitAnswers);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
