// Org settings, the page showing a new signing secret once: copy it to the clipboard (saying
// so to screen readers too), and make a reload ask for the settings page afresh, where the
// secret is no longer shown, rather than send the form again.
(() => {
  const shown = document.getElementById("new-secret");
  if (!shown) return;
  const status = document.getElementById("copy-secret-status");
  document.querySelector("[data-copy-secret]").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(shown.value);
      status.textContent = "Copied";
    } catch {
      shown.select();
      status.textContent = "Select the secret and copy it";
    }
  });
  history.replaceState(null, "", shown.dataset.pageUrl);
})();
