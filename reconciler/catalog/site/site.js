// Filters the tools as one types: a tool stays when every word of the query is in its name or description.
// Plain JavaScript on purpose: one input and a loop over list items need no framework, no build and no CDN.
(function () {
  "use strict";
  var input = document.getElementById("tool-search");
  var status = document.getElementById("search-status");
  var noMatch = document.getElementById("no-match");
  var tools = Array.prototype.slice.call(document.querySelectorAll(".tool"));

  function filter() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    tools.forEach(function (tool) {
      var text = tool.getAttribute("data-search");
      var keep = words.every(function (word) { return text.indexOf(word) !== -1; });
      tool.hidden = !keep;
      if (keep) { shown += 1; }
    });
    // A target or gateway with no tool left is hidden while a query is typed.
    document.querySelectorAll(".target, .gateway").forEach(function (block) {
      block.hidden = words.length > 0 && !block.querySelector(".tool:not([hidden])");
    });
    noMatch.hidden = shown > 0;
    status.textContent = words.length ? "Showing " + shown + " of " + tools.length + " tools." : "Showing all " + tools.length + " tools.";
    var query = input.value ? "?q=" + encodeURIComponent(input.value) : "";
    if (window.history.replaceState && window.location.protocol !== "file:") {
      window.history.replaceState(null, "", window.location.pathname + query + window.location.hash);
    }
  }

  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; filter(); }
  });
  // "/" jumps to the search box, as on GitHub.
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && document.activeElement !== input) { event.preventDefault(); input.focus(); }
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; filter(); }
}());
