/* Start Swagger UI (served from /static/vendor/swagger-ui, npm swagger-ui-dist) on the API's
 * OpenAPI document; a static file because the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof SwaggerUIBundle === "undefined") { return; }
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
