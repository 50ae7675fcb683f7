// "New since your last visit" (#new-since, chat/room.html#new-since): the page draws it
// before the first message the reader had not read. This module
//  - brings it into view as the page opens, when the news is longer than the list shows
//    (js/scroll.js has brought the foot into view first; a page opened at a message keeps
//    that message in view): the first unread message at the top, as any chat does;
//  - moves the copy "Mark unread" answers (data-before: the article it goes before) to
//    its place, once htmx has swapped it in.
// It never moves another element: articles stay in the order js/message-list.js keeps.

import { messages } from "./page.js";

function line() { return document.getElementById("new-since"); }

function showOnOpen() {
  const list = messages();
  const shown = line();
  if (!list || !shown || shown.hidden || location.hash) return;
  const above = shown.getBoundingClientRect().top - list.getBoundingClientRect().top;
  if (above < 0) list.scrollTop += above - 8;
}

function placeMoved() {
  const moved = line();
  const before = moved && moved.dataset.before && document.getElementById(moved.dataset.before);
  if (!before) return;
  delete moved.dataset.before;
  moved.removeAttribute("hx-swap-oob");
  before.before(moved);
}

showOnOpen();  // module scripts run once the page is parsed, after js/scroll.js
document.addEventListener("htmx:oobAfterSwap", placeMoved);
document.addEventListener("htmx:afterSettle", placeMoved);
