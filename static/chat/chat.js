// What htmx cannot do for the chat. Reads the ids set in templates/chat/room.html.
//  - keep the newest message in view, and messages in order, each shown once;
//  - open at a message (a search result), leaving new ones out until "Load newer" ends;
//  - track the room revision the page is complete up to, and resume from it on every open;
//  - give every send its own id, and send again what the server had not answered
//    when a socket dropped (the server stores one message per id); show each send not
//    yet stored as a greyed "sending…" copy at the foot of the list;
//  - show the connection state; leave the page when the server says it may not stay
//    (to the login page saying why, after a password change elsewhere);
//  - send on Enter; say "typing" now and then; offer members after "@", by keyboard too;
//    in a message's edit box, Enter saves and Escape cancels;
//  - show times in the reader's own time zone; say when a request failed;
//  - while the tab is hidden: count what arrives in the title and the favicon, and show a
//    browser notification for what the server says concerns its person.
//  - send a file pasted into the composer or dropped on the conversation (one chosen with
//    the button waits for "Send file"), and show how far its upload is.
//  - count the characters as the limit nears; keep the composer's size and the focus
//    where they were when htmx swaps things in, the caret after a refused send's text;
//  - take a notice about a wait away when the wait is over.
(function () {
  "use strict";

  // The server closed on purpose because this page may no longer be here (signed out,
  // not or no longer allowed in the room): reload, to the login page or the 404.
  var GONE = [4401, 4403];
  // Signed out because the password was changed elsewhere: the login page says so.
  var PASSWORD_CHANGED = 4402;
  var MAX_RETRY_DELAY_MS = 10000;
  // The server shows someone typing for 5 s after the last word of it (chat/limits.py).
  var TYPING_EVERY_MS = 3000;
  // A gap in revisions still open after this long means a frame was lost, not merely
  // overtaken by one from another server process: ask for what is missing.
  var HEAL_AFTER_MS = 1000;

  var wasOpen = false;
  var pinned = true;
  var composerFocused = false;
  var cursor = 0;          // every room revision up to this one is on the page
  var aheadOfCursor = {};  // revisions seen beyond a gap
  var pending = [];        // sends not yet answered: {id, fields, sent}
  var storedAs = {};       // send id -> message id, for copies awaiting their article
  var liveSocket = null;
  var healing = null;
  var typingSaid = 0;      // when this page last said its person is typing
  var mentionQuery = null; // the "@..." being completed, or null

  // Full jitter, capped: a page never waits long after the server is back.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (attempt) {
      return Math.random() * Math.min(MAX_RETRY_DELAY_MS, 1000 * Math.pow(2, attempt));
    };
  }

  // crypto.randomUUID exists only on https and localhost; a server on plain http is possible.
  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
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

  // The cursor moves only over revisions seen: those beyond a gap wait in aheadOfCursor.
  function absorbAhead() {
    while (aheadOfCursor[cursor + 1]) {
      delete aheadOfCursor[cursor + 1];
      cursor += 1;
    }
  }

  function noteRevision(revision) {
    if (!(revision > cursor)) return;
    aheadOfCursor[revision] = true;
    absorbAhead();
  }

  // The server says the page is complete up to `revision` (the page as loaded, or a
  // resume's answer): the cursor becomes it, and takes on what was seen beyond it.
  function moveCursorTo(revision) {
    if (!(revision > cursor)) return;
    cursor = revision;
    Object.keys(aheadOfCursor).forEach(function (r) { if (+r <= cursor) delete aheadOfCursor[r]; });
    absorbAhead();
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

  // A send is answered by #ack (stored, naming its message) or by #composer (refused,
  // holding its text).
  function takeAnswers() {
    ["ack", "composer"].forEach(function (id) {
      var element = document.getElementById(id);
      var ack = element && element.dataset.ack;
      if (!ack) return;
      pending = pending.filter(function (send) { return send.id !== ack; });
      if (element.dataset.message) storedAs[ack] = element.dataset.message;
      delete element.dataset.ack;
      delete element.dataset.message;
    });
    showSending();
  }

  // The list's "sending…" copies follow `pending`: one per send not yet answered, at the
  // foot in the order sent; a stored one stays until its article is on the page (or will
  // not be: a page behind the newest), a refused one goes (its text is in the composer).
  function showPending() {
    var list = messages();
    if (!list) return;
    var wanted = {};
    Object.keys(storedAs).forEach(function (id) {
      if (document.getElementById("message-" + storedAs[id]) || list.dataset.latest === "false") {
        delete storedAs[id];
      } else {
        wanted[id] = true;
      }
    });
    pending.forEach(function (send) { wanted[send.id] = true; });
    list.querySelectorAll("article.pending").forEach(function (copy) {
      if (wanted[copy.dataset.pending]) list.appendChild(copy);
      else copy.remove();
    });
    pending.forEach(function (send) {
      if (!list.querySelector('article.pending[data-pending="' + send.id + '"]')) {
        list.appendChild(pendingCopy(send));
      }
    });
    var newer = document.getElementById("newer");  // "Load newer messages" stays last
    if (newer) list.appendChild(newer);
  }

  function pendingCopy(send) {
    var copy = document.createElement("article");
    copy.className = "pending";
    copy.dataset.pending = send.id;
    var body = document.createElement("p");
    body.className = "body";
    body.textContent = send.fields.body || "";
    var state = document.createElement("p");
    state.className = "state";
    state.textContent = "sending…";
    copy.append(body, state);
    return copy;
  }

  // #composer[data-sending] while a send awaits the server's answer (styled in chat.css).
  function showSending() {
    var composer = document.getElementById("composer");
    if (composer) composer.toggleAttribute("data-sending", pending.length > 0);
  }

  // Messages arriving twice (a resume overlapping live delivery, a resend) replace
  // the copy on the page; an edited message replaces itself in place; one older than
  // the page's oldest is left for "load older" to fetch.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    keepComposerSize(event);
    var list = messages();
    // A DocumentFragment is the whole list replaced (after a long absence): nothing to merge.
    var fragment = event.detail.fragment;
    if (event.target !== list || fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE) return;
    var shown = articles(list);
    // Only a list with older messages still to load leaves out what is older than its
    // first: one that starts at the beginning (an empty one too) takes every message.
    var oldest = shown.length && list.querySelector("a#older") ? idOf(shown[0]) : 0;
    // A page opened around an older message (?around=) does not reach the newest yet
    // (data-latest="false"): a new message would sit below a gap, so it is left for
    // "Load newer messages" to fetch, as an older one is for "load older".
    var behind = list.dataset.latest === "false";
    var newest = lastMessageId();
    articles(fragment).forEach(function (incoming) {
      noteRevision(parseInt(incoming.dataset.revision, 10));
      var existing = document.getElementById(incoming.id);
      // A request from inside this article (an edit, a reaction) brings the same article
      // back itself; replacing it now would leave that request nowhere to answer.
      if (existing && existing.querySelector(".htmx-request")) incoming.remove();
      else if (existing && keepOpenForm(existing, incoming)) incoming.remove();
      else if (existing) {
        var focused = focusedPart(existing, incoming);
        existing.replaceWith(incoming);
        htmx.process(incoming);  // moved here by hand, so htmx has not seen its links yet
        if (focused) focused.focus();
      } else if (idOf(incoming) < oldest) incoming.remove();
      else if (behind && idOf(incoming) > newest) incoming.remove();
      else if (document.hidden && incoming.dataset.author !== document.body.dataset.viewer) {
        unseen += 1;  // a new message by someone else, while nobody looks
      }
    });
  });

  // A composer sent back (a refused send) keeps the height its person dragged it to; set
  // through CSSOM, which the Content-Security-Policy allows (a style attribute it does not).
  function keepComposerSize(event) {
    var box = composerBox();
    var incoming = event.detail.fragment.querySelector && event.detail.fragment.querySelector("textarea[name=body]");
    if (event.target.id === "composer" && box && incoming && box.style.height) {
      incoming.style.height = box.style.height;
    }
  }

  // A message someone is editing (or reacting to) may change meanwhile (a reaction, an
  // edit in another tab): the article on the page stays, with its open form, what is typed
  // in it and the focus, and takes the new copy's other parts and attributes.
  function keepOpenForm(existing, incoming) {
    var open = existing.querySelector(".slot:not(:empty)");
    if (!open || !incoming.querySelector(".slot")) return false;  // none, or now deleted
    Array.prototype.slice.call(existing.attributes).forEach(function (a) { existing.removeAttribute(a.name); });
    Array.prototype.forEach.call(incoming.attributes, function (a) { existing.setAttribute(a.name, a.value); });
    Array.prototype.slice.call(existing.children).forEach(function (part) { if (part !== open) part.remove(); });
    Array.prototype.slice.call(incoming.children).forEach(function (part) {
      if (!part.matches(".slot")) existing.insertBefore(part, open);
    });
    htmx.process(existing);
    return true;
  }

  // A focused link of a message that is replaced (Edit, React, a reaction): the same link
  // in the new copy, to take the focus.
  function focusedPart(existing, incoming) {
    var active = document.activeElement;
    if (!existing.contains(active)) return null;
    if (active.matches(".action")) {
      return incoming.querySelector("." + Array.prototype.join.call(active.classList, "."));
    }
    if (active.matches(".reaction")) {
      return incoming.querySelector('.reaction[data-emoji="' + CSS.escape(active.dataset.emoji) + '"]');
    }
    return null;
  }

  function keepInOrder() {
    var list = messages();
    var items = Array.prototype.slice.call(articles(list));
    for (var i = 1; i < items.length; i++) {
      if (idOf(items[i - 1]) > idOf(items[i])) {
        items.sort(function (a, b) { return idOf(a) - idOf(b); });
        items.forEach(function (a) { list.appendChild(a); });
        var newer = document.getElementById("newer");  // "Load newer messages" stays last
        if (newer) list.appendChild(newer);
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
    // data-relative ("5 minutes ago", the lobby) is already as the server meant it.
    var times = (root || document).querySelectorAll("time[datetime]:not([data-local]):not([data-relative])");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (isNaN(when)) continue;
      times[i].title = times[i].textContent + " UTC";
      times[i].textContent = timeFormat.format(when);
      times[i].dataset.local = "1";
    }
  }

  function alertText(text) {
    var alerts = document.getElementById("alerts");
    if (alerts) alerts.textContent = text;
  }

  document.addEventListener("DOMContentLoaded", function () {
    readCursorElement();
    localiseTimes(document);
    // Opened at a message (a search result: ?around=<id>#message-<id>): show it, not the end.
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && messages() && messages().contains(target)) target.scrollIntoView({ block: "center" });
    else scrollToBottom();
    var box = composerBox();
    if (box && box.closest("#composer-form")) box.focus();  // a room page's, not a sample's
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    localiseTimes(event.detail.elt);
  });
  // A form loaded into a message (edit, delete, react) takes the focus once htmx has
  // settled it: before, its forms are not htmx's yet, and Enter would send them as plain
  // forms (leaving the page).
  document.addEventListener("htmx:afterSettle", function (event) {
    var field = event.detail.elt.matches(".slot") && event.detail.elt.querySelector("textarea, button");
    if (field && !field.contains(document.activeElement)) field.focus();
  });
  // 4xx answers are swapped into the page (base.html); these are the ones that are not.
  document.addEventListener("htmx:responseError", function () {
    alertText("Something went wrong on the server; nothing was changed. Try again in a moment.");
  });
  document.addEventListener("htmx:sendError", function () {
    alertText("The server could not be reached; nothing was changed. Try again in a moment.");
  });

  // The last "Load newer messages" page ends with #reached-latest: the list now reaches the
  // newest, so live messages go in again. Those left out while that page was on its way
  // are asked for by id (the cursor has moved past them), now or when the socket is back.
  var resumeById = false;
  document.addEventListener("htmx:afterSettle", function () {
    var marker = document.getElementById("reached-latest");
    var list = messages();
    if (!marker || !list) return;
    marker.remove();
    list.dataset.latest = "true";
    if (liveSocket) liveSocket.send(JSON.stringify({ type: "resume", after: lastMessageId() }));
    else resumeById = true;
  });

  document.addEventListener("htmx:wsConnecting", function () {
    setBadge(wasOpen ? "reconnecting" : "connecting");
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    var socket = event.detail.socketWrapper;
    wasOpen = true;
    setBadge("live");
    liveSocket = socket;
    // Whatever changed while this socket was down comes back in the answer...
    resume(socket);
    if (resumeById) socket.send(JSON.stringify({ type: "resume", after: lastMessageId() }));
    resumeById = false;
    // ...and sends the last socket took but never answered go again (stored once).
    pending.forEach(function (send) {
      if (send.sent) socket.send(JSON.stringify(send.fields));
    });
  });

  // Leaving the page (a link, logging out) closes its socket: that is no reason to reload.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    liveSocket = null;
    if (leaving || !document.body.contains(event.target)) return;
    if (code === PASSWORD_CHANGED && document.body.dataset.login) {
      var here = location.pathname + location.search;
      location.assign(document.body.dataset.login + "?why=password&next=" + encodeURIComponent(here));
    } else if (GONE.indexOf(code) >= 0) {
      location.reload();
    } else if (code >= 4000) {
      setBadge("offline");  // closed on purpose by the server: do not hammer it
    } else {
      setBadge(wasOpen ? "reconnecting" : "connecting");  // the ws extension retries
    }
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
    countCharacters();
    showSending();
    showPending();
    pinned = true;  // your own message should come into view
    scrollToBottom();
  });

  document.addEventListener("htmx:wsAfterSend", function (event) {
    pinned = true;  // your own message should come into view
    var id;
    try { id = JSON.parse(event.detail.message).client_id; } catch (e) { return; }
    pending.forEach(function (send) { if (send.id === id) send.sent = true; });
  });

  var boxBefore = null;    // the composer's box before a frame (a refusal replaces it)
  document.addEventListener("htmx:wsBeforeMessage", function () {
    pinned = atBottom();
    boxBefore = composerBox();
    composerFocused = document.activeElement === boxBefore;
  });

  // --- while the tab is hidden ------------------------------------------------------------
  var pageTitle = document.title;
  var unseen = 0;           // messages by others that arrived while the tab was hidden
  var notified = {};        // tags already shown, in this tab

  function showUnseen() {
    var titled = document.querySelector("[data-page-title]");  // the lobby's own total
    if (titled) pageTitle = titled.dataset.pageTitle;
    var count = unseen || (/^\((\d+)\)/.exec(pageTitle) || [])[1];
    document.title = unseen ? "(" + unseen + ") " + pageTitle : pageTitle;
    var icon = document.querySelector("link[rel=icon]");
    if (!icon.dataset.read) icon.dataset.read = icon.href;
    icon.href = count ? icon.dataset.unread : icon.dataset.read;
  }

  function notify() {
    var note = document.getElementById("notification");
    var tag = note && note.dataset.tag;
    if (!tag || notified[tag]) return;
    notified[tag] = true;  // each at most once, and only when it arrives
    if (!document.hidden || !window.Notification || Notification.permission !== "granted") return;
    var shown = new Notification(note.dataset.title, { body: note.dataset.body, tag: tag });
    var url = note.dataset.url;
    shown.onclick = function () { window.focus(); location.assign(url); };
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { unseen = 0; showUnseen(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("notifications-on");
    if (!button || !window.Notification || Notification.permission !== "default") return;
    button.hidden = false;
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () { button.hidden = true; });
    });
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    showUnseen();
    notify();
    takeAnswers();
    readCursorElement();
    healGapSoon();
    keepInOrder();
    showPending();
    if (pinned) scrollToBottom();
    var box = composerBox();
    // A refused send's text came back in a new box: what is typed next goes after it.
    if (box && box !== boxBefore) box.setSelectionRange(box.value.length, box.value.length);
    if (composerFocused && box && document.activeElement !== box) box.focus();
    localiseTimes(messages());
    countCharacters();
    clearNoticeLater();
  });

  // "Wait 4 s" is true for 4 s: then the notice goes (unless another replaced it).
  function clearNoticeLater() {
    var notice = document.getElementById("notice");
    var seconds = notice && parseFloat(notice.dataset.clearAfter);
    if (!seconds) return;
    delete notice.dataset.clearAfter;  // one timer per notice
    setTimeout(function () {
      if (document.body.contains(notice)) notice.textContent = "";
    }, seconds * 1000);
  }

  // From data-from characters on, "3,812 / 4,000" under the composer; past the limit it
  // turns to a warning. Nothing is cut: the server refuses a longer text, and keeps it.
  var numbers = new Intl.NumberFormat("en");
  function countCharacters() {
    var box = composerBox();
    var count = document.getElementById("composer-count");
    if (!box || !count) return;
    var length = Array.from(box.value).length;
    var max = parseInt(count.dataset.max, 10);
    count.hidden = length < parseInt(count.dataset.from, 10);
    count.textContent = numbers.format(length) + " / " + numbers.format(max);
    count.classList.toggle("over", length > max);
  }

  // Focus after htmx swaps: a message's form (edit, delete, react) that is done leaves
  // the focus on that message's own action link, and "Load older messages" on the new
  // link (or the oldest message now shown), not lost on the page.
  var refocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var article = elt.closest && elt.closest("article.message");
    if (elt.closest && elt.closest(".slot") && article) {
      var kind = elt.closest(".edit-form") ? "edit" : elt.closest(".delete-form") ? "delete" : "react";
      refocus = "#" + article.id + " .action." + kind;
    } else if (elt.id === "older" && document.activeElement === elt) {
      refocus = "#older, #messages article.message";
    }
  });
  // By the time a request is done its answer is swapped in (htmx swaps without delay).
  document.addEventListener("htmx:afterRequest", function () {
    var target = refocus && document.querySelector(refocus);
    var active = document.activeElement;
    var lost = !active || active === document.body || !document.body.contains(active);
    refocus = null;
    if (!lost || !target) return;
    if (!target.matches("a, button")) target.tabIndex = -1;
    target.focus();
  });

  // A message's edit box keys as the composer does: Enter saves (Shift+Enter is a new
  // line); Escape cancels, as its Cancel link does (the message back, the focus on Edit).
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(".edit-form textarea") || event.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      box.form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      var cancel = box.form.querySelector("a[hx-get]");
      if (cancel) cancel.click();
    }
  });

  function suggestions() {
    var list = document.getElementById("mention-suggestions");
    return list && !list.hidden && list.querySelector("[role=option]") ? list : null;
  }

  function closeSuggestions() {
    var list = document.getElementById("mention-suggestions");
    if (list) list.hidden = true;
    mentionQuery = null;
    var box = composerBox();
    if (box) box.removeAttribute("aria-activedescendant");
  }

  // "@al" just before the caret asks the server for the members whose name starts so.
  function offerMentions(box) {
    var match = /(?:^|\s)@([\w.@+-]*)$/.exec(box.value.slice(0, box.selectionStart));
    if (!match) return closeSuggestions();
    if (match[1] === mentionQuery) return;
    mentionQuery = match[1];
    var url = box.form.dataset.mentions + "?q=" + encodeURIComponent(mentionQuery);
    htmx.ajax("GET", url, { target: "#mention-suggestions", swap: "outerHTML" });
  }

  // An answer that comes back after the caret left its "@…" (or for an older "@…") must
  // not reopen the list: Enter would then take a name instead of sending.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "mention-suggestions") return;
    var path = event.detail.pathInfo.finalRequestPath || event.detail.pathInfo.requestPath;
    var asked = new URL(path, location.href).searchParams.get("q");
    if (asked !== mentionQuery) event.detail.shouldSwap = false;
  });

  function choose(option) {
    var box = composerBox();
    var before = box.value.slice(0, box.selectionStart).replace(/@[\w.@+-]*$/, "@" + option.dataset.username + " ");
    box.value = before + box.value.slice(box.selectionStart);
    box.setSelectionRange(before.length, before.length);
    closeSuggestions();
    box.focus();
  }

  function moveChoice(list, step) {
    var options = Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    var at = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = options[(at + step + options.length) % options.length];
    options.forEach(function (o) { o.setAttribute("aria-selected", o === next ? "true" : "false"); });
    composerBox().setAttribute("aria-activedescendant", next.id);
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box !== composerBox()) return;
    countCharacters();
    offerMentions(box);
    if (liveSocket && Date.now() - typingSaid > TYPING_EVERY_MS) {
      typingSaid = Date.now();
      liveSocket.send(JSON.stringify({ type: "typing" }));
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("#mention-suggestions [role=option]");
    if (option) { event.preventDefault(); choose(option); }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (box !== composerBox() || event.isComposing) return;
    var list = suggestions();
    if (list && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      moveChoice(list, event.key === "ArrowDown" ? 1 : -1);
    } else if (list && (event.key === "Enter" || event.key === "Tab")) {
      event.preventDefault();
      choose(list.querySelector("[aria-selected=true]") || list.querySelector("[role=option]"));
    } else if (list && event.key === "Escape") {
      closeSuggestions();
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      typingSaid = 0;  // the message ends the typing; the next word starts it again
      closeSuggestions();
      box.form.requestSubmit();
    }
  });

  // --- files: paste, drop; progress ------------------------------------------------------
  // The file button's form (#upload-form) works by itself, with or without htmx; these
  // only feed it. An image pasted into the composer, or a file dropped on the
  // conversation, goes into its file input and is sent at once. A file chosen with the
  // button waits in the form, for words to go with it, until "Send file".
  function uploadForm() { return document.getElementById("upload-form"); }

  function firstFile(transfer) {
    return transfer && transfer.files && transfer.files.length ? transfer.files[0] : null;
  }

  function sendFile(file) {
    var form = uploadForm();
    var input = form && form.querySelector("input[type=file]");
    if (!input) return false;
    // A FileList cannot be built by hand; a DataTransfer makes one.
    var holder = new DataTransfer();
    holder.items.add(file);
    input.files = holder.files;
    form.requestSubmit();
    return true;
  }

  document.addEventListener("paste", function (event) {
    var file = event.target === composerBox() && firstFile(event.clipboardData);
    if (file && sendFile(file)) event.preventDefault();  // the file, not its name as text
  });

  function dropZone(event) {
    var files = event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0;
    return files && uploadForm() && event.target.closest && event.target.closest(".conversation");
  }

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = dropZone(event);
      if (!zone) return;
      event.preventDefault();  // this is what lets the drop happen here
      zone.classList.add("dropping");
    });
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropZone(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dropping");
  });

  document.addEventListener("drop", function (event) {
    var zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();  // or the browser leaves the chat to show the file
    zone.classList.remove("dropping");
    var file = firstFile(event.dataTransfer);
    if (file) sendFile(file);
  });

  // htmx reports the upload's progress on the form that sent it.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = event.target.matches("#upload-form") && event.target.querySelector("progress");
    if (bar && event.detail.lengthComputable && event.detail.total > 0) {
      bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    }
  });
})();
