// Repeating rows on filing forms: "Add a row" copies the last row with empty inputs and
// the next index in every name and id. Without JavaScript the form offers blank rows.
(function () {
  "use strict";
  function renumber(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(/\.(\d+)\./, "." + index + ".")); }
      });
    });
  }
  document.querySelectorAll("[data-rows]").forEach(function (group) {
    var button = group.querySelector("[data-add-row]");
    if (!button) { return; }
    button.classList.remove("d-none");
    button.addEventListener("click", function () {
      var rows = group.querySelectorAll("[data-row]");
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
        el.classList.remove("is-invalid");
        el.removeAttribute("aria-invalid");
      });
      copy.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
      renumber(copy, rows.length);
      last.after(copy);
      var first = copy.querySelector("input, select");
      if (first) { first.focus(); }
    });
  });
})();
