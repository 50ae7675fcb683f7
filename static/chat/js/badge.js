// The app's badge (an installed chat's icon): the reader's unread total, as the lobby's
// title counts it (#lobby-mine's data-page-title, "(3) Chat"; see attention.js). The
// service worker sets it too, on each push while the chat is closed.

function showBadge() {
  const titled = document.getElementById("lobby-mine");  // only the lobby knows the total
  if (!titled || !navigator.setAppBadge) return;
  const count = parseInt((/^\((\d+)\)/.exec(titled.dataset.pageTitle) || [])[1] || "0", 10);
  const done = count ? navigator.setAppBadge(count) : navigator.clearAppBadge();
  done.catch(() => {});
}

document.addEventListener("htmx:wsAfterMessage", showBadge);
showBadge();
