/* Keyboard shortcuts of the complaint list and the case page, listed on a help
   overlay (templates/admin/complaints/complaint/shortcuts_help.html).
   j / k: next / previous case; Enter or o: open the chosen row (list);
   c: claim; n: add an internal note; u: back to the list; ?: help; Esc: close.
   The list remembers its order (sessionStorage) so that j / k on a case page
   walk the same list. Loaded as a static file: no inline script (CSP). */
(function () {
  "use strict";
  var KEY = "cd-case-list";
  var help = function () { return document.getElementById("shortcuts-help"); };

  function typing(event) {
    var t = event.target;
    if (!t || !t.tagName) { return false; }
    var tag = t.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }

  function toggleHelp(show) {
    var box = help();
    if (!box) { return; }
    var open = show === undefined ? box.hidden : show;
    box.hidden = !open;
    if (open) {
      var close = box.querySelector("[data-shortcuts-close]");
      if (close) { close.focus(); }
    }
  }

  function click(selectors) {
    for (var i = 0; i < selectors.length; i++) {
      var el = document.querySelector(selectors[i]);
      if (el) { el.click(); return true; }
    }
    return false;
  }

  // --- The list -------------------------------------------------------------
  function rows() {
    return Array.prototype.slice.call(
      document.querySelectorAll("#result_list tbody tr")
    ).filter(function (tr) { return caseLink(tr); });
  }

  function caseLink(tr) {
    return tr.querySelector('a[href*="/change/"]');
  }

  function rememberList() {
    var links = rows().map(function (tr) { return caseLink(tr).href; });
    if (links.length) {
      try {
        sessionStorage.setItem(KEY, JSON.stringify({ list: location.pathname + location.search, cases: links }));
      } catch (e) { /* storage full or off: j / k on a case page then do nothing */ }
    }
  }

  var chosen = -1;
  function choose(step) {
    var all = rows();
    if (!all.length) { return; }
    if (chosen >= 0 && all[chosen]) { all[chosen].classList.remove("cd-row-chosen"); }
    chosen = Math.max(0, Math.min(all.length - 1, chosen + step));
    all[chosen].classList.add("cd-row-chosen");
    all[chosen].scrollIntoView({ block: "nearest" });
    caseLink(all[chosen]).focus();
  }

  // --- A case page ------------------------------------------------------------
  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function neighbour(step) {
    var saved = remembered();
    if (!saved) { return; }
    var paths = saved.cases.map(function (href) { return new URL(href, location.href).pathname; });
    var here = paths.indexOf(location.pathname);
    var next = saved.cases[here + step];
    if (here >= 0 && next) { location.href = next; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var onList = !!document.getElementById("result_list") && document.body.classList.contains("change-list");
    if (onList) { rememberList(); }
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (b) {
      b.addEventListener("click", function () { toggleHelp(true); });
    });
    document.querySelectorAll("[data-shortcuts-close]").forEach(function (b) {
      b.addEventListener("click", function () { toggleHelp(false); });
    });

    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (event.key === "Escape") { toggleHelp(false); return; }
      if (typing(event)) { return; }
      var box = help();
      if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
      if (box && !box.hidden) { return; }
      switch (event.key) {
        case "j":
          if (onList) { choose(1); } else { neighbour(1); }
          break;
        case "k":
          if (onList) { choose(-1); } else { neighbour(-1); }
          break;
        case "o":
        case "Enter":
          if (onList && chosen >= 0 && rows()[chosen]) { caseLink(rows()[chosen]).click(); } else { return; }
          break;
        case "c":
          if (!click(['[data-shortcut="claim"]', "#action-claim", "#action-assign"])) { return; }
          break;
        case "n":
          if (!click(['[data-shortcut="note"]', "#add-note"])) { return; }
          break;
        case "u":
          var saved = remembered();
          location.href = saved ? saved.list : "../../";
          break;
        default:
          return;
      }
      event.preventDefault();
    });
  });
})();
