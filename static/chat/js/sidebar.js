// The sidebar of a conversation page (chat/room.html#sidebar). Its list comes from a socket of
// its own (/ws/sidebar/, on #sidebar), which htmx's ws extension keeps open and swaps in
// by id; the modules that speak to the room's socket leave that one alone. This module:
//  - brings the current conversation into view within the sidebar, on load;
//  - closes the phone's drawer (the <details> the sidebar folds into) on Escape and on a
//    click outside it, as a menu would, giving the focus back to its toggle on Escape.
// Without JavaScript the drawer opens and closes by its toggle alone.

function drawer() { return document.querySelector(".sidebar-toggle"); }

function showCurrent() {
  const sidebar = document.getElementById("sidebar");
  const current = sidebar && sidebar.querySelector("[aria-current=page]");
  if (!current || sidebar.scrollHeight <= sidebar.clientHeight) return;
  const top = current.offsetTop - sidebar.offsetTop;
  if (top + current.offsetHeight > sidebar.scrollTop + sidebar.clientHeight) {
    sidebar.scrollTop = top - sidebar.clientHeight / 2;
  }
}

// A drawer is a drawer only while its toggle shows (a phone); on a wider screen it is open.
function isOpenDrawer(details) {
  const toggle = details && details.querySelector("summary");
  return Boolean(details && details.open && toggle && toggle.offsetParent !== null);
}

document.addEventListener("keydown", (event) => {
  const details = drawer();
  if (event.key !== "Escape" || !isOpenDrawer(details) || !details.contains(event.target)) return;
  details.open = false;
  details.querySelector("summary").focus();
});

document.addEventListener("click", (event) => {
  const details = drawer();
  if (isOpenDrawer(details) && !details.contains(event.target)) details.open = false;
});

showCurrent();  // module scripts run once the page is parsed
