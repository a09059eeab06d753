// Reactions in the browser: on the phone, the bar's confirmation after a send and its wait
// when the person sends too fast; on the shared screen, a few emoji floating up for each push
// (none for a viewer who prefers reduced motion: the counts beside them simply change).
//
// The server pushes the live slide's counts as HTML, and in the push's metadata how many of
// each were sent since the last push (`sent`); live.js tells this module about every message
// it applies ("live:message"). tests/js/reactions.test.js runs `floatsFor`.
(function () {
  "use strict";

  var PER_PUSH = 8; // floats one push may start, whatever the room sent
  var PER_EMOJI = 3;
  var ON_SCREEN = 16; // floats at once: the oldest go first
  var LANES = 5;
  var SENT_MS = 1200;

  // The emoji to float for one push's `sent` counts ({emoji: n}), fairly shared: each emoji
  // in turn, at most PER_EMOJI of one and PER_PUSH in all.
  function floatsFor(sent, limit) {
    limit = limit === undefined ? PER_PUSH : limit;
    var left = {};
    var order = Object.keys(sent || {}).filter(function (emoji) {
      var n = Number(sent[emoji]);
      left[emoji] = Math.min(PER_EMOJI, Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
      return left[emoji] > 0;
    });
    var out = [];
    while (out.length < limit && order.some(function (emoji) { return left[emoji] > 0; })) {
      order.forEach(function (emoji) {
        if (out.length < limit && left[emoji] > 0) {
          out.push(emoji);
          left[emoji] -= 1;
        }
      });
    }
    return out;
  }

  var api = { floatsFor: floatsFor, PER_PUSH: PER_PUSH, ON_SCREEN: ON_SCREEN };
  if (typeof document === "undefined") {
    module.exports = api;
    return;
  }

  var lane = 0;
  var stillUntil = 0;
  var stillTimer = null;
  var sentTimers = {};

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function float(sent) {
    var box = document.getElementById("reaction-floats");
    if (!box || reducedMotion()) return;
    floatsFor(sent).forEach(function (emoji, i) {
      var item = document.createElement("span");
      item.className = "reaction-float lane-" + (lane % LANES) + " delay-" + (i % 4);
      lane += 1;
      item.textContent = emoji;
      var gone = function () { if (item.parentNode) item.parentNode.removeChild(item); };
      item.addEventListener("animationend", gone);
      setTimeout(gone, 5000); // a hidden tab runs no animations: don't keep them
      box.appendChild(item);
    });
    while (box.children.length > ON_SCREEN) box.removeChild(box.firstChild);
  }

  function buttons() {
    return document.querySelectorAll("#reaction-bar .reaction-button");
  }

  function status(text) {
    var slot = document.getElementById("reaction-status");
    if (slot) slot.textContent = text;
  }

  // Disabled by aria-disabled, not `disabled`: the button a keyboard is on keeps its focus.
  function setWaiting(on) {
    Array.prototype.forEach.call(buttons(), function (button) {
      if (on) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    });
  }

  function wait(seconds) {
    stillUntil = Date.now() + seconds * 1000;
    setWaiting(true);
    clearTimeout(stillTimer);
    stillTimer = setTimeout(function () {
      stillUntil = 0;
      setWaiting(false);
      status("You can send reactions again.");
    }, seconds * 1000);
  }

  function confirmSent(emoji) {
    var button = Array.prototype.filter.call(buttons(), function (b) {
      return b.dataset.reaction === emoji;
    })[0];
    if (!button) return;
    button.classList.add("is-sent");
    clearTimeout(sentTimers[emoji]);
    sentTimers[emoji] = setTimeout(function () { button.classList.remove("is-sent"); }, SENT_MS);
    status("Sent: " + button.dataset.label + ".");
  }

  document.addEventListener("live:message", function (event) {
    var info = event.detail || {};
    if (info.t === "reactions.changed" && info.sent) float(info.sent);
    else if (info.t === "reaction.sent") confirmSent(info.emoji);
    else if (info.t === "error" && info.action === "reaction.send" && info.code === "rate_limited") {
      wait(Math.max(1, Math.min(60, Number(info.retry_after) || 1)));
    }
  });

  // A press while waiting sends nothing (captured before live.js and htmx hear of it).
  document.addEventListener("htmx:wsConfigSend", function (event) {
    var button = event.target;
    if (!button || !button.matches || !button.matches("#reaction-bar .reaction-button")) return;
    if (button.getAttribute("aria-disabled") === "true") {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A push that re-renders the bar (a settings change) brings fresh buttons: keep the wait.
  document.addEventListener("live:swapped", function () {
    if (stillUntil > Date.now()) setWaiting(true);
  });
})();
