// Upload page: each slot's file is checked before it is sent (size, kind from its first bytes,
// square), with the server's words and codes; a preview replaces the current image. Leaving
// with a change not saved asks first: the app's own links through a dialog, the browser's
// navigation through its own prompt.
(() => {
  const slots = document.getElementById("image-slots");
  const maxBytes = Number(slots.dataset.maxBytes);
  const dirty = new Set();
  let leaving = false;

  const KINDS = [
    { type: "PNG", test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
    { type: "JPEG", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
    { type: "SVG", test: (b) => /<svg[\s>]/.test(new TextDecoder().decode(b)) },
  ];

  function kindOf(bytes) {
    const found = KINDS.find((kind) => kind.test(bytes));
    return found ? found.type : null;
  }

  function dimensions(url) {
    return new Promise((resolve) => {
      const image = new Image();
      image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
      image.onerror = () => resolve(null);
      image.src = url;
    });
  }

  async function refusal(file) {
    if (file.size > maxBytes) return ["An image may be at most 2 MB. (IMAGE_TOO_LARGE)", null];
    const head = new Uint8Array(await file.slice(0, 1024).arrayBuffer());
    const kind = kindOf(head);
    if (!kind) {
      return ["The file is not a PNG, JPEG or SVG image (judged from its content, not its name). (IMAGE_FORMAT_UNSUPPORTED)", null];
    }
    const url = URL.createObjectURL(file);
    const size = await dimensions(url);
    if (size && size[0] && size[1] && size[0] !== size[1]) {
      URL.revokeObjectURL(url);
      return [`An image must be square (1:1); this one is ${size[0]} x ${size[1]} pixels. (IMAGE_NOT_SQUARE)`, null];
    }
    return [null, url]; // what the browser can't read (an SVG without a size) the server judges
  }

  slots.querySelectorAll(".image-form").forEach((form) => {
    const input = form.querySelector("input[type=file]");
    const name = form.querySelector("input[name=name]");
    const error = form.querySelector(".file-error");
    const card = form.closest(".image-card");
    const preview = card.querySelector("[data-preview]");
    const current = card.querySelector("[data-current]");
    const submit = form.querySelector("button[type=submit]");

    function show(message) {
      error.textContent = message || "";
      input.classList.toggle("is-invalid", Boolean(message));
      input.setAttribute("aria-invalid", message ? "true" : "false");
      submit.disabled = Boolean(message);
    }

    input.addEventListener("change", async () => {
      const file = input.files[0];
      preview.hidden = true;
      current.hidden = false;
      if (!file) {
        show("");
        dirty.delete(form);
        return;
      }
      dirty.add(form);
      const [message, url] = await refusal(file);
      show(message);
      if (url) {
        preview.src = url;
        preview.alt = `Preview of ${file.name}`;
        preview.hidden = false;
        current.hidden = true;
      }
    });
    name.addEventListener("input", () => dirty.add(form));
    form.addEventListener("submit", (event) => {
      if (submit.disabled) {
        event.preventDefault();
        input.focus();
        return;
      }
      leaving = true;
    });
  });

  // The app's own links: a dialog that says what would be lost.
  const dialogElement = document.getElementById("unsaved-dialog");
  const dialog = new bootstrap.Modal(dialogElement);
  const leave = dialogElement.querySelector("[data-leave]");
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || leaving || dirty.size === 0 || link === leave || dialogElement.contains(link)) return;
    event.preventDefault();
    leave.href = link.href;
    dialog.show();
  });
  leave.addEventListener("click", () => {
    leaving = true;
  });
  // Anything else (closing the tab, typing an address): the browser's own prompt.
  window.addEventListener("beforeunload", (event) => {
    if (!leaving && dirty.size > 0) event.preventDefault();
  });
})();
