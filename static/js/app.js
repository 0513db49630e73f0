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

// Tabbed pages: open the tab named in the address (#evidence), and keep the address in step with the tab.
document.addEventListener("DOMContentLoaded", () => {
  const openTab = (hash) => {
    const button = hash && document.querySelector(`[data-bs-toggle="tab"][data-bs-target="${CSS.escape(hash)}"]`);
    if (button && window.bootstrap) {
      window.bootstrap.Tab.getOrCreateInstance(button).show();
    }
  };
  openTab(window.location.hash);
  document.querySelectorAll('[data-bs-toggle="tab"]').forEach((button) => {
    button.addEventListener("shown.bs.tab", () => {
      history.replaceState(null, "", button.dataset.bsTarget);
    });
  });
});
