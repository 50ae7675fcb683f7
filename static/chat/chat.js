// What htmx cannot do for the chat: keep the newest message in view, show the
// connection state, catch up after a reconnect, reconnect after a clean close,
// and send on Enter. Reads the ids set in templates/chat/room.html.
(function () {
  "use strict";

  // The ws extension reconnects by itself after these codes; we handle the rest.
  var EXTENSION_RETRIES = [1006, 1011, 1012, 1013];
  var wasOpen = false;
  var retries = 0;
  var pinned = true;
  var composerFocused = false;

  function messages() { return document.getElementById("messages"); }

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

  function composerBox() {
    return document.querySelector("#composer textarea[name=body]");
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollToBottom();
    var box = composerBox();
    if (box) box.focus();
  });

  document.addEventListener("htmx:wsConnecting", function () {
    setBadge(wasOpen ? "reconnecting" : "connecting");
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    wasOpen = true;
    retries = 0;
    setBadge("live");
    // Whatever was said while this socket was down comes back in the answer.
    event.detail.socketWrapper.send(JSON.stringify({ type: "resume", after: lastMessageId() }));
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    var socketElt = event.target;
    if (!document.body.contains(socketElt)) return;
    if (code >= 4000) {
      setBadge("offline");  // closed on purpose by the server: do not hammer it
      return;
    }
    setBadge("reconnecting");
    if (EXTENSION_RETRIES.indexOf(code) >= 0) return;
    // A clean close (daphne's idle timeout sends 1000) would otherwise leave the page dead.
    var delay = Math.random() * 1000 * Math.pow(2, Math.min(retries, 5));
    retries += 1;
    setTimeout(function () { event.detail.socketWrapper.reconnect(); }, delay);
  });

  document.addEventListener("htmx:wsBeforeMessage", function () {
    pinned = atBottom();
    composerFocused = document.activeElement === composerBox();
  });

  document.addEventListener("htmx:wsAfterSend", function () {
    pinned = true;  // your own message should come into view
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    if (pinned) scrollToBottom();
    var box = composerBox();
    if (composerFocused && box && document.activeElement !== box) box.focus();
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!box.matches || !box.matches("#composer textarea[name=body]")) return;
    event.preventDefault();
    box.form.requestSubmit();
  });
})();
