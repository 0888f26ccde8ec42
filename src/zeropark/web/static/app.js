/* zeropark dashboard behaviour: ECharts from server-built options, htmx glue, CSRF header.
 *
 * A chart is <div class="chart" data-chart="ID"> with its ECharts option in
 * <script type="application/json" id="ID">. Options are rebuilt after every htmx swap, so a polled
 * partial that replaces the JSON updates its chart in place (no page reload). Data items that carry
 * a "url" are links: clicking the bar, slice or node opens its provenance.
 */
(function () {
  "use strict";
  var charts = {};

  function readOption(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { console.warn("bad chart json", id); return null; }
  }

  function renderCharts(root) {
    if (typeof echarts === "undefined") { return; }
    var nodes = (root || document).querySelectorAll("[data-chart]");
    nodes.forEach(function (node) {
      var option = readOption(node.getAttribute("data-chart"));
      if (!option) { return; }
      var chart = echarts.getInstanceByDom(node);
      if (!chart) {
        chart = echarts.init(node, null, { renderer: "canvas" });
        chart.on("click", function (params) {
          var d = params.data || {};
          if (d && d.url) { window.location.href = d.url; }
        });
        charts[node.getAttribute("data-chart")] = chart;
      }
      chart.setOption(option, true);
    });
  }

  function refreshLive() {
    // A polled partial replaced the JSON of a live chart: update the existing chart.
    document.querySelectorAll("[data-chart][data-live]").forEach(function (node) {
      var chart = echarts.getInstanceByDom(node);
      var option = readOption(node.getAttribute("data-chart"));
      if (chart && option) { chart.setOption(option, false); }
      else if (option) { renderCharts(node.parentNode); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderCharts(document);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { evt.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
  document.addEventListener("htmx:beforeRequest", function () { document.body.classList.add("htmx-busy"); });
  document.addEventListener("htmx:afterRequest", function () { document.body.classList.remove("htmx-busy"); });
  document.addEventListener("htmx:afterSettle", function (evt) {
    renderCharts(evt.detail.elt);
    refreshLive();
  });
})();
