/* 大屏 big screen: a ticking Beijing-time clock. The panel refreshes itself by htmx
 * (hx-trigger="every Ns"), the live chart over Server-Sent Events (app.js). */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick(el) {
    // Beijing time (UTC+8) whatever the display's own time zone
    var d = new Date(Date.now() + 8 * 3600 * 1000);
    el.textContent = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector("[data-clock]");
    if (!el) { return; }
    tick(el);
    window.setInterval(function () { tick(el); }, 1000);
  });
})();
