// Badge Universe and badge view: popovers for owners and claims, images and benefits (their
// content is the hidden element named by data-popover-content). htmx swaps the results and
// restores pages from history: after either, popovers of buttons no longer on the page are
// disposed and the new buttons get theirs.
(() => {
  const popovers = new Set();

  function dispose(popover) {
    // A popover still on screen, or fading out, is disposed once hidden: disposing it during
    // its transition leaves Bootstrap a callback on a disposed instance.
    if (popover.tip && popover.tip.isConnected) {
      popover._element.addEventListener("hidden.bs.popover", () => popover.dispose(), { once: true });
      popover.hide();
    } else {
      popover.dispose();
    }
  }

  function attach() {
    popovers.forEach((popover) => {
      if (!popover._element.isConnected) {
        popovers.delete(popover);
        dispose(popover);
      }
    });
    document.querySelectorAll("[data-popover-content]").forEach((button) => {
      const source = document.getElementById(button.dataset.popoverContent);
      if (!source || bootstrap.Popover.getInstance(button)) return;
      const content = source.firstElementChild ? source.cloneNode(true) : source.textContent;
      if (content instanceof Element) {
        content.hidden = false;
        content.removeAttribute("id");
      }
      popovers.add(
        new bootstrap.Popover(button, {
          content,
          html: true,
          sanitize: false, // our own markup, cloned from the page
          trigger: button.dataset.bsTrigger || "click",
          placement: "auto",
          container: "body",
        }),
      );
    });
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
  document.body.addEventListener("htmx:afterSettle", attach);
  document.body.addEventListener("htmx:historyRestore", attach);
  document.body.addEventListener("htmx:beforeRequest", () => document.getElementById("results")?.setAttribute("aria-busy", "true"));
  document.body.addEventListener("htmx:afterRequest", () => document.getElementById("results")?.setAttribute("aria-busy", "false"));
  attach();
})();
