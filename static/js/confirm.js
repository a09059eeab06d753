// Buttons that do something hard to undo ask first, in an accessible dialog: an element with
// data-confirm="what will happen" (and data-confirm-title, data-confirm-button) is only pressed,
// or its form only sent, once the person confirms. Works for websocket buttons (ws-send) and
// plain form buttons alike, because the click is held back before anything else hears it.
(function () {
  "use strict";

  var dialog = null;
  var pending = null; // the element waiting for an answer
  var confirmed = null; // the element allowed through once
  var pendingPlace = null; // the id of the nearest part of the page holding it

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-text");
    dialog.innerHTML =
      '<h2 id="confirm-title"></h2><p id="confirm-text"></p>' +
      '<div class="button-row"><button type="button" class="button secondary" data-answer="no">Cancel</button>' +
      '<button type="button" class="button danger" data-answer="yes"></button></div>';
    dialog.addEventListener("click", function (event) {
      var answer = event.target.closest && event.target.closest("[data-answer]");
      if (answer) close(answer.dataset.answer === "yes");
    });
    dialog.addEventListener("cancel", function () { close(false); });
    document.body.appendChild(dialog);
  }

  function ask(element) {
    if (!dialog) build();
    pending = element;
    pendingPlace = place(element);
    dialog.querySelector("#confirm-title").textContent = element.dataset.confirmTitle || "Are you sure?";
    dialog.querySelector("#confirm-text").textContent = element.dataset.confirm;
    dialog.querySelector('[data-answer="yes"]').textContent =
      element.dataset.confirmButton || element.textContent.trim();
    dialog.showModal();
    dialog.querySelector('[data-answer="no"]').focus(); // the safe choice has the focus
  }

  function place(element) {
    var holder = element.parentElement && element.parentElement.closest("[id]");
    return holder ? holder.id : "";
  }

  function twin(element) {
    // A live page may re-render the button while its dialog is open: its successor is the
    // one that would do the same thing (same action and values, same words), in the same
    // part of the page (the same action can be offered twice, in a card and in a list).
    if (element.isConnected) return element;
    var matches = Array.prototype.filter.call(document.querySelectorAll("[data-confirm]"),
      function (other) {
        return other.tagName === element.tagName && other.id === element.id &&
          other.getAttribute("hx-vals") === element.getAttribute("hx-vals") &&
          other.textContent === element.textContent;
      });
    var here = matches.filter(function (other) { return place(other) === pendingPlace; });
    if (here.length) return here[0];
    return matches.length ? matches[0] : element;
  }

  function close(yes) {
    var element = pending && twin(pending);
    pending = null;
    if (dialog.open) dialog.close();
    if (!element) return;
    if (yes && element.isConnected) {
      confirmed = element;
      if (element.tagName === "FORM") element.requestSubmit();
      else element.click();
      confirmed = null;
    } else if (element.isConnected) {
      element.focus();
    }
  }

  function hold(event, element) {
    if (!element || element === confirmed || typeof HTMLDialogElement !== "function") return;
    event.preventDefault();
    event.stopImmediatePropagation();
    ask(element);
  }

  document.addEventListener("click", function (event) {
    var element = event.target.closest && event.target.closest("[data-confirm]");
    if (element && element.tagName !== "FORM" && !element.disabled) hold(event, element);
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-confirm")) {
      if (submitter !== confirmed) {
        event.preventDefault();
        event.stopImmediatePropagation();
        ask(submitter);
      }
      return;
    }
    if (form.hasAttribute && form.hasAttribute("data-confirm")) hold(event, form);
  }, true);
})();
