// What htmx cannot do for the chat: keep the newest message in view, show the
// connection state, catch up after a reconnect, reconnect after a clean close,
// send on Enter, keep what is typed while a send is on its way, and show times
// in the reader's own time zone. Reads the ids set in templates/chat/room.html.
(function () {
  "use strict";

  // The ws extension reconnects by itself after these codes; we handle the rest.
  var EXTENSION_RETRIES = [1006, 1011, 1012, 1013];
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
  var pendingSends = 0;

  // Full jitter, capped: a page never waits long after the server is back.
  function retryDelay(attempt) {
    return Math.random() * Math.min(MAX_RETRY_DELAY_MS, 1000 * Math.pow(2, attempt));
  }
  if (window.htmx) htmx.config.wsReconnectDelay = retryDelay;

  function messages() { return document.getElementById("messages"); }

  function composerBox() {
    return document.querySelector("#composer textarea[name=body]");
  }

  function lastMessageId() {
    var list = messages();
    var items = list ? list.querySelectorAll("article.message[id^='message-']") : [];
    var newest = 0;
    for (var i = 0; i < items.length; i++) {
      var id = parseInt(items[i].id.slice("message-".length), 10);
      if (id > newest) newest = id;
    }
    return newest;
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
    wasOpen = true;
    openedThisAttempt = true;
    retries = 0;
    failedHandshakes = 0;
    setBadge("live");
    // Whatever was said while this socket was down comes back in the answer.
    event.detail.socketWrapper.send(JSON.stringify({ type: "resume", after: lastMessageId() }));
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    if (!document.body.contains(event.target)) return;
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

  // The form's values are already taken when this fires: empty the box at once, so
  // what is typed next is not the sent text and survives the server's fresh composer.
  document.addEventListener("htmx:wsConfigSend", function (event) {
    var box = composerBox();
    if (box && event.target.contains(box)) {
      box.value = "";
      pendingSends += 1;
    }
  });

  document.addEventListener("htmx:wsAfterSend", function () {
    pinned = true;  // your own message should come into view
  });

  document.addEventListener("htmx:wsBeforeMessage", function () {
    pinned = atBottom();
    boxBefore = composerBox();
    composerFocused = boxBefore !== null && document.activeElement === boxBefore;
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var box = composerBox();
    if (box && boxBefore && box !== boxBefore && pendingSends > 0) {
      // The server answered a send with a new composer. An empty one must not wipe
      // what was typed meanwhile; one that carries text (an error, a rate limit)
      // shows the server's copy of what was sent.
      pendingSends -= 1;
      if (box.value === "") box.value = boxBefore.value;
    }
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
