// Start GOV.UK Frontend components. Loaded as a module, so it runs only in browsers that
// support ES modules, the same ones GOV.UK Frontend supports.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Progress feedback: a form marked data-vrhub-progress shows its progress message on submit.
for (const form of document.querySelectorAll("form[data-vrhub-progress]")) {
  form.addEventListener("submit", () => {
    const note = document.getElementById(form.dataset.vrhubProgress);
    if (note) {
      note.hidden = false;
    }
  });
}

// Printing: open every "Table of ..." disclosure so the figures behind charts and maps print.
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details.govuk-details")) {
    details.dataset.vrhubWasOpen = String(details.open);
    details.open = true;
  }
});
window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("details.govuk-details")) {
    details.open = details.dataset.vrhubWasOpen === "true";
  }
});
