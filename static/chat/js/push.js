// "Also on this device when the chat is closed" (templates/chat/profile_edit.html#push-switch):
// subscribe this browser to Web Push with the chat's public key (data-key) and POST the
// subscription to data-url (chat/views/push.py); unticked, unsubscribe and DELETE it.
// The switch's data-state (off, on, blocked, unsupported) picks the sentence the template
// shows; it stays hidden where this cannot work (no service worker, no PushManager).

const box = document.getElementById("push-switch");

function csrfToken() {
  try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
  catch (error) { return ""; }
}

function keyBytes(base64url) {
  const base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function tell(method, subscription) {
  return fetch(box.dataset.url, {
    method: method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(subscription),
  }).then((answer) => { if (!answer.ok) throw new Error("refused: " + answer.status); });
}

function show(state) {
  box.dataset.state = state;
  const check = box.querySelector(".push-on");
  check.checked = state === "on";
  check.disabled = state === "blocked" || state === "unsupported";
}

async function turnOn(registration) {
  if ((await Notification.requestPermission()) !== "granted") { show("blocked"); return; }
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key),
  });
  await tell("POST", subscription.toJSON());
  show("on");
}

async function turnOff(registration) {
  const subscription = await registration.pushManager.getSubscription();
  if (subscription) {
    await tell("DELETE", subscription.toJSON()).catch(() => {});
    await subscription.unsubscribe();
  }
  show("off");
}

async function start() {
  box.hidden = false;
  const able = window.isSecureContext && "serviceWorker" in navigator;
  if (!able || !window.PushManager || !window.Notification) {
    show("unsupported");
    return;
  }
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  if (Notification.permission === "denied") show("blocked");
  else show(subscription ? "on" : "off");
  box.querySelector(".push-on").addEventListener("change", (event) => {
    const wanted = event.target.checked;
    (wanted ? turnOn(registration) : turnOff(registration)).catch(() => show(wanted ? "off" : "on"));
  });
}

if (box) start();
