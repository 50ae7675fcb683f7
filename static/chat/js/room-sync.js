// The room page's side of the socket protocol (visibility.js adds only whether it is shown):
//  - track the room revision the page is complete up to (#cursor, then each arriving
//    message's data-revision), and resume from it on every open; a gap still open after
//    HEAL_AFTER_MS means a frame was lost, not merely overtaken by one from another
//    server process: ask for what is missing;
//  - give every send its own id and hold it until answered (#ack: stored, naming its
//    message; #composer: refused, holding its text); send again on the next open what a
//    dropped socket never answered (the server stores one message per id);
//  - when the list reaches the newest again, ask by id for what was left out meanwhile;
//  - say "typing" now and then while the composer's person types ("chat:typing").
// It tells the page "chat:send" {id, body} when a send gets its id and "chat:answer"
// {id, message} when the server answers one (message: what it stored; none: refused).
// tests/test_client_protocol.py holds its unit tests: the real page against a fake socket.

import { announce, articles, composerBox, lastMessageId, messages } from "./page.js";

// The server shows someone typing for 5 s after the last word of it (chat/limits.py).
const TYPING_EVERY_MS = 3000;
const HEAL_AFTER_MS = 1000;

let cursor = 0;           // every room revision up to this one is on the page
let aheadOfCursor = {};   // revisions seen beyond a gap
let pending = [];         // sends not yet answered: {id, fields, sent}
let liveSocket = null;
let healing = null;
let resumeById = false;   // the newest was reached while the socket was down
let typingSaid = 0;       // when this page last said its person is typing

// crypto.randomUUID exists only on https and localhost; a server on plain http is possible.
function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => (x + 0x100).toString(16).slice(1)).join("");
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

// The cursor moves only over revisions seen: those beyond a gap wait in aheadOfCursor.
function absorbAhead() {
  while (aheadOfCursor[cursor + 1]) { cursor += 1; delete aheadOfCursor[cursor]; }
}

function noteRevision(revision) {
  if (revision > cursor) { aheadOfCursor[revision] = true; absorbAhead(); }
}

// The server says the page is complete up to `revision` (the page as loaded, or a
// resume's answer): the cursor becomes it, and takes on what was seen beyond it.
function moveCursorTo(revision) {
  if (!(revision > cursor)) return;
  cursor = revision;
  Object.keys(aheadOfCursor).forEach((r) => { if (+r <= cursor) delete aheadOfCursor[r]; });
  absorbAhead();
}

function send(socket, frame) { socket.send(JSON.stringify(frame)); }

function resume(socket) { send(socket, { type: "resume", after: lastMessageId(), cursor }); }

function healGapSoon() {
  if (healing || Object.keys(aheadOfCursor).length === 0) return;
  healing = setTimeout(() => {
    healing = null;
    if (liveSocket && Object.keys(aheadOfCursor).length > 0) resume(liveSocket);
  }, HEAL_AFTER_MS);
}

function readCursorElement() {
  const element = document.getElementById("cursor");
  if (element) moveCursorTo(parseInt(element.dataset.revision, 10) || 0);
}

function takeAnswers() {
  ["ack", "composer"].forEach((id) => {
    const element = document.getElementById(id);
    const ack = element && element.dataset.ack;
    if (!ack) return;
    pending = pending.filter((held) => held.id !== ack);
    announce("chat:answer", { id: ack, message: element.dataset.message || null });
    delete element.dataset.ack;
    delete element.dataset.message;
  });
}

readCursorElement();  // the page as loaded: module scripts run once it is parsed

// Every message that arrives is a revision seen, whether the list then shows it or leaves
// it out: read in the capture phase, before message-list.js takes any out of the frame.
// (A DocumentFragment is the whole list replaced: its cursor follows it.)
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const fragment = event.detail.fragment;
  if (event.target !== messages() || fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE) return;
  articles(fragment).forEach((incoming) => noteRevision(parseInt(incoming.dataset.revision, 10)));
}, true);

document.addEventListener("htmx:wsAfterMessage", () => {
  takeAnswers();
  readCursorElement();
  healGapSoon();
});

// The list reaches the newest again (message-list.js): the messages left out while
// "Load newer" was on its way are asked for by id (the cursor has moved past them), now
// or when the socket is back.
document.addEventListener("chat:reached-latest", () => {
  if (liveSocket) send(liveSocket, { type: "resume", after: lastMessageId() });
  else resumeById = true;
});

// Only the socket whose element holds the list is the conversation's (not the sidebar's).
const ofTheConversation = (event) => event.target.contains(messages());
document.addEventListener("htmx:wsOpen", (event) => {
  if (!ofTheConversation(event)) return;
  const socket = event.detail.socketWrapper;
  liveSocket = socket;
  // Whatever changed while this socket was down comes back in the answer...
  resume(socket);
  if (resumeById) send(socket, { type: "resume", after: lastMessageId() });
  resumeById = false;
  // ...and sends the last socket took but never answered go again (stored once).
  pending.forEach((held) => { if (held.sent) send(socket, held.fields); });
});

document.addEventListener("htmx:wsClose", (e) => { if (ofTheConversation(e)) liveSocket = null; });

// The composer's values are already taken when this fires: give the send its own id and
// hold it until answered.
document.addEventListener("htmx:wsConfigSend", (event) => {
  const box = composerBox();
  if (!box || !event.target.contains(box)) return;
  const id = newId();
  event.detail.parameters.client_id = id;
  const fields = Object.assign({}, event.detail.parameters, { HEADERS: event.detail.headers });
  pending.push({ id: id, fields: fields, sent: false });
  typingSaid = 0;  // the message ends the typing; the next word starts it again
  announce("chat:send", { id: id, body: fields.body || "" });
});

document.addEventListener("htmx:wsAfterSend", (event) => {
  let id;
  try { id = JSON.parse(event.detail.message).client_id; } catch (e) { return; }
  pending.forEach((held) => { if (held.id === id) held.sent = true; });
});

document.addEventListener("chat:typing", () => {
  if (liveSocket && Date.now() - typingSaid > TYPING_EVERY_MS) {
    typingSaid = Date.now();
    send(liveSocket, { type: "typing" });
  }
});
