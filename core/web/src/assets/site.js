// A few conveniences. Every page works without them; the buttons they drive stay hidden
// until this script shows them.
(function () {
  "use strict";

  function say(el, key) {
    if (el) { el.textContent = el.getAttribute(key) || ""; }
  }

  // Copy a receipt code; if the browser refuses, select it so a long press copies it.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.trim();
      var selectIt = function () {
        var range = document.createRange();
        range.selectNodeContents(target);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say(status, "data-done"); },
          function () { selectIt(); say(status, "data-failed"); }
        );
      } else {
        selectIt();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        say(status, ok ? "data-done" : "data-failed");
      }
    });
  });

  // Fill the hidden coordinates of the intake form from the phone's location.
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    if (!("geolocation" in navigator)) { return; }
    var form = button.closest("form");
    var status = button.parentNode.querySelector(".locate-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=lng]").value = pos.coords.longitude.toFixed(6);
        say(status, "data-done");
      }, function () { say(status, "data-failed"); }, { timeout: 15000, maximumAge: 60000 });
    });
  });

  // Count what is typed in a long field against its limit, so nothing is cut silently.
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var out = document.getElementById(field.getAttribute("data-counter"));
    var max = field.getAttribute("maxlength");
    if (!out || !max) { return; }
    var template = out.getAttribute("data-template") || "{n} / {max}";
    var show = function () {
      // Characters as people count them (a Chinese character is one), as the server does.
      var n = Array.from(field.value).length;
      out.textContent = template.replace("{n}", n).replace("{max}", max);
      out.classList.toggle("counter-full", n >= Number(max));
    };
    out.hidden = false;
    field.addEventListener("input", show);
    show();
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // After a refused form, bring the list of mistakes into view for screen readers and eyes.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  // The bell: its unread count follows the server's stream of this user's messages.
  var bell = document.querySelector("[data-bell]");
  // The stream is open only while the page is shown. A page the browser keeps for "back"
  // (the back-forward cache) with its stream open holds one of the six connections a browser
  // makes to one server over HTTP/1.1, and a few pages later the next page waited a minute
  // for a connection. Closed when hidden, opened again (with the count) when shown again.
  var source = null;
  function listen() {
    if (source) return;
    source = new EventSource(bell.getAttribute("data-bell"));
    source.addEventListener("unread", function (e) {
      var n = 0;
      try { n = JSON.parse(e.data).unread || 0; } catch (err) { return; }
      document.querySelectorAll("[data-unread]").forEach(function (el) {
        el.textContent = String(n);
        if (el.hasAttribute("aria-label")) {
          el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/^\d+/, String(n)));
        }
      });
      bell.classList.toggle("has-unread", n > 0);
    });
  }
  if (bell && window.EventSource) {
    listen();
    window.addEventListener("pagehide", function () {
      if (source) { source.close(); source = null; }
    });
    window.addEventListener("pageshow", function (e) { if (e.persisted) listen(); });
  }
})();
