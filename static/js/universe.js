// Badge Universe: popovers for owners and claims, images and benefits (their content is the
// hidden element named by data-popover-content), kept working as htmx swaps the results.
(() => {
  const popovers = new Set();

  function attach(root) {
    root.querySelectorAll("[data-popover-content]").forEach((button) => {
      const source = document.getElementById(button.dataset.popoverContent);
      if (!source || bootstrap.Popover.getInstance(button)) return;
      const content = source.firstElementChild ? source.cloneNode(true) : source.textContent;
      if (content instanceof Element) {
        content.hidden = false;
        content.removeAttribute("id");
      }
      const popover = new bootstrap.Popover(button, {
        content,
        html: true,
        sanitize: false, // our own markup, cloned from the page
        trigger: button.dataset.bsTrigger || "click",
        placement: "auto",
        container: "body",
      });
      popovers.add(popover);
    });
  }

  function disposeAll() {
    // A popover still on screen, or fading out, is disposed once hidden: disposing it during
    // its transition leaves Bootstrap a callback on a disposed instance.
    popovers.forEach((popover) => {
      if (popover.tip && popover.tip.isConnected) {
        popover._element.addEventListener("hidden.bs.popover", () => popover.dispose(), { once: true });
        popover.hide();
      } else {
        popover.dispose();
      }
    });
    popovers.clear();
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") popovers.forEach((popover) => popover.hide());
  });
  document.addEventListener("click", (event) => {
    // A click outside an open click-popover closes it.
    popovers.forEach((popover) => {
      const button = popover._element;
      const tip = popover.tip;
      if (!button.contains(event.target) && !(tip && tip.contains(event.target))) popover.hide();
    });
  });
  document.body.addEventListener("htmx:beforeSwap", disposeAll);
  document.body.addEventListener("htmx:afterSwap", () => attach(document));
  document.body.addEventListener("htmx:beforeRequest", () => document.getElementById("results")?.setAttribute("aria-busy", "true"));
  attach(document);
})();
