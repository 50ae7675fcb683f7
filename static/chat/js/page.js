// Where the room page keeps what the modules read: plain look-ups by the ids and classes
// templates/chat/room.html sets (its header says which to keep). No state lives here;
// every module asks the page afresh, since htmx may have replaced any of these.

export function messages() {
  return document.getElementById("messages");
}

export function composerBox() {
  return document.querySelector("#composer textarea[name=body]");
}

export function articles(root) {
  return (root || messages() || document).querySelectorAll("article.message");
}

export function idOf(article) {
  return parseInt(article.id.slice("message-".length), 10);
}

// The newest message on the page (0 when there is none).
export function lastMessageId() {
  let newest = 0;
  articles().forEach((article) => { newest = Math.max(newest, idOf(article)); });
  return newest;
}

// Tell the other modules something happened, by name ("chat:send", ...): they subscribe
// to it without reaching into this module's state.
export function announce(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail: detail || {} }));
}

// Whether the reader muted this author (body's data-muted, on the reader's own pages
// only): their arrivals neither count as unseen nor play sounds.
export function isMuted(author) {
  return (document.body.dataset.muted || "").split(" ").includes(String(author));
}
