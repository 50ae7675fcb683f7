// Files: the file button's form (#upload-form) works by itself without JavaScript (several
// files in one post); here it is fed and sent a file at a time, each with its progress
// (js/upload-queue.js). Images pasted into the composer, or files dropped on the
// conversation, are sent at once; files chosen with the 📎 button wait in the form, listed,
// for words to go with them, until "Send file".

import { composerBox } from "./page.js";
import { sendFiles, showChosen } from "./upload-queue.js";

function uploadForm() { return document.getElementById("upload-form"); }

function filesOf(transfer) {
  return transfer && transfer.files ? Array.from(transfer.files) : [];
}

function wordsInForm() {
  const words = uploadForm() && uploadForm().querySelector("input[name=body]");
  return words ? words.value : "";
}

document.addEventListener("paste", (event) => {
  const files = event.target === composerBox() ? filesOf(event.clipboardData) : [];
  if (!files.length || !uploadForm()) return;
  event.preventDefault();  // the files, not their names as text
  sendFiles(files, wordsInForm());
});

document.addEventListener("change", (event) => {
  if (event.target.matches("#upload-form input[type=file]")) showChosen(Array.from(event.target.files));
});

// "Send file": each chosen file goes on its own (capture: before htmx sends the form whole).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const input = form.matches("#upload-form") && form.querySelector("input[type=file]");
  if (!input || !input.files.length) return;
  event.preventDefault();
  event.stopPropagation();
  sendFiles(Array.from(input.files), wordsInForm());
}, true);

function dropZone(event) {
  const files = event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files");
  return files && uploadForm() && event.target.closest && event.target.closest(".conversation");
}

["dragenter", "dragover"].forEach((type) => {
  document.addEventListener(type, (event) => {
    const zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();  // this is what lets the drop happen here
    zone.classList.add("dropping");
  });
});

document.addEventListener("dragleave", (event) => {
  const zone = dropZone(event);
  if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dropping");
});

document.addEventListener("drop", (event) => {
  const zone = dropZone(event);
  if (!zone) return;
  event.preventDefault();  // or the browser leaves the chat to show the file
  zone.classList.remove("dropping");
  const files = filesOf(event.dataTransfer);
  if (files.length) sendFiles(files, wordsInForm());
});

// The form's own bar, for the file on its way.
document.addEventListener("htmx:xhr:progress", (event) => {
  const bar = event.target.matches("#upload-form") && event.target.querySelector("progress");
  if (bar && event.detail.lengthComputable && event.detail.total > 0) {
    bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
  }
});
