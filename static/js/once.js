// Tokens for forms that make something new (joining a workshop, creating a run): made here,
// once per page, so that the same form posted twice (a double click, or a click again when
// the first seemed lost) makes one participant or run, not two. The join page is the same for
// everyone (cached), so the server can't put a token of its own in it.
(function () {
  "use strict";

  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // randomUUID is for https and localhost only; a room on a local network may use http.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function fill() {
    document.querySelectorAll("input[name=token][data-fresh]").forEach(function (input) {
      input.value = newToken();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
