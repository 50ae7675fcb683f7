// The composer (#composer-form): the room page opens with the focus in it; Enter sends
// (Shift+Enter is a new line; while mentions.js offers names, Enter takes one instead);
// every word typed is "chat:typing", which room-sync.js passes on now and then; the box
// empties as a send goes, so what is typed next is kept apart. From data-from characters
// on, "3,812 / 4,000" shows under it, a warning past the limit; nothing is cut: the
// server refuses a longer text, and keeps it. A composer sent back (a refused send) keeps
// the height its person dragged it to, and the caret goes after the text it holds.

import { announce, composerBox } from "./page.js";

const numbers = new Intl.NumberFormat("en");

function countCharacters() {
  const box = composerBox();
  const count = document.getElementById("composer-count");
  if (!box || !count) return;
  const length = Array.from(box.value).length;
  const max = parseInt(count.dataset.max, 10);
  count.hidden = length < parseInt(count.dataset.from, 10);
  count.textContent = numbers.format(length) + " / " + numbers.format(max);
  count.classList.toggle("over", length > max);
}

const opening = composerBox();
if (opening && opening.closest("#composer-form")) opening.focus();  // a room page's, not a sample's

document.addEventListener("input", (event) => {
  if (event.target !== composerBox()) return;
  countCharacters();
  announce("chat:typing");
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (box !== composerBox() || event.isComposing || event.defaultPrevented) return;
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    box.form.requestSubmit();
  }
});

document.addEventListener("chat:send", () => {
  const box = composerBox();
  if (box) box.value = "";
  countCharacters();
});

// The new box takes the old one's height through CSSOM, which the Content-Security-Policy
// allows (a style attribute it does not).
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const box = composerBox();
  const fragment = event.detail.fragment;
  const incoming = fragment.querySelector && fragment.querySelector("textarea[name=body]");
  if (event.target.id === "composer" && box && incoming && box.style.height) {
    incoming.style.height = box.style.height;
  }
});

// A refused send's text came back in a new box: what is typed next goes after it.
htmx.onLoad((element) => {
  if (element.id !== "composer") return;
  const box = composerBox();
  if (box) box.setSelectionRange(box.value.length, box.value.length);
  countCharacters();
});
