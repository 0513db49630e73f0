// Small behaviours that need no inline script (the Content-Security-Policy forbids inline code).
document.addEventListener("DOMContentLoaded", () => {
  // Buttons with data-confirm ask before submitting their form.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
