/* zeropark dashboard behaviour: ECharts from server-built options, htmx glue, CSRF header.
 *
 * A chart is <div class="chart" data-chart="ID"> with its ECharts option in
 * <script type="application/json" id="ID">. Options are rebuilt after every htmx swap, so a polled
 * partial that replaces the JSON updates its chart in place (no page reload). Data items that carry
 * a "url" are links: clicking the bar, slice or node opens its provenance.
 *
 * Phone widths: the navigation collapses behind the 菜单 button (data-nav-toggle), tables scroll
 * sideways inside their card, charts are resized with the window.
 *
 * Live curves: a chart with data-live-src subscribes to that Server-Sent Events URL (EventSource,
 * same-origin session cookie); every "live" event carries the new ECharts option, which replaces
 * the chart's option in place (no reload, no polling). The browser reconnects by itself.
 */
(function () {
  "use strict";
  var charts = {};
  // chart text in the project's own Noto Sans SC (static/vendor/fonts), as the rest of the page
  var THEME = { textStyle: { fontFamily: '"Noto Sans SC", sans-serif' } };

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
        chart = echarts.init(node, node.getAttribute("data-theme") || THEME, { renderer: node.getAttribute("data-renderer") || "canvas" });
        chart.on("click", function (params) {
          var d = params.data || {};
          if (d && d.url) { window.location.href = d.url; }
        });
        charts[node.getAttribute("data-chart")] = chart;
      }
      chart.setOption(option, true);
    });
  }

  function subscribeLive(node) {
    if (typeof EventSource === "undefined" || node.dataset.liveBound) { return; }
    node.dataset.liveBound = "1";
    var source = new EventSource(node.getAttribute("data-live-src"));
    var status = document.querySelector("[data-live-status]");
    source.addEventListener("live", function (evt) {
      var payload;
      try { payload = JSON.parse(evt.data); } catch (e) { console.warn("bad live event"); return; }
      if (!payload.option) { return; }
      var chart = echarts.getInstanceByDom(node) || echarts.init(node, node.getAttribute("data-theme") || THEME, { renderer: "canvas" });
      chart.setOption(payload.option, true);
      (payload.latest || []).forEach(function (s, i) {
        var kpi = document.querySelector('[data-live-kpi="' + i + '"]');
        if (kpi && s.kw !== null) {
          kpi.textContent = Number(s.kw).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
        }
      });
      var updated = document.querySelector("[data-live-updated]");
      if (updated && payload.updated) { updated.textContent = payload.updated; }
      node.dataset.liveEvents = String(Number(node.dataset.liveEvents || "0") + 1);
    });
    source.addEventListener("open", function () { if (status) { status.classList.remove("badge-warn"); } });
    source.addEventListener("error", function () { if (status) { status.classList.add("badge-warn"); } });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  function subscribeAllLive(root) {
    if (typeof echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart][data-live-src]").forEach(subscribeLive);
  }

  function bindNavToggle() {
    var button = document.querySelector("[data-nav-toggle]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var open = document.body.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // A form with a role select (data-role-select) shows only the fields of the chosen role: an
  // element with data-roles="a b" is hidden, its controls disabled (not sent), for other roles.
  // Without script every field shows and the server keeps only the chosen role's.
  function showRoleFields(select) {
    if (!select.form) { return; }
    select.form.querySelectorAll("[data-roles]").forEach(function (el) {
      var on = el.getAttribute("data-roles").split(" ").indexOf(select.value) >= 0;
      el.hidden = !on;
      el.querySelectorAll("input, select").forEach(function (c) { c.disabled = !on; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-role-select]").forEach(showRoleFields);
    bindNavToggle();
    renderCharts(document);
    // canvas text drawn before the web font arrived is redrawn once it has
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(function () { renderCharts(document); }); }
    subscribeAllLive(document);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
  });

  // Behaviour that pages would otherwise write inline (the Content-Security-Policy forbids inline
  // script and on* handlers): a control with data-autosubmit submits its form when changed; a
  // submit button with data-confirm asks first and submits only on OK.
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
    if (el && el.hasAttribute && el.hasAttribute("data-role-select")) { showRoleFields(el); }
  });
  document.addEventListener("click", function (evt) {
    var el = evt.target && evt.target.closest ? evt.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { evt.preventDefault(); }
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { evt.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
  document.addEventListener("htmx:beforeRequest", function () { document.body.classList.add("htmx-busy"); });
  document.addEventListener("htmx:afterRequest", function () { document.body.classList.remove("htmx-busy"); });
  document.addEventListener("htmx:afterSettle", function (evt) {
    renderCharts(evt.detail.elt);
  });
})();
