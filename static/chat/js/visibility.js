// Whether this tab is shown, told to the server on every socket of the page (on each open,
// and whenever the tab is shown or hidden): a person with a shown tab gets no Web Push, the
// page tells them itself (chat/broadcast/visibility.py).

const sockets = new Set();

function tell(socket) {
  socket.send(JSON.stringify({ type: "visibility", visible: !document.hidden }));
}

document.addEventListener("htmx:wsOpen", (event) => {
  const socket = event.detail.socketWrapper;
  sockets.add(socket);
  tell(socket);
});

document.addEventListener("htmx:wsClose", (event) => {
  sockets.delete(event.detail.socketWrapper);
});

document.addEventListener("visibilitychange", () => { sockets.forEach(tell); });
