// The switcher (chat/parts.html#switcher-dialog): Ctrl+K or ⌘K, and the sidebar's "Jump
// to" link, open its <dialog>, which every signed-in page holds; its field asks the server for the rooms
// and people matching what is typed (htmx: hx-get on the field, at each pause). This
// module only moves through the answer:
//  - ↓ from the field focuses the first link, ↓ and ↑ go from link to link, ↑ from the
//    first goes back to the field, and a letter typed on a link goes on in the field;
//  - Enter in the field follows the first link, once the list answers what is typed
//    (data-query); before that, the form goes to the switcher's page with the words;
//  - Enter on a link follows it, and Escape closes the dialog (both the browser's own).
// On the switcher's page (/switch/, no dialog) the same keys work, and Ctrl+K focuses its
// field. Without JavaScript, the link is the page.

function dialog() { return document.getElementById("switcher"); }
function field() { return document.getElementById("switcher-q"); }
function links() { return Array.from(document.querySelectorAll("#switcher-results a.choice")); }

function open() {
  const box = dialog();
  const input = field();
  if (box && !box.open) box.showModal();
  if (input) {
    input.focus();
    input.select();
  }
}

function isShortcut(event) {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey &&
    event.key.toLowerCase() === "k";
}

document.addEventListener("keydown", (event) => {
  if (!isShortcut(event) || !field()) return;
  event.preventDefault();  // Chromium's own Ctrl+K searches the web
  open();
});

document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("#switch-link");
  if (!link || !dialog() || event.button !== 0) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;  // a new tab
  event.preventDefault();
  open();
});

function move(from, step) {
  const choices = links();
  const next = choices.indexOf(from) + step;  // from the field: -1 + 1, the first
  if (next < 0) field().focus();
  else if (choices.length) choices[Math.min(next, choices.length - 1)].focus();
}

function followFirst(event) {
  const first = links()[0];
  const results = document.getElementById("switcher-results");
  if (!first || results.dataset.query !== field().value.trim()) return;
  event.preventDefault();
  location.assign(first.href);
}

document.addEventListener("keydown", (event) => {
  const input = field();
  const target = event.target;
  if (!input || !target.matches) return;
  const onField = target === input;
  const onLink = target.matches("#switcher-results a.choice");
  if (!onField && !onLink) return;
  if (event.key === "ArrowDown") {
    event.preventDefault();
    move(onField ? null : target, 1);
  } else if (event.key === "ArrowUp" && onLink) {
    event.preventDefault();
    move(target, -1);
  } else if (event.key === "Enter" && onField) {
    followFirst(event);
  } else if (onLink && event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
    input.focus();  // the letter goes on in the field
  }
});
