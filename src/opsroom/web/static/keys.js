// Keyboard shortcuts and option search, on every page. A shortcut is declared by the page:
// an element with data-shortcut="a" is clicked (a field is focused) when "a" is pressed;
// "/" focuses the search in the top bar and "?" opens the list of shortcuts. None fires
// while typing in a field or with a modifier held.
(function () {
  "use strict";

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  function use(element) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName)) {
      var folded = element.closest("details");
      if (folded) { folded.open = true; }
      element.focus();
    } else {
      element.click();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) ||
        document.querySelector("dialog[open]")) { return; }
    if (event.key === "?") {
      event.preventDefault();
      showShortcuts();
      return;
    }
    var key = event.key.toLowerCase();
    var element = /^[a-z\/]$/.test(key) && document.querySelector('[data-shortcut="' + key + '"]');
    if (element && !element.disabled) {
      event.preventDefault();
      use(element);
    }
  });

  function searchOptions(box) {
    var select = document.getElementById(box.dataset.optionSearch);
    var wanted = box.value.trim().toLowerCase();
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = wanted !== "" && option.textContent.toLowerCase().indexOf(wanted) < 0;
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.optionSearch) { searchOptions(event.target); }
  });

  // Without this script the boxes would do nothing: they show only when it runs.
  function reveal() {
    document.querySelectorAll("[data-option-search]").forEach(function (box) { box.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
}());
