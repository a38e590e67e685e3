// The big screen's clock and its rotating panels. The clock ticks in Beijing time from the
// server's time (the kiosk's own clock may be wrong or in another zone); a panel with more
// pages than fit shows them in turn. Without script the first page and the time of the last
// load stay on screen.
(function () {
  "use strict";
  var clock = document.getElementById("k-clock");
  if (clock) {
    var start = Date.parse(clock.getAttribute("datetime"));
    var loaded = Date.now();
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      if (isNaN(start)) return;
      // Shift to UTC+8 and read the fields as UTC.
      var d = new Date(start + (Date.now() - loaded) + 8 * 3600 * 1000);
      clock.textContent = d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" +
        two(d.getUTCDate()) + " " + two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" +
        two(d.getUTCSeconds());
    };
    tick();
    setInterval(tick, 1000);
  }
  // Each [data-rotate] shows its children one at a time, every data-rotate seconds; the
  // panels are found again on each turn, because the live update replaces them.
  var turn = 0;
  setInterval(function () {
    turn += 1;
    var boxes = document.querySelectorAll("[data-rotate]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var every = parseInt(box.getAttribute("data-rotate"), 10) || 10;
      if (turn % every !== 0) continue;
      var pages = box.children;
      if (pages.length < 2) continue;
      var shown = 0;
      for (var j = 0; j < pages.length; j++) { if (!pages[j].hidden) shown = j; }
      pages[shown].hidden = true;
      pages[(shown + 1) % pages.length].hidden = false;
    }
  }, 1000);
})();
