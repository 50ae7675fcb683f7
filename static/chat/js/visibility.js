// Whether this tab is shown, told to the server on the page's own socket (a conversation's,
// or the lobby's; the sidebar's beside a conversation is left out: one is enough) on each
// open and whenever the tab is shown or hidden. A person with a shown tab gets no Web Push,
// the page tells them itself (chat/broadcast/visibility.py), and a conversation's page reads
// nothing while hidden (chat/sockets/consumers.py).

const sockets = new Set();

function tell(socket) {
  socket.send(JSON.stringify({ type: "visibility", visible: !document.hidden }));
}

document.addEventListener("htmx:wsOpen", (event) => {
  const socket = event.detail.socketWrapper;
  const url = event.detail.elt.getAttribute("ws-connect") || "";
  if (url.startsWith("/ws/sidebar/")) return;
  sockets.add(socket);
  tell(socket);
});

document.addEventListener("htmx:wsClose", (event) => {
  sockets.delete(event.detail.socketWrapper);
});

document.addEventListener("visibilitychange", () => { sockets.forEach(tell); });
