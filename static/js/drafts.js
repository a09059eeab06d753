// A share-out response half typed when its prompt closes (the slides moved on, or the team
// closed it): kept in this tab only, never sent by itself. It comes back into the field when
// the prompt opens again, and shows as "not sent" while the prompt is closed on screen. A
// draft goes once the server has the same words (the participant's own state, from live.js).
(function () {
  "use strict";

  var mine = null; // the participant's last state: their saved responses

  function key(id) {
    var root = document.getElementById("live-root");
    return "draft:" + (root ? root.dataset.code : "") + ":" + id;
  }

  function read(id) {
    try { return window.sessionStorage.getItem(key(id)) || ""; } catch (e) { return ""; }
  }

  function write(id, text) {
    try {
      if (text) window.sessionStorage.setItem(key(id), text);
      else window.sessionStorage.removeItem(key(id));
    } catch (e) { /* storage refused: the draft lives only in the field */ }
  }

  function saved(id) {
    return mine && mine.answers[id] ? mine.answers[id].text : "";
  }

  function apply() {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var id = form.dataset.draft;
      var field = form.querySelector("textarea");
      var draft = read(id);
      if (draft && draft === saved(id)) write(id, ""); // it was sent
      else if (field && !field.value && draft) field.value = draft; // the prompt opened again
    });
    document.querySelectorAll("[data-draft-left]").forEach(function (note) {
      var id = note.dataset.draftLeft;
      var draft = read(id);
      var left = !!draft && draft !== saved(id);
      note.hidden = !left;
      if (left) {
        note.textContent = "Not sent before it closed: “" + draft + "”. It comes back here if " +
          "the prompt opens again.";
      }
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-draft]") : null;
    if (form && event.target.tagName === "TEXTAREA") write(form.dataset.draft, event.target.value);
  });
  document.addEventListener("live:mine", function (event) {
    mine = event.detail;
    apply();
  });
  document.addEventListener("live:swapped", apply);
})();
