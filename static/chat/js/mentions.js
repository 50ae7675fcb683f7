// "@" completion in the composer: "@al" just before the caret asks the server for the
// members whose name starts so, into #mention-suggestions (a listbox). ArrowDown and
// ArrowUp move through them (aria-activedescendant), Enter, Tab or a click takes one,
// Escape closes the list. Keys are read in the capture phase, before composer.js: while
// the list is open, Enter is the list's, not a send.

import { composerBox } from "./page.js";

let mentionQuery = null;  // the "@..." being completed, or null

function suggestions() {
  const list = document.getElementById("mention-suggestions");
  return list && !list.hidden && list.querySelector("[role=option]") ? list : null;
}

function closeSuggestions() {
  const list = document.getElementById("mention-suggestions");
  if (list) list.hidden = true;
  mentionQuery = null;
  const box = composerBox();
  if (box) box.removeAttribute("aria-activedescendant");
}

function offerMentions(box) {
  const match = /(?:^|\s)@([\w.@+-]*)$/.exec(box.value.slice(0, box.selectionStart));
  if (!match) return closeSuggestions();
  if (match[1] === mentionQuery) return;
  mentionQuery = match[1];
  const url = box.form.dataset.mentions + "?q=" + encodeURIComponent(mentionQuery);
  htmx.ajax("GET", url, { target: "#mention-suggestions", swap: "outerHTML" });
}

// An answer that comes back after the caret left its "@…" (or for an older "@…") must
// not reopen the list: Enter would then take a name instead of sending.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (!event.detail.target || event.detail.target.id !== "mention-suggestions") return;
  const path = event.detail.pathInfo.finalRequestPath || event.detail.pathInfo.requestPath;
  const asked = new URL(path, location.href).searchParams.get("q");
  if (asked !== mentionQuery) event.detail.shouldSwap = false;
});

function choose(option) {
  const box = composerBox();
  const before = box.value.slice(0, box.selectionStart)
    .replace(/@[\w.@+-]*$/, "@" + option.dataset.username + " ");
  box.value = before + box.value.slice(box.selectionStart);
  box.setSelectionRange(before.length, before.length);
  closeSuggestions();
  box.focus();
}

function moveChoice(list, step) {
  const options = Array.from(list.querySelectorAll("[role=option]"));
  const at = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  const next = options[(at + step + options.length) % options.length];
  options.forEach((o) => o.setAttribute("aria-selected", o === next ? "true" : "false"));
  composerBox().setAttribute("aria-activedescendant", next.id);
}

document.addEventListener("input", (event) => {
  if (event.target === composerBox()) offerMentions(event.target);
});

document.addEventListener("mousedown", (event) => {
  const option = event.target.closest && event.target.closest("#mention-suggestions [role=option]");
  if (option) { event.preventDefault(); choose(option); }
});

document.addEventListener("keydown", (event) => {
  if (event.target !== composerBox() || event.isComposing) return;
  const list = suggestions();
  if (list && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    moveChoice(list, event.key === "ArrowDown" ? 1 : -1);
  } else if (list && (event.key === "Enter" || event.key === "Tab")) {
    event.preventDefault();
    choose(list.querySelector("[aria-selected=true]") || list.querySelector("[role=option]"));
  } else if (list && event.key === "Escape") {
    closeSuggestions();
  } else if (event.key === "Enter" && !event.shiftKey) {
    closeSuggestions();  // the message goes (composer.js): nothing is being completed now
  }
}, true);
