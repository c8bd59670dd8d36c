// Badge view: copy a value (the badge ID) to the clipboard, saying so to screen readers too.
(() => {
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const status = button.parentElement.querySelector(".copy-status");
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
        if (status) status.textContent = "Copied";
      } catch {
        if (status) status.textContent = "Select the ID and copy it";
      }
    });
  });
})();
