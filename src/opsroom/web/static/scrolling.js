// A table or snippet too wide for the screen scrolls inside its own box (never the page);
// this makes each box that scrolls reachable by keyboard, so arrow keys can scroll it too,
// and names it after its table's caption for screen readers.
(function () {
  "use strict";
  var BOXES = ".table-wrap, .snippet";

  function name(box) {
    var caption = box.querySelector("caption");
    return (caption ? caption.textContent.trim() + ": " : "") + "scrolls sideways";
  }

  function mark(box) {
    if (box.scrollWidth > box.clientWidth) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name(box));
    } else if (box.hasAttribute("tabindex")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  function markAll() {
    document.querySelectorAll(BOXES).forEach(mark);
  }

  document.addEventListener("DOMContentLoaded", markAll);
  document.addEventListener("htmx:afterSettle", markAll);
  window.addEventListener("resize", markAll);
})();
