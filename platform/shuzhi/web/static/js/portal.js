// Portal behaviour. No inline scripts or handlers anywhere (strict CSP):
// everything hangs off data attributes and classes through delegated listeners.
(function () {
  "use strict";

  // Org tree: open and close a node. The first opening also fetches the
  // children (htmx, hx-trigger="click once" on the same button).
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button.sz-toggle");
    if (!btn) return;
    var kids = document.getElementById(btn.getAttribute("aria-controls"));
    var open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    if (kids) kids.hidden = !open;
  });

  // Mark the org whose detail panel is showing.
  function markSelected(id) {
    document.querySelectorAll(".sz-row.sz-selected").forEach(function (row) {
      row.classList.remove("sz-selected");
    });
    if (!id) return;
    var row = document.querySelector('.sz-row[data-org-id="' + id + '"]');
    if (row) row.classList.add("sz-selected");
  }

  document.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.target && ev.target.id === "detail") {
      // On a phone the empty panel is hidden; it shows once it has an org.
      var col = ev.target.closest(".sz-detail-col");
      if (col) col.classList.remove("d-none");
      var panel = ev.target.querySelector(".sz-detail");
      markSelected(panel ? panel.getAttribute("data-org-id") : null);
      var title = ev.target.querySelector("#detail-title");
      if (title) document.title = title.textContent + " · " + document.title.split(" · ").pop();
    }
  });

  // A select marked data-autosubmit submits its form when changed.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
  });
})();

// Report editor: a message about the text as it was (a refused submit, an upload's notice)
// goes away once the secretary edits it; the live panel says how the text stands now.
document.addEventListener("input", function (ev) {
  if (!ev.target || ev.target.id !== "sz-text") return;
  document.querySelectorAll("[data-hide-on-edit]").forEach(function (el) { el.hidden = true; });
});
