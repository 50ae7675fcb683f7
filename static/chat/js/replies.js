// Replying: a message's "Reply" (an htmx link, hx-get /m/<id>/reply) swaps the composer's
// reply bar (#reply-bar, in #composer-form: "Replying to <name>: excerpt ×" and a hidden
// reply_to that ws-send sends with the body). Here:
//  - the bar that came in puts the focus in the composer's box;
//  - × (or Escape in an empty box) cancels the reply: the bar empties;
//  - a send takes the bar away with it; if the server refuses that send (its composer
//    comes back holding the text), the bar comes back too, unless the reply itself was
//    refused (#composer[data-reply-refused]: the message was deleted meanwhile).
// Without JavaScript, or on a page without a composer, "Reply" is a page of its own
// (chat/message.html#reply-form).

import { composerBox } from "./page.js";

const held = new Map();  // a send's id -> the bar's contents it took, until answered

function bar() {
  return document.getElementById("reply-bar");
}

function empty() {
  const element = bar();
  if (!element) return;
  element.replaceChildren();
  element.hidden = true;
}

function focusBox() {
  const box = composerBox();
  if (box) box.focus();
}

// A page without a composer (older messages without JavaScript, the styleguide): "Reply"
// is its plain link, the page of its own, rather than an htmx request with nowhere to go.
document.addEventListener("click", (event) => {
  const action = event.target.closest && event.target.closest("a.action.reply");
  if (action && !bar()) event.stopImmediatePropagation();
}, true);

htmx.onLoad((element) => {
  if (element.id === "reply-bar" && !element.hidden) focusBox();
});

document.addEventListener("click", (event) => {
  const cancel = event.target.closest && event.target.closest("#reply-bar .cancel-reply");
  if (!cancel) return;
  event.preventDefault();
  empty();
  focusBox();
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (box !== composerBox() || event.key !== "Escape" || event.isComposing) return;
  const element = bar();
  if (!element || element.hidden || box.value !== "" || event.defaultPrevented) return;
  event.preventDefault();
  empty();
});

document.addEventListener("chat:send", (event) => {
  const element = bar();
  if (!element || element.hidden) return;
  held.set(event.detail.id, Array.from(element.childNodes));
  empty();
});

document.addEventListener("chat:answer", (event) => {
  const kept = held.get(event.detail.id);
  held.delete(event.detail.id);
  if (!kept || event.detail.message) return;  // stored: the reply is done
  const composer = document.getElementById("composer");
  const element = bar();
  if (!element || !element.hidden || (composer && "replyRefused" in composer.dataset)) return;
  element.replaceChildren(...kept);
  element.hidden = false;
});
