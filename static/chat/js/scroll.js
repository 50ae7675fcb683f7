// The newest message in view: a list at its foot before a frame (within 48 px) is brought
// to its foot after it, and a send of one's own brings the foot into view, with its
// "sending…" copy. A page opened at a message (a search result:
// ?around=<id>#message-<id>) shows that message instead of the end.

import { messages } from "./page.js";

let pinned = true;  // the list was at its foot before the latest frame

function atBottom() {
  const list = messages();
  return !list || list.scrollHeight - list.scrollTop - list.clientHeight < 48;
}

function scrollToBottom() {
  const list = messages();
  if (list) list.scrollTop = list.scrollHeight;
}

// Module scripts run once the page is parsed: it is all there to scroll.
const target = location.hash && document.getElementById(location.hash.slice(1));
if (target && messages() && messages().contains(target)) target.scrollIntoView({ block: "center" });
else scrollToBottom();

document.addEventListener("htmx:wsBeforeMessage", () => { pinned = atBottom(); });
document.addEventListener("htmx:wsAfterMessage", () => { if (pinned) scrollToBottom(); });

// Your own message should come into view: as it is sent, and when it goes out.
document.addEventListener("chat:send", () => { pinned = true; scrollToBottom(); });
document.addEventListener("htmx:wsAfterSend", () => { pinned = true; });
document.addEventListener("chat:pending-shown", () => { if (pinned) scrollToBottom(); });
