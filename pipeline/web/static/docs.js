// Swagger UI for /openapi.json, from the service's own copy of its files (no CDN, no inline code).
// "Authorize" takes a bearer token (an agent's or supervisor's token); nothing is stored in the page.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
});
