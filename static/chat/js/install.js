// The installable app: register the service worker (/sw.js, scope "/", served by
// chat/views/push.py), which shows Web Push while the chat is closed. Browsers without
// service workers (or on plain http other than localhost) simply go without.

if ("serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
