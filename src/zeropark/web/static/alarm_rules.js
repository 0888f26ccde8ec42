/* Alarm rule editor (告警规则): show only the parameters of the chosen rule kind, and the SMTP
 * fields only for an e-mail channel. Without JavaScript every field shows and the server ignores
 * those the kind does not take. */
(function () {
  "use strict";

  function showParams(form) {
    var spec = document.getElementById("rule-params-of");
    var select = form.querySelector("[data-rule-kind]");
    if (!spec || !select) { return; }
    var paramsOf = JSON.parse(spec.textContent);
    var wanted = paramsOf[select.value] || [];
    form.querySelectorAll("[data-param]").forEach(function (label) {
      label.hidden = wanted.indexOf(label.getAttribute("data-param")) === -1;
    });
  }

  function showMail(form) {
    var select = form.querySelector("[data-channel-kind]");
    if (!select) { return; }
    form.querySelectorAll("[data-mail]").forEach(function (el) { el.hidden = select.value !== "email"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var rule = document.querySelector("[data-rule-editor]");
    if (rule) {
      showParams(rule);
      rule.querySelector("[data-rule-kind]").addEventListener("change", function () { showParams(rule); });
    }
    var channel = document.querySelector("[data-channel-editor]");
    if (channel) {
      showMail(channel);
      channel.querySelector("[data-channel-kind]").addEventListener("change", function () { showMail(channel); });
    }
  });
})();
