// The socket's state in the room's header (#connection: connecting, live, reconnecting,
// offline), and what a close by the server means (its socket consumer's codes):
//  - 4401 (signed out) and 4403 (not, or no longer, allowed in the room): this page may
//    no longer be here; reload, to the login page or the 404;
//  - 4402, signed out because the password was changed elsewhere: to the login page,
//    saying why (?why=password);
//  - any other 4xxx (4409: too many sockets; 4429: too many refused frames) is on
//    purpose: offline, without hammering the server. Other closes are retried by the ws
//    extension, after a delay with full jitter, capped: a page never waits long after
//    the server is back.
// Leaving the page (a link, logging out) closes its socket: that is no reason to reload.

const GONE = [4401, 4403];
const PASSWORD_CHANGED = 4402;
const MAX_RETRY_DELAY_MS = 10000;

let wasOpen = false;
let leaving = false;

htmx.config.wsReconnectDelay = (attempt) =>
  Math.random() * Math.min(MAX_RETRY_DELAY_MS, 1000 * Math.pow(2, attempt));

// The badge is the state of the socket whose element holds it (the room's), not of
// another socket on the page (the sidebar's).
function setBadge(event, state) {
  const badge = document.getElementById("connection");
  if (!badge || !event.target.contains(badge)) return;
  badge.dataset.state = state;
  badge.textContent = state;
}

window.addEventListener("beforeunload", () => { leaving = true; });

document.addEventListener("htmx:wsConnecting", (event) => {
  setBadge(event, wasOpen ? "reconnecting" : "connecting");
});

document.addEventListener("htmx:wsOpen", (event) => {
  const badge = document.getElementById("connection");
  if (badge && event.target.contains(badge)) wasOpen = true;
  setBadge(event, "live");
});

document.addEventListener("htmx:wsClose", (event) => {
  const code = event.detail.event.code;
  if (leaving || !document.body.contains(event.target)) return;
  if (code === PASSWORD_CHANGED && document.body.dataset.login) {
    const here = location.pathname + location.search;
    location.assign(document.body.dataset.login + "?why=password&next=" + encodeURIComponent(here));
  } else if (GONE.includes(code)) {
    location.reload();
  } else if (code >= 4000) {
    setBadge(event, "offline");
  } else {
    setBadge(event, wasOpen ? "reconnecting" : "connecting");  // the ws extension retries
  }
});
