// A ranking on a participant's phone: the items are put in order with "Move up" and "Move
// down" buttons (by keyboard, screen reader or touch alike; nothing needs dragging). The focus
// stays on the button pressed, on the item that moved; a polite live region says where it is
// now ("Trust is now 2 of 5"). The form's hidden inputs follow the list, so "Send my order"
// sends the order shown (templates/runs/_ranking_card.html). The person's saved order comes
// back in their state (live.js's "live:mine"): the list takes it until they move something,
// and the line under the card says it. tests/js/ranking.test.js runs the moves.
(function () {
  "use strict";

  // The order after moving the item at `position` one place up (-1) or down (+1); the same
  // order when it can't go further.
  function moved(order, position, step) {
    var to = position + step;
    var next = order.slice();
    if (position < 0 || position >= order.length || to < 0 || to >= order.length) return next;
    next.splice(to, 0, next.splice(position, 1)[0]);
    return next;
  }

  function said(text, place, count) {
    return text + " is now " + place + " of " + count + ".";
  }

  var api = { moved: moved, said: said };
  if (typeof document === "undefined") {
    module.exports = api;
    return;
  }

  function rows(list) {
    return Array.prototype.slice.call(list.children);
  }

  function orderOf(form) {
    return rows(form.querySelector(".rank-list")).map(function (li) { return Number(li.dataset.item); });
  }

  // Places, and which buttons can't move their item further (still focusable: a key pressed
  // again on one says so, rather than the focus jumping elsewhere).
  function renumber(list) {
    var all = rows(list);
    all.forEach(function (li, i) {
      li.querySelector(".rank-place").textContent = String(i + 1);
      var up = li.querySelector('[data-rank-move="up"]');
      var down = li.querySelector('[data-rank-move="down"]');
      if (i === 0) up.setAttribute("aria-disabled", "true"); else up.removeAttribute("aria-disabled");
      if (i === all.length - 1) down.setAttribute("aria-disabled", "true"); else down.removeAttribute("aria-disabled");
    });
  }

  function announce(form, text) {
    var region = form.querySelector("[data-rank-status]");
    if (!region) return;
    // The same words twice in a row are heard again only if the region changes between.
    region.textContent = region.textContent === text ? text + "\u00a0" : text;
  }

  function arrange(form, order) {
    var list = form.querySelector(".rank-list");
    var byItem = {};
    rows(list).forEach(function (li) { byItem[li.dataset.item] = li; });
    order.forEach(function (index) {
      if (byItem[index]) list.appendChild(byItem[index]);
    });
    renumber(list);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-rank-move]") : null;
    var form = button && button.closest("form[data-ranking]");
    if (!form) return;
    event.preventDefault();
    var list = form.querySelector(".rank-list");
    var li = button.closest(".rank-item");
    var all = rows(list);
    var position = all.indexOf(li);
    var step = button.dataset.rankMove === "up" ? -1 : 1;
    var text = li.dataset.text;
    if (button.getAttribute("aria-disabled") === "true") {
      announce(form, text + " is already " + (step < 0 ? "first." : "last."));
      return;
    }
    arrange(form, moved(orderOf(form), position, step));
    form.dataset.moved = "1";
    button.focus(); // moving it in the page took the focus away: it follows the item
    announce(form, said(text, position + step + 1, all.length));
  });

  function itemTexts(card) {
    var holder = card && card.querySelector("[data-rank-items]");
    return holder ? rows(holder).map(function (li) { return li.textContent; }) : [];
  }

  // Their saved order: in the list (unless they are changing it) and said under the card.
  document.addEventListener("live:mine", function (event) {
    var answers = (event.detail && event.detail.answers) || {};
    document.querySelectorAll("[data-my-order]").forEach(function (line) {
      var id = line.dataset.myOrder;
      var answer = answers[id];
      var saved = answer && answer.choices && answer.choices.length ? answer.choices : null;
      var card = line.closest("[data-interaction]");
      var form = card && card.querySelector("form[data-ranking]");
      if (form && saved) {
        var now = orderOf(form);
        if (now.join(",") === saved.join(",")) {
          delete form.dataset.moved;
        } else if (!form.dataset.moved && now.length === saved.length) {
          arrange(form, saved);
        }
      }
      var texts = itemTexts(card);
      var text = saved ? "Your order is saved: " + saved.map(function (index, i) {
        return (i + 1) + ". " + (texts[index] || "");
      }).join(" · ") : "";
      if (line.textContent !== text) line.textContent = text;
    });
  });
})();
