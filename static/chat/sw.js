// The chat's service worker, served at /sw.js (chat/views/push.py) with the whole site as
// its scope. It makes the chat installable and shows Web Push: each push is JSON from
// chat/people/push_delivery.py ({title, body, url, tag, badge, icon}); one notification per
// message (its tag), the app's badge set to the unread total, and a click opens the
// message (/m/<id>/) in a window of the chat, reusing one if open. It caches nothing: the
// chat is live or it is nothing.

self.addEventListener("install", () => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

function setBadge(count) {
  if (!self.navigator.setAppBadge) return Promise.resolve();
  const done = count > 0 ? self.navigator.setAppBadge(count) : self.navigator.clearAppBadge();
  return done.catch(() => {});
}

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  const title = data.title || "New message";
  const shown = self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag,
    icon: data.icon,
    data: { url: data.url || "/" },
  });
  event.waitUntil(Promise.all([shown, setBadge(data.badge || 0)]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url.startsWith(self.location.origin));
      if (open) return open.navigate(url).then((client) => (client || open).focus());
      return self.clients.openWindow(url);
    }),
  );
});
