// The cockpit and the big screen, live: when the server-sent events say the station (or any
// station) changed, fetch the panel of figures again and put it in place. Without script, or
// without EventSource, the page is whole and a reload refreshes it.
(function () {
  "use strict";
  var root = document.getElementById("dash");
  var status = document.getElementById("live-status");
  if (!root || !window.EventSource || !window.fetch) return;
  var busy = false;
  var again = false;
  function say(key) {
    if (status) status.textContent = status.getAttribute(key) || "";
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(root.getAttribute("data-panel"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) root.innerHTML = html; })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  // Open only while the page is shown: a page kept for "back" with its stream open holds one
  // of the browser's six connections to the server (see site.js). Shown again, the figures
  // may be old: fetched again with the stream.
  var feed = null;
  function listen() {
    if (feed) return;
    feed = new EventSource(root.getAttribute("data-live"));
    feed.addEventListener("ready", function () { say("data-on"); });
    feed.addEventListener("change", refresh);
    feed.addEventListener("error", function () { say("data-off"); });
    feed.addEventListener("open", function () { say("data-on"); });
  }
  listen();
  window.addEventListener("pagehide", function () {
    if (feed) { feed.close(); feed = null; }
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { listen(); refresh(); }
  });
})();
