// Starts Swagger UI on /api/v1/docs with the spec URL from a data attribute (no inline script: CSP).
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false
  });
})();
