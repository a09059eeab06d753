// The live views' client: keeps the websocket's pushes in order, reconnects by itself,
// ticks the agenda's clocks between pushes, and handles keys and participant browsing.
// Pushed messages are HTML fragments led by <!--ev {...}-->; see docs/protocol.md.
(function () {
  "use strict";

  var root = null;
  var socket = null; // htmx-ext-ws's wrapper: send(), reconnect()
  var seen = null; // the version of the last event applied for this socket's audience
  var attempts = 0;
  var offset = 0; // server clock minus this browser's clock, in ms
  var browsing = null; // the earlier slide a participant is looking at, or null when live
  var closedForGood = false;
  var syncing = false;
  var errorTimer = null;

  var CLOSE_MESSAGES = {
    4403: "You don't have access to this workshop from this browser.",
    4404: "This workshop doesn't exist.",
    4410: "You are no longer in this workshop."
  };

  function jitter(retry) {
    // Full jitter, capped: a restarted server isn't hit by everyone at once.
    return Math.random() * Math.min(8000, 500 * Math.pow(2, retry));
  }

  function setStatus(state, text) {
    var el = document.getElementById("connection-status");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  function meta(text) {
    if (text.lastIndexOf("<!--ev ", 0) !== 0) return null;
    try {
      return JSON.parse(text.slice(7, text.indexOf("-->")));
    } catch (e) {
      return null;
    }
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
      htmx.swap(document.body, kept.join(""), { swapStyle: "none", swapDelay: 0, settleDelay: 0 });
    }
    afterSwap();
  }

  function handle(text) {
    var info = meta(text);
    if (info && info.t === "snapshot") {
      syncing = false;
      seen = typeof info.v === "number" ? info.v : null;
    } else if (info && typeof info.v === "number") {
      if (seen !== null && info.v <= seen) return; // already in the snapshot we hold
      if (seen !== null && info.prev !== seen) {
        // Missed something: ask for the whole picture, once until it arrives.
        if (!syncing) {
          syncing = true;
          send({ action: "sync" });
        }
        return;
      }
      seen = info.v;
    }
    if (info && info.t === "error") {
      clearTimeout(errorTimer);
      errorTimer = setTimeout(function () {
        var box = document.getElementById("ws-error");
        if (box) box.textContent = "";
      }, 8000);
    }
    apply(text);
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
      el.disabled = !control;
    });
    document.querySelectorAll("[data-roles]").forEach(function (el) {
      var needed = el.dataset.roles.split(" ");
      var ok = needed.some(function (r) { return roles.indexOf(r) >= 0; }) ||
        (el.hasAttribute("data-or-control") && control);
      if (el.tagName === "FORM") {
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
    var timer = document.getElementById("segment-timer");
    if (timer && timer.dataset.running === "1") {
      var remaining = (Number(timer.dataset.deadlineMs) - now) / 1000;
      var value = timer.querySelector(".timer-value");
      var label = timer.querySelector(".timer-label");
      if (value) value.textContent = clock(remaining);
      if (label) label.textContent = remaining < 0 ? "over" : "left";
      timer.classList.toggle("overrun", remaining < 0);
      timer.classList.toggle("warning", remaining >= 0 && remaining <= Number(timer.dataset.warnS));
    }
    var elapsed = document.getElementById("total-elapsed");
    if (elapsed && elapsed.dataset.running === "1") {
      elapsed.textContent = clock((now - Number(elapsed.dataset.sinceMs)) / 1000);
    }
    var cue = document.getElementById("handoff-cue");
    if (cue) {
      var mine = (cue.dataset.forUsers || "").split(" ").indexOf(root.dataset.userId) >= 0;
      cue.hidden = !(mine && cue.dataset.running === "1" && now >= Number(cue.dataset.showAtMs));
    }
  }

  var clockStamp = null;

  function syncClock() {
    // Only a freshly rendered agenda says what the server's time was: measure then.
    var agenda = document.getElementById("agenda");
    if (agenda && agenda.dataset.nowMs && agenda.dataset.nowMs !== clockStamp) {
      clockStamp = agenda.dataset.nowMs;
      offset = Number(clockStamp) - Date.now();
    }
  }

  // --- a participant stepping back through slides already shown -----------------------------

  function liveInfo() {
    var status = document.getElementById("live-status");
    return status ? { live: Number(status.dataset.live), max: Number(status.dataset.maxShown) } : null;
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
    if (back) back.hidden = (browsing === null ? info.live : browsing) <= 1;
    if (forward) forward.hidden = browsing === null;
    if (toLive) {
      toLive.hidden = browsing === null;
      toLive.textContent = "Back to live (slide " + info.live + ")";
    }
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

  function afterSwap() {
    syncClock();
    applyPermissions();
    applyBrowse();
    tick();
  }

  // --- wiring ---------------------------------------------------------------------------------

  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function onKey(event) {
    if (!root.dataset.slideKeys || event.defaultPrevented || event.altKey || event.ctrlKey ||
        event.metaKey || typing(event.target)) return;
    var id = { ArrowRight: "slide-next", " ": "slide-next", PageDown: "slide-next",
               ArrowLeft: "slide-previous", PageUp: "slide-previous" }[event.key];
    var button = id && document.getElementById(id);
    if (button) {
      event.preventDefault();
      if (!button.disabled) button.click();
    }
  }

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
    if (CLOSE_MESSAGES[code]) {
      closedForGood = true;
      setStatus("closed", CLOSE_MESSAGES[code]);
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
    document.addEventListener("keydown", onKey);
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
