// While the tab is hidden: what others write counts in the title ("(3) lunch · Chat")
// and turns the favicon to its unread one (data-unread), until the tab is seen again;
// the lobby's own total of unread messages (data-page-title, pushed by its socket) is
// its title, and its favicon. What the server says concerns this person (#notification,
// the same bytes for every socket it goes to) shows as a browser notification, each at
// most once and only when it arrives while hidden. "Turn on notifications" asks the
// browser's permission, shown only while it has not been asked.

import { isMuted } from "./page.js";

let pageTitle = document.title;
let unseen = 0;           // messages by others that arrived while the tab was hidden
const notified = {};      // tags already shown, in this tab

function showUnseen() {
  const titled = document.querySelector("[data-page-title]");  // the lobby's own total
  if (titled) pageTitle = titled.dataset.pageTitle;
  const count = unseen || (/^\((\d+)\)/.exec(pageTitle) || [])[1];
  document.title = unseen ? "(" + unseen + ") " + pageTitle : pageTitle;
  const icon = document.querySelector("link[rel=icon]");
  if (!icon.dataset.read) icon.dataset.read = icon.href;
  icon.href = count ? icon.dataset.unread : icon.dataset.read;
}

function notify() {
  const note = document.getElementById("notification");
  const tag = note && note.dataset.tag;
  if (!tag || notified[tag]) return;
  notified[tag] = true;  // each at most once, and only when it arrives
  if (!document.hidden || !window.Notification || Notification.permission !== "granted") return;
  const shown = new Notification(note.dataset.title, { body: note.dataset.body, tag: tag });
  const url = note.dataset.url;
  shown.onclick = () => { window.focus(); location.assign(url); };
}

// A new message let into the list (message-list.js), by someone else, while nobody looks.
document.addEventListener("chat:new-message", (event) => {
  const author = event.detail.author;
  if (document.hidden && author !== document.body.dataset.viewer && !isMuted(author)) unseen += 1;
});

document.addEventListener("htmx:wsAfterMessage", () => {
  showUnseen();
  notify();
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) { unseen = 0; showUnseen(); }
});

const button = document.getElementById("notifications-on");
if (button && window.Notification && Notification.permission === "default") {
  button.hidden = false;
  button.addEventListener("click", () => {
    Notification.requestPermission().then(() => { button.hidden = true; });
  });
}
