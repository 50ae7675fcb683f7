// Files on their way: each picked, dropped or pasted file is sent as its own request, one
// after another (so they arrive in order), through the file button's form (#upload-form:
// htmx sends it, and its answer, fresh or holding the error, takes the form's place). The
// words typed in the form go with the first file only: one caption for what was sent
// together, not the same words under every file. Each file has a row in #upload-queue
// with its name, a <progress> and how it went; sent rows go once all are sent, refused
// ones stay with the server's words. More than the form's data-most (10, the server's
// FILES_PER_SEND) at once are refused whole, as the server refuses them.

let waiting = [];  // {file, body, row}, in the order given
let current = null;
let busy = false;

function uploadForm() { return document.getElementById("upload-form"); }
function queueList() { return document.getElementById("upload-queue"); }

function most() {
  const input = uploadForm() && uploadForm().querySelector("input[type=file]");
  return (input && parseInt(input.dataset.most, 10)) || 10;
}

function said(row, state, words) {
  row.dataset.state = state;
  row.querySelector(".state").textContent = words;
}

function rowFor(name, state, words) {
  const row = document.createElement("li");
  row.className = "upload-row";
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = name;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", "Sending " + name);
  const saying = document.createElement("span");
  saying.className = "state";
  row.append(label, " ", bar, " ", saying);
  said(row, state, words);
  const list = queueList();
  if (list) { list.append(row); list.hidden = false; }
  return row;
}

function tidy(states) {
  const list = queueList();
  if (!list) return;
  list.querySelectorAll(".upload-row").forEach((row) => {
    if (states.includes(row.dataset.state)) row.remove();
  });
  list.hidden = !list.querySelector(".upload-row");
}

// Files chosen with the 📎 button wait for "Send file" (and words to go with them).
export function showChosen(files) {
  tidy(["ready", "failed"]);
  files.forEach((file) => rowFor(file.name, "ready", "ready to send"));
}

function sendOne(item) {
  const form = uploadForm();
  const input = form && form.querySelector("input[type=file]");
  if (!input) { said(item.row, "failed", "The file button is gone: reload the page."); return Promise.resolve(); }
  const holder = new DataTransfer();  // a FileList cannot be built by hand
  holder.items.add(item.file);
  input.files = holder.files;
  const words = form.querySelector("input[name=body]");
  if (words) words.value = item.body;
  current = item;
  said(item.row, "sending", "sending…");
  const done = () => {
    current = null;
    const answer = uploadForm();
    const error = answer && answer.querySelector(".error");
    if (error) said(item.row, "failed", error.textContent);
    else { item.row.querySelector("progress").value = 100; said(item.row, "sent", "sent"); }
  };
  return htmx.ajax("POST", form.getAttribute("hx-post"), { source: form, target: form, swap: "outerHTML" })
    .then(done, done);
}

async function run() {
  if (busy) return;
  busy = true;
  while (waiting.length) await sendOne(waiting.shift());
  busy = false;
  tidy(["sent"]);
}

// Send `files` now, each its own message; `body` goes with the first.
export function sendFiles(files, body) {
  tidy(["ready", "failed"]);
  if (files.length > most()) {
    rowFor(`${files.length} files`, "failed",
      `Send at most ${most()} files at once (this send has ${files.length}); none was sent.`);
    return;
  }
  files.forEach((file, index) => {
    waiting.push({ file: file, body: index === 0 ? body : "", row: rowFor(file.name, "waiting", "waiting") });
  });
  run();
}

// htmx reports the upload's progress on the form that sent it.
document.addEventListener("htmx:xhr:progress", (event) => {
  if (!current || !event.target.matches("#upload-form")) return;
  if (event.detail.lengthComputable && event.detail.total > 0) {
    current.row.querySelector("progress").value = Math.round((100 * event.detail.loaded) / event.detail.total);
  }
});
