// Files: the file button's form (#upload-form) works by itself, with or without htmx;
// this only feeds it. An image pasted into the composer, or a file dropped on the
// conversation, goes into its file input and is sent at once; a file chosen with the
// button waits in the form, for words to go with it, until "Send file". The upload's
// progress shows in the form's <progress>.

import { composerBox } from "./page.js";

function uploadForm() { return document.getElementById("upload-form"); }

function firstFile(transfer) {
  return transfer && transfer.files && transfer.files.length ? transfer.files[0] : null;
}

function sendFile(file) {
  const form = uploadForm();
  const input = form && form.querySelector("input[type=file]");
  if (!input) return false;
  // A FileList cannot be built by hand; a DataTransfer makes one.
  const holder = new DataTransfer();
  holder.items.add(file);
  input.files = holder.files;
  form.requestSubmit();
  return true;
}

document.addEventListener("paste", (event) => {
  const file = event.target === composerBox() && firstFile(event.clipboardData);
  if (file && sendFile(file)) event.preventDefault();  // the file, not its name as text
});

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
  const file = firstFile(event.dataTransfer);
  if (file) sendFile(file);
});

// htmx reports the upload's progress on the form that sent it.
document.addEventListener("htmx:xhr:progress", (event) => {
  const bar = event.target.matches("#upload-form") && event.target.querySelector("progress");
  if (bar && event.detail.lengthComputable && event.detail.total > 0) {
    bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
  }
});
