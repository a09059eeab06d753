// The live views' client: keeps the websocket's pushes in order, reconnects by itself,
// ticks the agenda's clocks between pushes, and handles participant browsing. (Keys are in
// shortcuts.js, confirmations in confirm.js, the notes panel in notes.js, stages in stage.js,
// and the ordering rules and unacknowledged answers in ordering.js.)
// Pushed messages are HTML fragments led by <!--ev {...}-->; see docs/protocol.md.
(function () {
  "use strict";

  var root = null;
  var socket = null; // htmx-ext-ws's wrapper: send(), reconnect()
  var attempts = 0;
  var offset = 0; // server clock minus this browser's clock, in ms
  var browsing = null; // the earlier slide a participant is looking at, or null when live
  var closedForGood = false;
  var signInRechecked = false; // a 4401 is retried once (see htmx:wsClose)
  var errorTimer = null;
  var ordering = LiveOrdering.events({
    apply: deliver,
    sync: function () { send({ action: "sync" }); }
  });
  var unsaved = LiveOrdering.answers(); // answers sent, not yet acknowledged
  // The answers the server writes in batches and acknowledges ("answer.saved"): the page keeps
  // each until then, and sends it again after a reconnect (sessions/live/consumers.py BATCHED).
  var BATCHED = { "answer.choose": true, "answer.words": true, "answer.rate": true, "answer.rank": true };

  var CLOSE_MESSAGES = {
    4401: "You were signed out.",
    4403: "You don't have access to this workshop from this browser.",
    4404: "This workshop doesn't exist.",
    4410: "You are no longer in this workshop."
  };

  function jitter(retry) {
    // Full jitter, capped: a restarted server isn't hit by everyone at once, and nobody
    // waits more than a few seconds once it is back.
    return Math.random() * Math.min(3000, 250 * Math.pow(2, retry));
  }

  function setStatus(state, text, link) {
    var el = document.getElementById("connection-status");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      el.appendChild(document.createTextNode(" "));
      el.appendChild(a);
    }
  }

  function logInAgain() {
    // Back to this very page once logged in.
    var here = window.location.pathname + window.location.search;
    var holder = root || document.getElementById("live-root");
    var login = (holder && holder.dataset.loginUrl) || "/accounts/login/";
    return { href: login + "?next=" + encodeURIComponent(here), text: "Log in again" };
  }

  function send(message) {
    if (socket) socket.send(JSON.stringify(message));
  }

  function apply(html) {
    // Swap by id only what this page has: each view shows a different set of fragments.
    var template = document.createElement("template");
    template.innerHTML = html;
    var kept = [];
    Array.prototype.forEach.call(template.content.children, function (child) {
      if (child.id && document.getElementById(child.id)) {
        if (!child.hasAttribute("hx-swap-oob")) child.setAttribute("hx-swap-oob", "true");
        kept.push(child.outerHTML);
      }
    });
    if (kept.length) {
      var focus = focusToKeep();
      var before = { status: liveStatus(), cards: cardIds(), open: openDetails() };
      htmx.swap(document.body, kept.join(""), { swapStyle: "none", swapDelay: 0, settleDelay: 0 });
      restoreFocus(focus);
      // A push re-renders folding sections: each one someone opened stays open.
      before.open.forEach(function (id) {
        var details = document.getElementById(id);
        if (details && details.tagName === "DETAILS") details.open = true;
      });
      afterTransitions(before);
    }
    afterSwap();
  }

  function openDetails() {
    return Array.prototype.map.call(document.querySelectorAll("details[id][open]"),
      function (details) { return details.id; });
  }

  function liveStatus() {
    var status = document.getElementById("live-status");
    return status ? status.dataset.status : null;
  }

  function cardIds() {
    return Array.prototype.map.call(document.querySelectorAll("#activity [data-interaction]"),
      function (card) { return card.id; });
  }

  function afterTransitions(before) {
    // A workshop resumed after it ended: say so where people are looking.
    if (before.status === "ended" && liveStatus() === "live") {
      var notice = document.getElementById("back-on");
      if (notice) {
        notice.textContent = "The workshop is back on.";
        notice.hidden = false;
        setTimeout(function () { notice.hidden = true; }, 60000);
      }
    }
    // Focus that fell to the page (what had it was replaced) goes to a question just opened.
    if (document.activeElement === document.body || !document.activeElement) {
      var fresh = cardIds().filter(function (id) { return before.cards.indexOf(id) < 0; })[0];
      var heading = fresh && document.querySelector("#" + fresh + " h2");
      if (heading && lostFocus) heading.focus();
    }
    lostFocus = false;
  }

  function focusToKeep() {
    // A push may replace the element someone reached with the keyboard: they stay on its
    // successor (same id). A mouse click's focus isn't kept, so the slide keys work after it.
    var active = document.activeElement;
    if (!active || active === document.body || !active.id) return null;
    var visible = false;
    try { visible = active.matches(":focus-visible"); } catch (e) { visible = false; }
    var card = active.closest ? active.closest("[data-interaction][id]") : null;
    return visible ? { id: active.id, element: active, card: card && card.id } : null;
  }

  var lostFocus = false; // a swap took away the element that had the focus

  function restoreFocus(focus) {
    if (!focus || focus.element.isConnected) return;
    var successor = document.getElementById(focus.id);
    if (successor && !successor.disabled) {
      successor.focus();
      return;
    }
    // Its card is still there (answers closed, or revealed): its heading takes the focus.
    var card = focus.card && document.getElementById(focus.card);
    var heading = card && card.querySelector("h2[tabindex]");
    if (heading) heading.focus();
    else lostFocus = true;
  }

  function handle(text) {
    var info = LiveOrdering.meta(text);
    if (info && info.t === "answer.saved") {
      answerSaved(info);
      return;
    }
    if (info && (info.t === "chat.saved" || info.t === "question.saved")) {
      var chat = info.t === "chat.saved";
      if (chat && mine && typeof info.message === "number" && mine.chat.indexOf(info.message) < 0) {
        mine.chat.push(info.message); // their line, when it arrives, says "You"
        applyMine(mine);
      }
      clearSent(chat ? "chat-text" : "question-text");
      taken(chat ? "chat-form" : "question-form");
      showFeedback(chat ? "chat.send" : "question.ask", chat ? "Sent." : info.waiting ?
        "Sent to the team: it goes in everyone's list once they approve it." :
        "Sent to the team: your question is in the list below.", true);
      return;
    }
    if (info && info.t === "snapshot") {
      signInRechecked = false; // the server let this socket in (a refusal opens, then closes)
      setTimeout(resendUnsaved, 0);
      Object.keys(drafts).forEach(function (id) { waiting(id, false); });
    }
    // Applied now (through deliver), dropped, held for the one it follows, or a gap.
    ordering.receive(text, info);
  }

  function deliver(text, info) {
    if (info && info.t === "error" && BATCHED[info.action]) unsaved.refused(info);
    if (info && info.t === "error") {
      Object.keys(ONCE_FORMS).forEach(function (id) {
        if (ONCE_FORMS[id] === info.action) taken(id); // refused: a new try is a new submission
      });
      // Beside the control that sent it, where the person is looking; or at the top.
      if (info.action && showFeedback(info.action, info.message, false)) return told(info);
      clearTimeout(errorTimer);
      errorTimer = setTimeout(clearError, 8000);
    }
    apply(text);
    told(info);
  }

  // For modules with a job of their own (reactions.js): each message once it is applied.
  function told(info) {
    if (info) document.dispatchEvent(new CustomEvent("live:message", { detail: info }));
  }

  var senders = {}; // action -> the element that last sent it
  var feedbackTimers = {};

  function showFeedback(action, text, ok) {
    var sender = senders[action];
    if (!sender || !sender.isConnected) return false;
    var scope = sender.closest("form, article, section") || sender.parentNode;
    var slot = scope && scope.querySelector('[data-feedback-for="' + action + '"]');
    var made = false;
    if (!slot && !ok) {
      // No place made for it: one goes just after the control's row, until the next push.
      var row = sender.closest("form, .button-row, li, p") || sender;
      slot = document.createElement(row.tagName === "LI" ? "span" : "p");
      slot.className = "feedback";
      slot.setAttribute("role", "alert");
      slot.dataset.feedbackFor = action;
      if (row.tagName === "LI") row.appendChild(slot);
      else row.insertAdjacentElement("afterend", slot);
      made = true;
    }
    if (!slot) return false;
    slot.classList.toggle("ok", !!ok);
    var fill = function () {
      slot.textContent = text;
      var place = slot.getBoundingClientRect();
      if (place.bottom > window.innerHeight || place.top < 0) slot.scrollIntoView({ block: "nearest" });
    };
    // A live region just made is heard only once it changes: fill it a moment later.
    if (made) setTimeout(fill, 60);
    else fill();
    clearTimeout(feedbackTimers[action]);
    feedbackTimers[action] = setTimeout(function () { slot.textContent = ""; }, ok ? 5000 : 12000);
    return true;
  }

  function clearError() {
    clearTimeout(errorTimer);
    var box = document.getElementById("ws-error");
    if (box) box.textContent = "";
  }

  // --- a form sent twice is saved once --------------------------------------------------------

  // Forms that make something new. Each submission carries a token, and the same form sent
  // again with the same values, before the server has taken or refused it, carries the same
  // one: a double click, or a resend, makes one line, question or poll (sessions/domain/once.py).
  // The button also waits for the answer, for a few seconds at most.
  var ONCE_FORMS = { "chat-form": "chat.send", "question-form": "question.ask",
                     "adhoc-form": "interaction.create" };
  var WAIT_MS = 5000;
  var drafts = {}; // by form id: {body, token}
  var waits = {};

  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // randomUUID is for https and localhost only; a room on a local network may use http.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function stamp(id, params) {
    var body = JSON.stringify(params);
    if (!drafts[id] || drafts[id].body !== body) drafts[id] = { body: body, token: newToken() };
    params.token = drafts[id].token;
    waiting(id, true);
  }

  function taken(id) {
    delete drafts[id];
    waiting(id, false);
  }

  function waiting(id, on) {
    clearTimeout(waits[id]);
    var form = document.getElementById(id);
    var button = form && form.querySelector("button[type=submit]");
    if (button) button.disabled = on;
    if (on) waits[id] = setTimeout(function () { waiting(id, false); }, WAIT_MS);
  }

  // --- permissions shown on the buttons (the server checks every action anyway) -------------

  function myRoles() {
    return (root.dataset.roles || "").split(" ").filter(Boolean);
  }

  function iControl() {
    var controls = document.getElementById("controls");
    var ids = controls ? (controls.dataset.controllers || "").split(" ") : [];
    return ids.indexOf(root.dataset.userId) >= 0;
  }

  function applyPermissions() {
    var roles = myRoles();
    var control = iControl();
    document.querySelectorAll("[data-needs-control]").forEach(function (el) {
      // data-at-end: the first or last slide of the whole agenda, with nowhere to go.
      el.disabled = !control || el.hasAttribute("data-at-end");
    });
    document.querySelectorAll("[data-roles]").forEach(function (el) {
      var needed = el.dataset.roles.split(" ");
      var ok = needed.some(function (r) { return roles.indexOf(r) >= 0; }) ||
        (el.hasAttribute("data-or-control") && control);
      if (el.tagName === "FORM" || el.hasAttribute("data-hidden-unless-allowed")) {
        el.hidden = !ok;
      } else {
        el.disabled = !ok;
      }
    });
    document.querySelectorAll("[data-when-no-control]").forEach(function (el) {
      el.hidden = control;
    });
  }

  // --- clocks -------------------------------------------------------------------------------

  function clock(seconds) {
    var total = Math.floor(Math.abs(seconds));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("[data-deadline-ms]").forEach(function (timer) {
      if (timer.dataset.running !== "1") return;
      var remaining = (Number(timer.dataset.deadlineMs) - now) / 1000;
      var value = timer.querySelector(".timer-value");
      var label = timer.querySelector(".timer-label");
      if (value) value.textContent = clock(remaining);
      if (label) label.textContent = remaining < 0 ? "over" : "left";
      timer.classList.toggle("overrun", remaining < 0);
      timer.classList.toggle("warning", remaining >= 0 && remaining <= Number(timer.dataset.warnS));
      // The agenda list's line for the segment on now keeps time with the big timer.
      var line = document.getElementById("current-segment-time");
      if (line && timer.id === "segment-timer") {
        var planned = Number(line.dataset.plannedS);
        line.textContent = clock(planned - remaining) + " of " + clock(planned);
      }
    });
    var elapsed = document.getElementById("total-elapsed");
    if (elapsed && elapsed.dataset.running === "1") {
      elapsed.textContent = clock((now - Number(elapsed.dataset.sinceMs)) / 1000);
    }
    tickCountdowns(now);
    // What changes when a timer runs out, rendered both ways: each shows in its own time.
    document.querySelectorAll("[data-until-ms]").forEach(function (el) {
      el.hidden = now >= Number(el.dataset.untilMs);
    });
    document.querySelectorAll("[data-after-ms]").forEach(function (el) {
      el.hidden = now < Number(el.dataset.afterMs);
    });
    var cue = document.getElementById("handoff-cue");
    if (cue) {
      var mine = (cue.dataset.forUsers || "").split(" ").indexOf(root.dataset.userId) >= 0;
      cue.hidden = !(mine && cue.dataset.running === "1" && now >= Number(cue.dataset.showAtMs));
    }
  }

  var clockStamp = null;

  function syncClock() {
    // Only a freshly rendered agenda says what the server's time was: measure then.
    // (The shared screen and phones have neither: their countdowns carry the stamp.)
    var stamped = document.getElementById("agenda") || document.getElementById("controls") ||
      document.querySelector("[data-closes-ms][data-now-ms]");
    if (stamped && stamped.dataset.nowMs && stamped.dataset.nowMs !== clockStamp) {
      clockStamp = stamped.dataset.nowMs;
      offset = Number(clockStamp) - Date.now();
    }
  }

  // --- a participant stepping back through slides already shown -----------------------------

  function liveInfo() {
    var status = document.getElementById("live-status");
    return status ? {
      live: Number(status.dataset.live), max: Number(status.dataset.maxShown),
      count: Number(status.dataset.count)
    } : null;
  }

  function applyBrowse() {
    var info = liveInfo();
    var liveSlide = document.getElementById("live-slide");
    var browse = document.getElementById("browse-slide");
    if (!info || !liveSlide || !browse) return;
    if (browsing !== null && browsing >= info.live) browsing = null;
    liveSlide.hidden = browsing !== null;
    browse.hidden = browsing === null;
    var back = document.getElementById("browse-back");
    var forward = document.getElementById("browse-forward");
    var toLive = document.getElementById("back-to-live");
    var bar = document.getElementById("browse-bar");
    var status = document.getElementById("live-status");
    if (back) back.hidden = (browsing === null ? info.live : browsing) <= 1;
    if (forward) forward.hidden = browsing === null;
    // While looking back, the top of the page says so, and the way back to live is there.
    if (bar) bar.hidden = browsing === null;
    if (status) status.hidden = browsing !== null;
    var label = document.getElementById("browse-label");
    if (label && browsing !== null) {
      label.textContent = "Earlier slide: " + browsing + " of " + info.count;
    }
    if (toLive) toLive.textContent = "Back to live (slide " + info.live + ")";
  }

  function browseTo(number) {
    var info = liveInfo();
    if (!info) return;
    if (number >= info.live) {
      browsing = null;
      applyBrowse();
      return;
    }
    if (number < 1) return;
    htmx.ajax("GET", "/runs/" + root.dataset.code + "/slides/" + number + "/", {
      target: "#browse-slide",
      swap: "innerHTML"
    }).then(function () {
      browsing = number;
      applyBrowse();
      var heading = document.querySelector("#browse-slide h2");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    });
  }

  // --- a participant's own answers, hand and votes (sent to them alone) -------------------

  var mine = null; // the last #my-state
  var pendingChat = null; // text sent, waiting for the server to count it
  var pendingQuestion = null;
  var pendingAdhoc = null; // an ad-hoc prompt or poll sent: its text, and the cards open then

  function setToggle(button, pressed, payload, labels) {
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    button.setAttribute("hx-vals", JSON.stringify(payload));
    if (labels) button.textContent = pressed ? labels[1] : labels[0];
  }

  var mineStamp = null;

  function readMine() {
    // A fresh #my-state (snapshot or personal message) replaces what we knew.
    var holder = document.getElementById("my-state");
    if (!holder || !holder.dataset.state || holder.dataset.state === mineStamp) return null;
    mineStamp = holder.dataset.state;
    try {
      var state = JSON.parse(mineStamp);
      return state.answers ? state : null;
    } catch (e) {
      return null;
    }
  }

  function answerSaved(info) {
    unsaved.saved(info); // forgotten only if this acknowledges the latest send of it
    if (!mine) return;
    var answer = mine.answers[info.interaction] || { text: "", passed: false, volunteer: false, words: [] };
    answer.choices = info.choices;
    if (info.words) answer.words = info.words;
    if (typeof info.response === "number") answer.id = info.response;
    mine.answers[info.interaction] = answer;
    applyMine(mine);
  }

  function resendUnsaved() {
    unsaved.pending().forEach(send);
  }

  // A word cloud's boxes hold the words the server has for this person (after a reload or a
  // fresh card), unless they are typing there: what is typed is never overwritten.
  function fillWords(state) {
    document.querySelectorAll("form[data-words]").forEach(function (form) {
      var answer = state.answers[form.dataset.words];
      if (!answer || !answer.words || form.contains(document.activeElement)) return;
      var boxes = form.querySelectorAll('input[name="words"]');
      var typed = Array.prototype.some.call(boxes, function (box) { return box.value; });
      if (typed) return;
      boxes.forEach(function (box, i) { box.value = answer.words[i] || ""; });
    });
  }

  function applyMine(fresh) {
    var state = fresh || readMine() || mine;
    if (!state) return;
    mine = state;
    document.querySelectorAll("button[data-choice]").forEach(function (button) {
      var id = button.dataset.interaction;
      var answer = state.answers[id];
      var chosen = !!answer && answer.choices.indexOf(Number(button.dataset.choice)) >= 0;
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
      var card = button.closest("[data-interaction]");
      if (card && card.dataset.multiple === "1") {
        button.setAttribute("hx-vals", JSON.stringify({
          action: "answer.choose", interaction: Number(id), choice: Number(button.dataset.choice),
          selected: !chosen
        }));
      }
    });
    document.querySelectorAll("button[data-rating]").forEach(function (button) {
      var answer = state.answers[button.dataset.rating];
      var given = answer ? answer.choices[Number(button.dataset.statement)] : null;
      button.setAttribute("aria-pressed", given === Number(button.dataset.value) ? "true" : "false");
    });
    document.querySelectorAll("[data-my-ratings]").forEach(function (line) {
      var answer = state.answers[line.dataset.myRatings];
      var rated = answer ? answer.choices.filter(function (r) { return r !== null; }).length : 0;
      var of = Number(line.dataset.statements);
      var text = "";
      if (rated && of === 1) text = "Your rating is saved.";
      else if (rated) text = "You have rated " + rated + " of " + of + ": saved.";
      if (line.textContent !== text) line.textContent = text;
    });
    document.querySelectorAll("[data-my-answer]").forEach(function (line) {
      var answer = state.answers[line.dataset.myAnswer];
      var text = "";
      if (answer && answer.choices.length) {
        var names = answer.choices.map(function (i) { return choiceName(line.dataset.myAnswer, i); });
        text = "Your answer: " + names.join("; ");
      } else if (answer && answer.words && answer.words.length) {
        text = "Your words: " + answer.words.join(" · ");
      } else if (answer && answer.text && line.dataset.kind === "text") {
        text = "Your answer: “" + answer.text + "”" +
          (answer.hidden ? " The team hid it from the room: only you and the team see it." : "");
      } else if (answer && answer.passed) {
        text = "You passed on this one.";
      } else if (answer && answer.text) {
        text = "Your response is saved: “" + answer.text + "”";
      }
      if (answer && answer.volunteer) text += (text ? " " : "") + "You offered to share aloud.";
      if (line.textContent !== text) line.textContent = text;
    });
    applyVerdicts(state);
    fillWords(state);
    document.dispatchEvent(new CustomEvent("live:mine", { detail: state })); // drafts.js
    // Their own lines (rendered once for everyone, naming nobody's row) say "You".
    var own = (state.chat || []).map(function (id) { return "#chat-" + id + " .chat-author"; });
    Object.keys(state.answers).forEach(function (id) {
      if (state.answers[id].id) own.push('[data-response="' + state.answers[id].id + '"] .by');
    });
    if (own.length) {
      document.querySelectorAll(own.join(", ")).forEach(function (by) {
        if (by.textContent !== "You") by.textContent = "You";
      });
    }
    document.querySelectorAll(".group-members").forEach(function (list) {
      var others = 0;
      list.querySelectorAll("[data-slot]").forEach(function (member) {
        member.hidden = Number(member.dataset.slot) === state.group_slot;
        if (!member.hidden) others += 1;
      });
      var alone = list.querySelector("[data-only-you]");
      if (alone) alone.hidden = others > 0;
    });
    document.querySelectorAll("button[data-volunteer]").forEach(function (button) {
      var id = Number(button.dataset.volunteer);
      var on = !!(state.answers[id] && state.answers[id].volunteer);
      setToggle(button, on, { action: "answer.volunteer", interaction: id, volunteer: !on },
        ["I'll share aloud", "I won't share aloud after all"]);
    });
    var hand = document.getElementById("hand-button");
    if (hand) setToggle(hand, state.hand, { action: "hand.raise", raised: !state.hand },
      ["Raise your hand", "Lower your hand"]);
    document.querySelectorAll("button[data-question]").forEach(function (button) {
      var id = Number(button.dataset.question);
      var voted = state.votes.indexOf(id) >= 0;
      // Says what a press wants (not "toggle"), so a double tap leaves the vote in.
      setToggle(button, voted, { action: "question.upvote", question: id, voted: !voted });
      // The label's first text; the question itself follows, for screen readers only.
      if (button.firstChild) button.firstChild.nodeValue = voted ? "Remove upvote" : "Upvote";
      button.disabled = state.mine.indexOf(id) >= 0;
    });
    // Only someone named on shared screens can join the scoreboard: others are told how.
    var canJoin = state.named || state.scoreboard;
    document.querySelectorAll("button[data-scoreboard-toggle]").forEach(function (button) {
      setToggle(button, state.scoreboard, { action: "scoreboard.join", joined: !state.scoreboard },
        ["Put my name on the scoreboard", "Take my name off the scoreboard"]);
      button.hidden = !canJoin;
    });
    document.querySelectorAll("[data-scoreboard-hint]").forEach(function (hint) {
      hint.hidden = canJoin;
    });
    var chatInput = document.getElementById("chat-text");
    if (chatInput) {
      chatInput.disabled = !!state.muted;
      chatInput.placeholder = state.muted ? "The host has muted you in the chat" : "";
    }
  }

  function choiceName(interaction, index) {
    // "B, It replaces parts of the Privacy Act 2020", from its button or its row in a chart.
    var card = document.getElementById("card-" + interaction);
    var el = card && card.querySelector('[data-choice="' + index + '"]');
    if (!el) return "";
    var letter = el.querySelector(".letter");
    var words = el.querySelector(".choice-text, .chart-label");
    var text = words ? (words.firstChild ? words.firstChild.textContent : words.textContent).trim() : "";
    return (letter ? letter.textContent.trim() + ", " : "") + text;
  }

  function applyVerdicts(state) {
    // After a reveal, in words: right, or what the answer was (colour and ticks say it too).
    document.querySelectorAll("[data-verdict]").forEach(function (line) {
      var id = line.dataset.verdict;
      var card = document.getElementById("card-" + id);
      if (!card) return;
      var correct = (card.dataset.correct || "").split(" ").filter(Boolean).map(Number).sort();
      var answer = state.answers[id];
      var chosen = answer ? answer.choices.slice().sort() : [];
      var names = correct.map(function (i) { return choiceName(id, i); }).join("; ");
      var several = correct.length > 1 ? "the answers were " : "the answer was ";
      var right = chosen.length > 0 && chosen.join(",") === correct.join(",");
      var text = !chosen.length ? "You didn't answer this one: " + several + names + "."
        : right ? "Correct: " + names + "."
        : "Not this time: " + several + names + ".";
      if (line.textContent !== text) line.textContent = text;
      line.classList.toggle("right", right);
      line.classList.toggle("wrong", !right);
      card.querySelectorAll(".chart-row[data-choice]").forEach(function (row) {
        var mineRow = chosen.indexOf(Number(row.dataset.choice)) >= 0;
        var tag = row.querySelector(".mine-tag");
        if (mineRow && !tag) {
          tag = document.createElement("span");
          tag.className = "mine-tag";
          tag.textContent = "Your answer";
          row.querySelector(".chart-label").appendChild(tag);
        } else if (!mineRow && tag) {
          tag.remove();
        }
      });
    });
  }

  function clearSent(id) {
    // Only once the server has saved it, and only if it wasn't edited since: nothing typed
    // is lost when a message is refused.
    var input = document.getElementById(id);
    var pending = id === "chat-text" ? pendingChat : pendingQuestion;
    if (input && pending !== null && input.value === pending) input.value = "";
    if (id === "chat-text") pendingChat = null; else pendingQuestion = null;
  }

  function tickCountdowns(now) {
    document.querySelectorAll("[data-closes-ms]").forEach(function (el) {
      var left = (Number(el.dataset.closesMs) - now) / 1000;
      var value = el.querySelector(".countdown-value");
      if (value) value.textContent = clock(Math.max(0, left));
      if (left <= 0) {
        var card = el.closest("[data-interaction]");
        if (card) card.querySelectorAll("button[data-choice]").forEach(function (b) { b.disabled = true; });
        el.textContent = "Time's up.";
        el.removeAttribute("data-closes-ms");
      }
    });
  }

  // Toggles (upvote, hand, "I'll share aloud", scoreboard) send the state they want, so a
  // repeat is harmless, unless the reply lands between two taps and the second one, meant as
  // the same press, undoes the first: a second press this soon after is taken as a double tap.
  var TOGGLES = "button[data-question], #hand-button, button[data-volunteer], button[data-scoreboard-toggle]";
  var DOUBLE_TAP_MS = 500;
  var lastPress = { id: null, at: 0 };

  function doubleTap(button) {
    if (!button.matches || !button.matches(TOGGLES)) return false;
    var now = Date.now();
    var again = lastPress.id === button.id && now - lastPress.at < DOUBLE_TAP_MS;
    lastPress = { id: button.id, at: again ? lastPress.at : now };
    return again;
  }

  document.addEventListener("htmx:wsConfigSend", function (event) {
    var params = event.detail.parameters;
    if (doubleTap(event.target)) {
      event.preventDefault();
      return;
    }
    if (BATCHED[params.action]) {
      var card = event.target.closest ? event.target.closest("[data-interaction]") : null;
      unsaved.sent(params, !!card && card.dataset.multiple !== "1");
    }
    if (params.action) {
      senders[params.action] = event.target;
      var slot = document.querySelector('[data-feedback-for="' + params.action + '"]');
      if (slot && slot.closest("form, article, section") === event.target.closest("form, article, section")) {
        slot.textContent = ""; // a new try: the last word on the old one goes
      }
    }
    var id = event.target && event.target.id;
    if (id === "goto-form") {
      var chosen = document.getElementById("goto-number");
      if (chosen) delete chosen.dataset.chosen;
    }
    if (ONCE_FORMS[id]) stamp(id, params);
    if (id === "chat-form") pendingChat = event.detail.parameters.text;
    if (id === "question-form") pendingQuestion = event.detail.parameters.text;
    if (id === "adhoc-form") {
      pendingAdhoc = { text: String(params.text || "").trim(), cards: staffCardIds() };
    }
  });

  function staffCards() {
    return document.querySelectorAll("#activity-staff [id^='staff-card-']");
  }

  function staffCardIds() {
    return Array.prototype.map.call(staffCards(), function (card) { return card.id; });
  }

  function clearAdhoc() {
    // No reply comes for a prompt or poll made here: a card with its question that wasn't
    // open when it was sent is the sign it was made. Then the form empties (unless edited
    // since) and an error left from an earlier try goes.
    if (!pendingAdhoc) return;
    var sent = pendingAdhoc;
    var made = Array.prototype.some.call(staffCards(), function (card) {
      var heading = card.querySelector("h3");
      return sent.cards.indexOf(card.id) < 0 && !!heading && heading.textContent.trim() === sent.text;
    });
    if (!made) return;
    pendingAdhoc = null;
    var form = document.getElementById("adhoc-form");
    var input = document.getElementById("adhoc-text");
    if (form && input && input.value.trim() === sent.text) form.reset();
    clearError();
    var slot = form && form.querySelector(".feedback");
    if (slot) slot.textContent = "";
    taken("adhoc-form");
  }

  function clearTeamChat() {
    // The team has no personal state: their line showing up in the log means it was sent.
    if (pendingChat === null || mine) return;
    var lines = document.querySelectorAll("#chat-log .from-team .chat-text");
    var last = lines.length ? lines[lines.length - 1].textContent : null;
    var input = document.getElementById("chat-text");
    if (input && last === pendingChat.trim()) {
      if (input.value === pendingChat) input.value = "";
      pendingChat = null;
      taken("chat-form");
    }
  }

  function followGoto() {
    // "Go to slide" keeps what someone is choosing, but otherwise shows the live slide.
    // (The form is preserved across pushes, so the live slide comes from the controls.) A
    // choice made and not yet sent with Go stays.
    var select = document.getElementById("goto-number");
    var controls = document.getElementById("controls");
    if (select && controls && controls.dataset.slide && !select.dataset.chosen) {
      select.value = controls.dataset.slide;
    }
  }

  function fillCounts() {
    // A folded section says how many of what it holds need attention ("2 open").
    document.querySelectorAll("[data-count-of]").forEach(function (badge) {
      var count = document.querySelectorAll(badge.dataset.countOf).length;
      badge.textContent = count ? count + " " + badge.dataset.countLabel : "";
      badge.hidden = !count;
    });
  }

  function fillSiteHost() {
    // How to join names this site's address; without SITE_URL it is the one this page is on.
    document.querySelectorAll("[data-site-host]").forEach(function (el) {
      if (!el.textContent.trim()) el.textContent = window.location.host;
    });
  }

  function afterSwap() {
    syncClock();
    applyPermissions();
    applyBrowse();
    applyMine();
    clearTeamChat();
    clearAdhoc();
    followGoto();
    fillSiteHost();
    fillCounts();
    tick();
    if (window.stageFit) window.stageFit();
    document.dispatchEvent(new CustomEvent("live:swapped"));
  }

  // --- wiring ---------------------------------------------------------------------------------

  // Listen from the start: htmx may open the socket before DOMContentLoaded handlers run.
  htmx.config.wsReconnectDelay = jitter;

  document.addEventListener("htmx:wsConnecting", function () {
    if (!closedForGood) setStatus("connecting", attempts ? "Reconnecting…" : "Connecting…");
  });
  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    attempts = 0;
    setStatus("connected", "Connected");
  });
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    // What was held waits no longer: the reconnect's snapshot brings the whole picture.
    ordering.closed();
    if (code === 4401 && !signInRechecked) {
      // The session this socket opened with has ended. Signed out, most likely; but a
      // password change gives this browser a new session: try once with what it holds now.
      signInRechecked = true;
      event.detail.socketWrapper.reconnect();
      return;
    }
    if (CLOSE_MESSAGES[code]) {
      closedForGood = true;
      setStatus("closed", CLOSE_MESSAGES[code], code === 4401 ? logInAgain() : null);
      return;
    }
    setStatus("connecting", "Connection lost: reconnecting…");
    attempts += 1;
    // htmx-ext-ws retries 1006/1011/1012/1013 itself; a clean close from a server going
    // away (1000, 1001, 1005) must be retried too.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0) {
      var wrapper = event.detail.socketWrapper;
      setTimeout(function () { wrapper.reconnect(); }, jitter(attempts));
    }
  });
  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    event.preventDefault(); // we apply it ourselves, in order
    root = root || document.getElementById("live-root");
    handle(event.detail.message);
  });

  function init() {
    root = document.getElementById("live-root");
    if (!root) return;
    document.addEventListener("change", function (event) {
      if (event.target && event.target.id === "goto-number") event.target.dataset.chosen = "1";
    });

    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button") : null;
      if (!target) return;
      var info = liveInfo();
      if (target.id === "browse-back" && info) browseTo((browsing === null ? info.live : browsing) - 1);
      if (target.id === "browse-forward" && browsing !== null) browseTo(browsing + 1);
      if (target.id === "back-to-live") {
        browsing = null;
        applyBrowse();
        var live = document.querySelector("#live-slide h2");
        if (live) { live.setAttribute("tabindex", "-1"); live.focus(); }
      }
    });
    if (root.dataset.heartbeat) {
      setInterval(function () { send({ action: "ping" }); }, 25000);
    }
    setInterval(tick, 1000);
    afterSwap();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
