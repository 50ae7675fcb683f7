// A message's edit box keys as the composer does: Enter saves (Shift+Enter is a new
// line); Escape cancels, as its Cancel link does (the message back, the focus on Edit).
// ↑ in an empty composer edits one's last message: the newest on the page whose
// data-author is the viewer (body[data-viewer]), not deleted, and still within the edit
// window (#composer-form[data-edit-seconds], from its <time datetime>). Its Edit is
// clicked, so the box loads as it does by hand; once that edit is saved or cancelled, the
// focus goes back to the composer it came from.

import { articles, composerBox } from "./page.js";

let fromComposer = null;  // the article whose edit box ↑ opened, while it is open

function editable(article) {
  const form = document.getElementById("composer-form");
  const seconds = form && parseInt(form.dataset.editSeconds, 10);
  const time = article.querySelector("header time");
  if (!seconds || !time) return true;  // the server has the last word
  return Date.now() - Date.parse(time.getAttribute("datetime")) < seconds * 1000;
}

function lastOfMine() {
  const viewer = document.body.dataset.viewer;
  const mine = Array.from(articles()).filter((article) =>
    article.dataset.author === viewer && !article.classList.contains("deleted") &&
    article.querySelector(".action.edit"));
  const last = mine[mine.length - 1];
  return last && editable(last) ? last : null;
}

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (box !== composerBox() || event.key !== "ArrowUp" || event.isComposing) return;
  if (event.defaultPrevented || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
  if (box.value !== "") return;
  const article = lastOfMine();
  if (!article) return;
  event.preventDefault();
  if (article.querySelector(".edit-form textarea")) {  // open already: go to it
    article.querySelector(".edit-form textarea").focus();
  } else {
    article.querySelector(".action.edit").click();
  }
  fromComposer = article.id;
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches(".edit-form textarea") || event.isComposing) return;
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    box.form.requestSubmit();
  } else if (event.key === "Escape") {
    event.preventDefault();
    const cancel = box.form.querySelector("a[hx-get]");
    if (cancel) cancel.click();
  }
});

// Saved or cancelled (the article back without its box): the composer again. The request
// is noted as it starts (by its end its element may be gone, replaced with the article);
// this runs before focus.js, which then leaves the focus where it is.
let closing = false;  // a Save or Cancel of that box is on its way

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = fromComposer && event.detail.elt.closest && event.detail.elt.closest(".edit-form");
  const article = form && form.closest("article.message");
  if (article && article.id === fromComposer) closing = true;
});

document.addEventListener("htmx:afterRequest", () => {
  if (!closing) return;
  closing = false;
  const now = document.getElementById(fromComposer);
  if (now && now.querySelector(".edit-form")) return;  // a refused change: the box stays
  fromComposer = null;
  const box = composerBox();
  if (box) box.focus();
});
