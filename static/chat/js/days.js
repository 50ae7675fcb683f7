// Day separators in the reader's own days: each article's <time datetime> (UTC, written by
// the server) says when it was said; a line with the date goes above the first message of
// each of the reader's local days. The server draws them in its own time zone for pages read
// without JavaScript (data-server, chat/room.html#day-separator); these take their place,
// and are drawn again whenever the list changes (new messages, older pages, a list
// replaced), so there is always one set. Articles stay the list's only message elements:
// the other modules find them by id and class, never by position.

import { messages } from "./page.js";

const dayName = new Intl.DateTimeFormat(undefined, {
  weekday: "long", year: "numeric", month: "long", day: "numeric"
});

function localDay(when) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
}

function saidAt(article) {
  const time = article.querySelector(":scope > header time[datetime]");
  const when = time && new Date(time.getAttribute("datetime"));
  return when && !isNaN(when) ? when : null;
}

function separator(when) {
  const line = document.createElement("div");
  line.className = "day-separator";
  line.setAttribute("role", "separator");
  const time = document.createElement("time");
  time.dateTime = localDay(when);
  time.dataset.local = "1";  // already the reader's: js/times.js leaves it
  time.textContent = dayName.format(when);
  line.setAttribute("aria-label", time.textContent);
  line.append(time);
  return line;
}

function draw(list) {
  list.querySelectorAll(":scope > .day-separator").forEach((line) => line.remove());
  let previous = null;
  list.querySelectorAll(":scope > article.message").forEach((article) => {
    const when = saidAt(article);
    if (!when) return;
    const day = localDay(when);
    if (day !== previous) article.before(separator(when));
    previous = day;
  });
}

let observed = null;
const watcher = new MutationObserver(redraw);

function redraw() {
  const list = messages();
  if (!list) return;
  const atFoot = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  watcher.disconnect();  // our own lines are no change to answer
  draw(list);
  watcher.takeRecords();
  watch(list);
  if (atFoot) list.scrollTop = list.scrollHeight;  // a new day's line keeps the foot in view
}

function watch(list) {
  observed = list;
  watcher.observe(list, { childList: true });
  // The whole list may be replaced (after a long absence): follow the new one.
  if (list.parentNode) watcher.observe(list.parentNode, { childList: true });
}

if (messages()) {
  draw(messages());  // before js/scroll.js brings the foot, or a message, into view
  watch(messages());
}

document.addEventListener("htmx:load", () => {
  if (messages() && messages() !== observed) redraw();
});
