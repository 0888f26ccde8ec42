/* Meter tree (计量层级): filter by id or name, expand all, collapse all.
 *
 * The tree is nested <details data-tree-node> (collapsed by default, so a park of hundreds of
 * meters shows its few roots). Typing in [data-tree-filter] hides every meter whose id or name
 * does not contain the text and opens the ancestors of those that do; an empty filter restores
 * the collapsed tree.
 */
(function () {
  "use strict";

  function setAll(tree, open) {
    tree.querySelectorAll("details[data-tree-node]").forEach(function (d) { d.open = open; });
  }

  function filter(tree, text) {
    var q = text.trim().toLowerCase();
    var items = tree.querySelectorAll("li");
    if (!q) {
      items.forEach(function (li) { li.classList.remove("tree-hidden"); });
      setAll(tree, false);
      return;
    }
    items.forEach(function (li) { li.classList.add("tree-hidden"); });
    tree.querySelectorAll("[data-node]").forEach(function (node) {
      if (node.textContent.toLowerCase().indexOf(q) === -1) { return; }
      var summary = node.parentElement;
      var own = summary && summary.tagName === "SUMMARY" ? summary.parentElement : null;
      var el = node.closest("li");
      while (el && tree.contains(el)) {
        if (el.tagName === "LI") { el.classList.remove("tree-hidden"); }
        if (el.tagName === "DETAILS" && el !== own) { el.open = true; }
        el = el.parentElement;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tree = document.querySelector("[data-meter-tree]");
    if (!tree) { return; }
    var input = document.querySelector("[data-tree-filter]");
    var expand = document.querySelector("[data-tree-expand]");
    var collapse = document.querySelector("[data-tree-collapse]");
    if (input) { input.addEventListener("input", function () { filter(tree, input.value); }); }
    if (expand) { expand.addEventListener("click", function () { setAll(tree, true); }); }
    if (collapse) { collapse.addEventListener("click", function () { setAll(tree, false); }); }
  });
})();
