// The Q&A lists in the browser: sorted by votes or by time as each person chooses, and a
// written reply's box emptied once the reply shows.
//
// The server renders each list once per audience (pinned first, then open before answered,
// then most votes: sessions/domain/selectors.py QUESTION_ORDER), so a choice of order can't
// live there. It is kept in this browser (localStorage) and applied again after every push
// that replaces a list. tests/js/qa.test.js runs the ordering.
(function () {
  "use strict";

  var KEY = "dpup-qa-sort";
  var ORDERS = ["votes", "time"];

  // Rows as {pinned, answered, votes, id}: the pinned one first, answered ones last, and in
  // between most votes first (oldest first among equals) or newest first.
  function compare(by) {
    return function (a, b) {
      return (b.pinned - a.pinned) || (a.answered - b.answered) ||
        (by === "time" ? b.id - a.id : (b.votes - a.votes) || (a.id - b.id));
    };
  }

  function sorted(rows, by) {
    return rows.slice().sort(compare(by));
  }

  // The same whitespace rule as the server's for one paragraph, to tell a reply that is shown
  // from the one typed.
  function sameText(a, b) {
    var squash = function (text) { return String(text).replace(/\s+/g, " ").trim(); };
    return squash(a) === squash(b);
  }

  var api = { compare: compare, sorted: sorted, sameText: sameText, ORDERS: ORDERS };
  if (typeof document === "undefined") {
    module.exports = api;
    return;
  }

  var current = null; // chosen on this page (kept even where the browser can't store it)

  function chosen() {
    var by = current;
    if (!by) {
      try { by = window.localStorage.getItem(KEY); } catch (e) { by = null; }
    }
    return ORDERS.indexOf(by) >= 0 ? by : "votes";
  }

  function row(li) {
    return {
      el: li,
      pinned: Number(li.dataset.pinned) || 0,
      answered: Number(li.dataset.answered) || 0,
      votes: Number(li.dataset.votes) || 0,
      id: Number(li.id.replace("question-", "")) || 0
    };
  }

  function applySort() {
    var by = chosen();
    document.querySelectorAll("button[data-qa-sort]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.qaSort === by ? "true" : "false");
    });
    document.querySelectorAll("ol[data-qa-sortable]").forEach(function (list) {
      var rows = Array.prototype.filter.call(list.children, function (li) {
        return li.id && li.id.indexOf("question-") === 0;
      }).map(row);
      var order = sorted(rows, by);
      if (order.every(function (item, i) { return item.el === rows[i].el; })) return;
      // Moving a row takes the focus from a button in it: it goes back where it was.
      var focused = list.contains(document.activeElement) ? document.activeElement : null;
      order.forEach(function (item) { list.appendChild(item.el); });
      if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
    });
  }

  var replies = {}; // question id -> the reply text sent, until it shows

  function clearReplies() {
    Object.keys(replies).forEach(function (id) {
      var shown = document.querySelector("#question-" + id + " .qa-reply-text");
      if (!shown || !sameText(shown.textContent, replies[id])) return;
      var box = document.getElementById("qa-reply-text-" + id);
      var details = document.getElementById("qa-reply-" + id);
      if (box && box.value === replies[id]) {
        var had = document.activeElement === box;
        box.value = "";
        if (details) details.open = false;
        var summary = details && details.querySelector("summary");
        if (had && summary) summary.focus();
      }
      delete replies[id];
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-qa-sort]") : null;
    if (!button) return;
    current = button.dataset.qaSort;
    try { window.localStorage.setItem(KEY, current); } catch (e) { /* this page only, then */ }
    applySort();
  });

  document.addEventListener("htmx:wsConfigSend", function (event) {
    var params = event.detail.parameters;
    if (params.action === "question.reply") replies[params.question] = params.text;
  });

  document.addEventListener("live:swapped", function () {
    applySort();
    clearReplies();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", applySort);
  else applySort();
})();
