// Sends on their way: each send the server has not stored yet shows as a greyed
// "sending…" copy at the foot of the list (article.pending[data-pending="<send id>"],
// styled in chat.css), in the order sent, and #composer[data-sending] is set while one
// awaits its answer. A stored one stays until its article is on the page (the answer may
// come first: the article goes round the channel layer), or will not be (a page behind
// the newest); a refused one goes (its text is back in the composer). The copies outlive
// a reconnect and a list replaced after a long absence.
// Fed by room-sync.js ("chat:send", "chat:answer"); says "chat:pending-shown" when a copy
// is added, so that scroll.js can bring it into view.

import { announce, messages } from "./page.js";

let waiting = [];  // sends not yet answered: {id, body}, in the order sent
let stored = {};   // send id -> the id of the message it made, until its article is here

function copyOf(send) {
  const copy = document.createElement("article");
  copy.className = "pending";
  copy.dataset.pending = send.id;
  const body = document.createElement("div");  // as the message will be: div.body, dir auto
  body.className = "body";
  body.dir = "auto";
  body.textContent = send.body;  // as typed, until the server's rendering replaces it
  const state = document.createElement("p");
  state.className = "state";
  state.textContent = "sending…";
  copy.append(body, state);
  return copy;
}

function showSending() {
  const composer = document.getElementById("composer");
  if (composer) composer.toggleAttribute("data-sending", waiting.length > 0);
}

function showPending() {
  showSending();
  const list = messages();
  if (!list) return;
  const wanted = {};
  Object.keys(stored).forEach((id) => {
    if (document.getElementById("message-" + stored[id]) || list.dataset.latest === "false") {
      delete stored[id];
    } else {
      wanted[id] = true;
    }
  });
  waiting.forEach((send) => { wanted[send.id] = true; });
  list.querySelectorAll("article.pending").forEach((copy) => {
    if (wanted[copy.dataset.pending]) list.appendChild(copy);
    else copy.remove();
  });
  let added = false;
  waiting.forEach((send) => {
    if (!list.querySelector(`article.pending[data-pending="${send.id}"]`)) {
      list.appendChild(copyOf(send));
      added = true;
    }
  });
  const newer = document.getElementById("newer");  // "Load newer messages" stays last
  if (newer) list.appendChild(newer);
  if (added) announce("chat:pending-shown");
}

document.addEventListener("chat:send", (event) => {
  waiting.push({ id: event.detail.id, body: event.detail.body });
  showPending();
});

document.addEventListener("chat:answer", (event) => {
  waiting = waiting.filter((send) => send.id !== event.detail.id);
  if (event.detail.message) stored[event.detail.id] = event.detail.message;
  showPending();
});

document.addEventListener("htmx:wsAfterMessage", showPending);
