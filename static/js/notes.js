// The speaker notes on the team's views: shown or folded away, and their text size,
// remembered for this person in this browser. Pushes re-render the notes, so both are
// applied again after each one.
(function () {
  "use strict";

  var SIZES = [0.9, 1, 1.15, 1.3, 1.5, 1.75, 2];

  function who() {
    var root = document.getElementById("live-root");
    return root ? (root.dataset.userId || "") + ":" + (root.dataset.view || "") : "";
  }

  function read(name, fallback) {
    try {
      var value = window.localStorage.getItem("notes-" + name + ":" + who());
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function write(name, value) {
    try {
      window.localStorage.setItem("notes-" + name + ":" + who(), String(value));
    } catch (e) { /* storage refused: the choice lasts until the next push */ }
  }

  function sizeIndex() {
    var index = Number(read("size", "1"));
    return Math.min(SIZES.length - 1, Math.max(0, isNaN(index) ? 1 : index));
  }

  function apply() {
    var panel = document.getElementById("notes-panel");
    if (!panel) return;
    var open = read("open", "1") === "1";
    var toggle = document.getElementById("notes-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("is-folded", !open);
    var body = document.getElementById("slide-notes");
    var index = sizeIndex();
    if (body) {
      body.hidden = !open;
      body.style.setProperty("--notes-scale", String(SIZES[index]));
    }
    panel.querySelectorAll("[data-notes-size]").forEach(function (button) {
      var step = Number(button.dataset.notesSize);
      button.hidden = !open;
      button.disabled = (step < 0 && index === 0) || (step > 0 && index === SIZES.length - 1);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("#notes-toggle")) {
      write("open", read("open", "1") === "1" ? "0" : "1");
      apply();
      return;
    }
    var button = target.closest("[data-notes-size]");
    if (button) {
      write("size", Math.min(SIZES.length - 1, Math.max(0, sizeIndex() + Number(button.dataset.notesSize))));
      apply();
    }
  });
  document.addEventListener("live:swapped", apply);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
  else apply();
})();
