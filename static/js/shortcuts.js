// The team's keyboard shortcuts: the slide keys (on pages marked data-slide-keys), N for the
// notes, + and − for their size, ? for the list. A key never acts while focus is on something
// the key belongs to (a field, button, link, summary or menu): Space must press the button.
// So that the keys keep working for someone who also uses the mouse, a mouse click on a
// button doesn't leave the focus on it.
(function () {
  "use strict";

  var SLIDE_KEYS = {
    ArrowRight: "slide-next", PageDown: "slide-next", " ": "slide-next",
    ArrowLeft: "slide-previous", PageUp: "slide-previous"
  };
  var OWN_KEYS = "a[href], button, summary, input, textarea, select, [contenteditable], [role=button], [role=link], dialog";

  function ownsKeys(target) {
    if (!target || !target.closest) return false;
    if (target.closest(OWN_KEYS)) return true;
    // A scrolling region reached with the keyboard (the notes, the chat) scrolls with these
    // keys; clicked with the mouse, the page's keys still move the slides.
    var region = target.closest('[tabindex="0"]');
    try { return !!region && region.matches(":focus-visible"); } catch (e) { return false; }
  }

  function click(id) {
    var button = document.getElementById(id);
    if (button && !button.disabled && !button.hidden) button.click();
    return !!button;
  }

  function onKey(event) {
    var root = document.getElementById("live-root");
    if (!root || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (ownsKeys(event.target)) return;
    var dialog = document.getElementById("shortcuts");
    if (event.key === "?") {
      if (dialog && typeof dialog.showModal === "function" && !dialog.open) {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    if (root.dataset.slideKeys && SLIDE_KEYS[event.key]) {
      if (click(SLIDE_KEYS[event.key])) event.preventDefault();
      return;
    }
    var key = event.key.toLowerCase();
    if (key === "n") {
      if (click("notes-toggle")) event.preventDefault();
    } else if (key === "+" || key === "=" || key === "-" || key === "−") {
      var step = key === "-" || key === "−" ? -1 : 1;
      var button = document.querySelector('[data-notes-size="' + step + '"]');
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  }

  document.addEventListener("keydown", onKey);
  // A button pressed with the mouse gives the focus back to the page, so a slide clicker
  // (which sends Page Down, Page Up and the arrows) goes on working after it. Keyboard
  // presses (detail 0) keep the focus where the person put it.
  document.addEventListener("click", function (event) {
    if (event.detail === 0) return;
    var pressed = event.target.closest && event.target.closest("button, summary");
    // A button that opens a dialog keeps the focus, for the dialog to give it back to.
    if (pressed && !pressed.closest("dialog") && !pressed.matches("[aria-haspopup=dialog]") &&
        document.activeElement === pressed) {
      pressed.blur();
    }
  });
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("#shortcuts-open");
    var dialog = document.getElementById("shortcuts");
    if (opener && dialog && typeof dialog.showModal === "function") dialog.showModal();
  });
})();
