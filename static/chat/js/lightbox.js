// Images open in a lightbox: the page's <dialog id="lightbox"> (chat/parts.html#lightbox)
// over the page, the full image in it, its name below linking to the image alone. Escape
// (the dialog's own), the close button or a click beside the image closes it, and the focus
// goes back to the thumbnail that opened it; ← and → go to the previous and next image of
// the conversation. Without JavaScript, on a page without the dialog, or with a modifier
// key (a new tab), the thumbnail is a plain link to the full image.

let opener = null;  // the thumbnail link that opened it

function box() { return document.getElementById("lightbox"); }

function links() {
  return Array.from(document.querySelectorAll("#messages a.lightbox-link"));
}

function show(link) {
  const dialog = box();
  const thumbnail = link.querySelector("img");
  const name = thumbnail ? thumbnail.alt : "";
  const image = dialog.querySelector("img");
  image.removeAttribute("width");
  image.removeAttribute("height");
  if (link.dataset.width) image.width = +link.dataset.width;
  if (link.dataset.height) image.height = +link.dataset.height;
  image.src = link.href;
  image.alt = name;
  const full = dialog.querySelector(".lightbox-full");
  full.href = link.href;
  full.textContent = name || "Open the image";
  dialog.setAttribute("aria-label", name || "Image");
  opener = link;
  if (!dialog.open) dialog.showModal();
  dialog.querySelector(".lightbox-close").focus();
}

function step(by) {
  const all = links();
  const next = all[all.indexOf(opener) + by];
  if (all.includes(opener) && next) show(next);
}

document.addEventListener("click", (event) => {
  const dialog = box();
  if (!dialog || !event.target.closest) return;
  if (event.target === dialog || event.target.closest(".lightbox-close")) { dialog.close(); return; }
  const link = event.target.closest("#messages a.lightbox-link");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  show(link);
});

document.addEventListener("close", (event) => {
  if (event.target !== box()) return;
  if (opener && opener.isConnected) opener.focus();
  opener = null;
}, true);  // "close" does not bubble

document.addEventListener("keydown", (event) => {
  const dialog = box();
  if (!dialog || !dialog.open) return;
  if (event.key === "ArrowRight") step(1);
  else if (event.key === "ArrowLeft") step(-1);
});
