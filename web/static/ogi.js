// ogi's pages: the CSRF header for htmx requests, and showing the organisation fields on the application form.
// No inline script anywhere (the Content-Security-Policy forbids it); this file and htmx are all there is.
(function () {
  "use strict";
  htmx.config.includeIndicatorStyles = false; // htmx would add an inline <style>, which the CSP refuses

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
    }
  });

  function showOrganisationFields() {
    var kind = document.getElementById("kind");
    if (!kind) {
      return;
    }
    var organisation = kind.value !== "natural_person";
    document.querySelectorAll("[data-organisation]").forEach(function (el) {
      el.hidden = !organisation;
    });
  }

  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("kind");
    if (kind) {
      kind.addEventListener("change", showOrganisationFields);
      showOrganisationFields();
    }
    confirmForms();
  });
})();
