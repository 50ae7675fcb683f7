// What htmx cannot do for the chat. Reads the ids set in templates/chat/room.html.
//  - keep the newest message in view, and messages in order, each shown once;
//  - track the room revision the page is complete up to, and resume from it on every open;
//  - give every send its own id, and send again what the server had not answered
//    when a socket dropped (the server stores one message per id);
//  - show the connection state; reconnect after a clean close; leave when signed out;
//  - send on Enter, keep what is typed while a send is on its way;
//  - show times in the reader's own time zone.
(function () {
  "use strict";

  // The ws extension reconnects by itself after these codes; we handle the rest.
  var EXTENSION_RETRIES = [1006, 1011, 1012, 1013];
  // The server closed on purpose because this page may no longer be here: reload it.
  var GONE = [4401, 4403];
  // After this many handshakes in a row fail, ask the page whether we may still be here.
  var FAILURES_BEFORE_CHECK = 2;
  var MAX_RETRY_DELAY_MS = 10000;

  var wasOpen = false;
  var retries = 0;
  var failedHandshakes = 0;
  var openedThisAttempt = false;
  var pinned = true;
  var composerFocused = false;
  var boxBefore = null;
  var cursor = 0;          // every room revision up to this one is on the page
  var aheadOfCursor = {};  // revisions seen beyond a gap
  var pending = [];        // sends not yet answered: {id, fields, sent}
  var liveSocket = null;
  var healing = null;
  // A gap in revisions still open after this long means a frame was lost, not merely
  // overtaken by one from another server process: ask for what is missing.
  var HEAL_AFTER_MS = 1000;

  // Full jitter, capped: a page never waits long after the server is back.
  function retryDelay(attempt) {
    return Math.random() * Math.min(MAX_RETRY_DELAY_MS, 1000 * Math.pow(2, attempt));
  }
  if (window.htmx) htmx.config.wsReconnectDelay = retryDelay;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function messages() { return document.getElementById("messages"); }
  function composerBox() { return document.querySelector("#composer textarea[name=body]"); }
  function articles(root) { return (root || messages() || document).querySelectorAll("article.message"); }
  function idOf(article) { return parseInt(article.id.slice("message-".length), 10); }

  function lastMessageId() {
    var newest = 0;
    articles().forEach(function (a) { newest = Math.max(newest, idOf(a)); });
    return newest;
  }

  function noteRevision(revision) {
    if (!(revision > cursor)) return;
    aheadOfCursor[revision] = true;
    while (aheadOfCursor[cursor + 1]) {
      delete aheadOfCursor[cursor + 1];
      cursor += 1;
    }
  }

  function moveCursorTo(revision) {
    if (!(revision > cursor)) return;
    cursor = revision;
    Object.keys(aheadOfCursor).forEach(function (r) { if (+r <= cursor) delete aheadOfCursor[r]; });
    noteRevision(cursor + 1);
    delete aheadOfCursor[cursor + 1];
  }

  function resume(socket) {
    socket.send(JSON.stringify({ type: "resume", after: lastMessageId(), cursor: cursor }));
  }

  function healGapSoon() {
    if (healing || Object.keys(aheadOfCursor).length === 0) return;
    healing = setTimeout(function () {
      healing = null;
      if (liveSocket && Object.keys(aheadOfCursor).length > 0) resume(liveSocket);
    }, HEAL_AFTER_MS);
  }

  function readCursorElement() {
    var element = document.getElementById("cursor");
    if (element) moveCursorTo(parseInt(element.dataset.revision, 10) || 0);
  }

  // Messages arriving twice (a resume overlapping live delivery, a resend) replace
  // the copy on the page; an edited message replaces itself in place; one older than
  // the page's oldest is left for "load older" to fetch.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var list = messages();
    // A DocumentFragment is the whole list replaced (after a long absence): nothing to merge.
    var fragment = event.detail.fragment;
    if (event.target !== list || fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE) return;
    var shown = articles(list);
    var oldest = shown.length ? idOf(shown[0]) : 0;
    articles(fragment).forEach(function (incoming) {
      noteRevision(parseInt(incoming.dataset.revision, 10));
      var existing = document.getElementById(incoming.id);
      if (existing) existing.replaceWith(incoming);
      else if (idOf(incoming) < oldest) incoming.remove();
    });
  });

  function keepInOrder() {
    var list = messages();
    var items = Array.prototype.slice.call(articles(list));
    for (var i = 1; i < items.length; i++) {
      if (idOf(items[i - 1]) > idOf(items[i])) {
        items.sort(function (a, b) { return idOf(a) - idOf(b); });
        items.forEach(function (a) { list.appendChild(a); });
        return;
      }
    }
  }

  function atBottom() {
    var list = messages();
    return !list || list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  }

  function scrollToBottom() {
    var list = messages();
    if (list) list.scrollTop = list.scrollHeight;
  }

  function setBadge(state) {
    var badge = document.getElementById("connection");
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = state;
  }

  var timeFormat = new Intl.DateTimeFormat(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
  });

  function localiseTimes(root) {
    var times = (root || document).querySelectorAll("time[datetime]:not([data-local])");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (isNaN(when)) continue;
      times[i].title = times[i].textContent + " UTC";
      times[i].textContent = timeFormat.format(when);
      times[i].dataset.local = "1";
    }
  }

  // A socket refused at the handshake looks like a network failure (1006). Ask the
  // page itself: signed out, or no longer allowed in, means reload (to the login
  // page or the 404) instead of retrying for ever.
  function checkStillWelcome() {
    fetch(location.pathname, { redirect: "manual", cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
          location.reload();
        }
      })
      .catch(function () { /* the server is down: keep retrying */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    readCursorElement();
    localiseTimes(document);
    scrollToBottom();
    var box = composerBox();
    if (box) box.focus();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    localiseTimes(event.detail.elt);
  });

  document.addEventListener("htmx:wsConnecting", function () {
    openedThisAttempt = false;
    setBadge(wasOpen ? "reconnecting" : "connecting");
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    var socket = event.detail.socketWrapper;
    wasOpen = true;
    openedThisAttempt = true;
    retries = 0;
    failedHandshakes = 0;
    setBadge("live");
    liveSocket = socket;
    // Whatever changed while this socket was down comes back in the answer...
    resume(socket);
    // ...and sends the last socket took but never answered go again (stored once).
    pending.forEach(function (send) {
      if (send.sent) socket.send(JSON.stringify(send.fields));
    });
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    liveSocket = null;
    if (!document.body.contains(event.target)) return;
    if (GONE.indexOf(code) >= 0) {
      location.reload();
      return;
    }
    if (code >= 4000) {
      setBadge("offline");  // closed on purpose by the server: do not hammer it
      return;
    }
    setBadge(wasOpen ? "reconnecting" : "connecting");
    if (!openedThisAttempt) {
      failedHandshakes += 1;
      if (failedHandshakes % FAILURES_BEFORE_CHECK === 0) checkStillWelcome();
    }
    if (EXTENSION_RETRIES.indexOf(code) >= 0) return;
    // A clean close (daphne's --websocket-timeout sends 1000) would otherwise leave the page dead.
    var socketWrapper = event.detail.socketWrapper;
    setTimeout(function () { socketWrapper.reconnect(); }, retryDelay(retries));
    retries += 1;
  });

  // The form's values are already taken when this fires: give the send its own id,
  // hold it until answered, and empty the box so what is typed next is kept apart.
  document.addEventListener("htmx:wsConfigSend", function (event) {
    var box = composerBox();
    if (!box || !event.target.contains(box)) return;
    var id = newId();
    event.detail.parameters.client_id = id;
    var fields = Object.assign({}, event.detail.parameters, { HEADERS: event.detail.headers });
    pending.push({ id: id, fields: fields, sent: false });
    box.value = "";
  });

  document.addEventListener("htmx:wsAfterSend", function (event) {
    pinned = true;  // your own message should come into view
    var id;
    try { id = JSON.parse(event.detail.message).client_id; } catch (e) { return; }
    pending.forEach(function (send) { if (send.id === id) send.sent = true; });
  });

  document.addEventListener("htmx:wsBeforeMessage", function () {
    pinned = atBottom();
    boxBefore = composerBox();
    composerFocused = boxBefore !== null && document.activeElement === boxBefore;
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var box = composerBox();
    var composer = document.getElementById("composer");
    var ack = composer && composer.dataset.ack;
    if (box && boxBefore && box !== boxBefore && ack) {
      var before = pending.length;
      pending = pending.filter(function (send) { return send.id !== ack; });
      // An empty composer answering one of our sends must not wipe what was typed
      // meanwhile; one that carries text (an error, a rate limit) shows the server's copy.
      if (pending.length < before && box.value === "") box.value = boxBefore.value;
    }
    readCursorElement();
    healGapSoon();
    keepInOrder();
    if (pinned) scrollToBottom();
    if (composerFocused && box && document.activeElement !== box) box.focus();
    localiseTimes(messages());
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!box.matches || !box.matches("#composer textarea[name=body]")) return;
    event.preventDefault();
    box.form.requestSubmit();
  });
})();
