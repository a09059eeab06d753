// The live client's ordering rules, without the page: which pushed message to apply now, which
// to drop, hold or treat as a gap (docs/protocol.md §3), and which answers are still owed an
// acknowledgement (§5, Answers). live.js drives it; tests/js/ordering.test.js runs it, and
// bench/simulate.py's Observer, against tests/vectors/ordering.json.
//
// The hold timer is the one thing with time in it: it is set and cleared through the
// setTimeout and clearTimeout given (the page's own by default), so a test fires it by hand.
(function () {
  "use strict";

  var HOLD_MS = 500; // how long a push that came early waits for the one it follows
  var MAX_HELD = 50;

  // The metadata at the head of a pushed message (<!--ev {...}-->), or null.
  function meta(text) {
    if (text.lastIndexOf("<!--ev ", 0) !== 0) return null;
    try {
      return JSON.parse(text.slice(7, text.indexOf("-->")));
    } catch (e) {
      return null;
    }
  }

  // options: apply(text, info) applies a message; sync() asks for a snapshot; setTimeout and
  // clearTimeout (optional) run the hold timer.
  function events(options) {
    var setTimer = options.setTimeout || function (fn, ms) { return setTimeout(fn, ms); };
    var clearTimer = options.clearTimeout || function (id) { clearTimeout(id); };
    var seen = null; // the version of the last event applied for this socket's audience
    var held = {}; // pushes that came before the one they follow, by that one's version
    var heldTimer = null;
    var syncing = false;
    var gaps = 0;

    function heldCount() {
      return Object.keys(held).length;
    }

    function receive(text, info) {
      if (info === undefined) info = meta(text);
      if (info && info.t === "snapshot") {
        syncing = false;
        seen = typeof info.v === "number" ? info.v : null;
      } else if (info && typeof info.v === "number") {
        if (seen !== null && info.v <= seen) return "ignored"; // already in the snapshot we hold
        if (seen !== null && info.prev !== seen) {
          if (info.prev > seen && heldCount() < MAX_HELD) {
            // With several server processes, one's push can overtake another's by a moment:
            // wait a little for the one this follows before asking for the whole picture.
            held[info.prev] = { text: text, info: info };
            if (!heldTimer) heldTimer = setTimer(missed, HOLD_MS);
            return "held";
          }
          missed();
          return "gap";
        }
        seen = info.v;
      }
      options.apply(text, info);
      release(!!info && info.t === "snapshot");
      return "applied";
    }

    function release(all) {
      // After a snapshot every held message is looked at again (those it covers are dropped);
      // otherwise the one that follows what was just applied, if it came early.
      var waiting = held;
      held = {};
      var keys = Object.keys(waiting).map(Number).sort(function (a, b) { return a - b; });
      keys.forEach(function (prev) {
        if (all || prev === seen) receive(waiting[prev].text, waiting[prev].info);
        else held[prev] = waiting[prev];
      });
      if (!heldCount()) {
        clearTimer(heldTimer);
        heldTimer = null;
      } else if (!heldTimer) {
        heldTimer = setTimer(missed, HOLD_MS);
      }
    }

    function missed() {
      // Missed something: ask for the whole picture, once until it arrives.
      clearTimer(heldTimer);
      heldTimer = null;
      held = {};
      gaps += 1;
      if (!syncing) {
        syncing = true;
        options.sync();
      }
    }

    function closed() {
      // What was held waits no longer: the reconnect's snapshot brings the whole picture.
      clearTimer(heldTimer);
      heldTimer = null;
      held = {};
    }

    function state() {
      var keys = Object.keys(held).map(Number).sort(function (a, b) { return a - b; });
      return {
        seen: seen, syncing: syncing, gaps: gaps, waiting: heldTimer !== null,
        held: keys.map(function (prev) { return held[prev].info; })
      };
    }

    return { receive: receive, closed: closed, state: state };
  }

  // Answers sent and not yet acknowledged, resent after each snapshot (so after a reconnect):
  // an answer sets rather than toggles, so sending it twice stores the same thing. Choices and
  // ratings are kept one per option or statement; a word cloud's words and a ranking's order
  // are each one answer, the latest sent.
  var WHOLE = { "answer.words": true, "answer.rank": true };

  function wholeKey(action, interaction) {
    return action + ":" + interaction;
  }

  function rateKey(interaction, statement) {
    return "answer.rate:" + interaction + ":" + statement;
  }

  function answers() {
    var unsaved = {}; // "interaction:choice", "answer.rate:interaction:statement", "action:interaction"

    function sent(params, oneAtATime) {
      if (params.action === "answer.rate") {
        unsaved[rateKey(params.interaction, params.statement)] = {
          action: "answer.rate", interaction: Number(params.interaction),
          statement: Number(params.statement), rating: Number(params.rating) };
        return;
      }
      if (WHOLE[params.action]) {
        var answer = { action: params.action, interaction: Number(params.interaction) };
        if (params.action === "answer.words") {
          answer.words = [].concat(params.words === undefined ? [] : params.words).map(String);
        } else {
          answer.order = [].concat(params.order === undefined ? [] : params.order).map(Number);
        }
        unsaved[wholeKey(params.action, params.interaction)] = answer;
        return;
      }
      if (oneAtATime) {
        // One answer at a time: only the latest choice is worth resending.
        Object.keys(unsaved).forEach(function (key) {
          if (key.split(":")[0] === String(params.interaction)) delete unsaved[key];
        });
      }
      unsaved[params.interaction + ":" + params.choice] = {
        action: "answer.choose", interaction: Number(params.interaction),
        choice: Number(params.choice), selected: params.selected !== false };
    }

    function same(a, b) {
      return a.length === b.length && a.every(function (x, i) { return x === b[i]; });
    }

    function saved(info) {
      // Forget a pending answer only if this is its acknowledgement: a later send of the same
      // answer, still on its way, stays pending (and is resent after a reconnect). What is
      // stored may differ from what was sent (words are cleaned): then it is simply sent again.
      var pending, key;
      if (info.statement !== undefined) {
        key = rateKey(info.interaction, info.statement);
        pending = unsaved[key];
        if (pending && (info.choices || [])[pending.statement] === pending.rating) delete unsaved[key];
      } else if (info.choice !== undefined) {
        key = info.interaction + ":" + info.choice;
        pending = unsaved[key];
        if (pending && (info.choices.indexOf(pending.choice) >= 0) === (pending.selected !== false)) {
          delete unsaved[key];
        }
      } else {
        key = wholeKey("answer.words", info.interaction);
        pending = unsaved[key];
        if (pending && info.words && same(pending.words.map(function (w) { return w.trim(); })
          .filter(Boolean), info.words)) delete unsaved[key];
        key = wholeKey("answer.rank", info.interaction);
        pending = unsaved[key];
        if (pending && same(pending.order, info.choices || [])) delete unsaved[key];
      }
    }

    function refused(info) {
      // Refused (closed, time's up...): don't send it again after a reconnect.
      if (info.action === "answer.rate") delete unsaved[rateKey(info.interaction, info.statement)];
      else if (WHOLE[info.action]) delete unsaved[wholeKey(info.action, info.interaction)];
      else delete unsaved[info.interaction + ":" + info.choice];
    }

    function pending() {
      return Object.keys(unsaved).map(function (key) { return unsaved[key]; });
    }

    return { sent: sent, saved: saved, refused: refused, pending: pending };
  }

  var api = { meta: meta, events: events, answers: answers, HOLD_MS: HOLD_MS, MAX_HELD: MAX_HELD };
  if (typeof document === "undefined") module.exports = api;
  else window.LiveOrdering = api;
})();
