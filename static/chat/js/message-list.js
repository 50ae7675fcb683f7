// The message list (#messages) as frames fill it: each message shown once, in id order.
//  - A message that arrives again (a resume overlapping live delivery, a resend) or
//    changed (an edit, a deletion, a reaction: the server sends its article with
//    hx-swap-oob="outerHTML" inside the frame of new messages, which a page that has not
//    loaded that message leaves out) goes to htmx's own outerHTML swap in place of the
//    copy on the page: htmx processes and settles it, and gives the focus back to the
//    element of the same id (a message's actions carry stable ids, message-<id>-edit...).
//  - A message with a form open in it (.slot: edit, delete, react) keeps that form, what
//    is typed in it and its focus (hx-preserve on the new copy's slot); one with a request
//    of its own on the way is left for that request's answer to replace.
//  - One older than the page's oldest is left for "Load older messages" to fetch; on a page
//    opened around an older message (data-latest="false": a search result), a new one is
//    left for "Load newer messages", until its last page says it reaches the newest
//    (#reached-latest).
//  - Frames from two server processes may overtake each other: the list is kept in order.
// It tells the page "chat:new-message" {author} for each new message it lets in, and
// "chat:reached-latest" when the list reaches the newest again.

import { announce, articles, idOf, lastMessageId, messages } from "./page.js";

function replace(existing, incoming) {
  const slot = incoming.querySelector(".slot");
  if (slot && existing.querySelector(".slot:not(:empty)")) slot.setAttribute("hx-preserve", "");
  incoming.removeAttribute("hx-swap-oob");
  htmx.swap(existing, incoming.outerHTML, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 });
}

document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const list = messages();
  // A DocumentFragment is the whole list replaced (after a long absence): nothing to merge.
  const fragment = event.detail.fragment;
  if (event.target !== list || fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE) return;
  const shown = articles(list);
  // Only a list with older messages still to load leaves out what is older than its
  // first: one that starts at the beginning (an empty one too) takes every message.
  const oldest = shown.length && list.querySelector("a#older") ? idOf(shown[0]) : 0;
  const behind = list.dataset.latest === "false";
  const newest = lastMessageId();
  articles(fragment).forEach((incoming) => {
    const existing = document.getElementById(incoming.id);
    const leftOut = idOf(incoming) < oldest || (behind && idOf(incoming) > newest);
    if (!existing && !leftOut) {
      announce("chat:new-message", { author: incoming.dataset.author });
      return;
    }
    incoming.remove();
    if (existing && !existing.querySelector(".htmx-request")) replace(existing, incoming);
  });
});

// Sorted above the "sending…" copies and "Load newer messages", which stay at the foot.
function keepInOrder() {
  const list = messages();
  const items = Array.from(articles(list));
  if (items.every((a, i) => i === 0 || idOf(items[i - 1]) < idOf(a))) return;
  const foot = list.querySelector(":scope > article.pending, :scope > #newer");
  items.sort((a, b) => idOf(a) - idOf(b)).forEach((a) => list.insertBefore(a, foot));
}

document.addEventListener("htmx:wsAfterMessage", keepInOrder);

// The last "Load newer messages" page ends with #reached-latest: live messages go in again.
document.addEventListener("htmx:afterSettle", () => {
  const marker = document.getElementById("reached-latest");
  const list = messages();
  if (!marker || !list) return;
  marker.remove();
  list.dataset.latest = "true";
  announce("chat:reached-latest");
});
