// A message's "Copy link" (a.copy-link, a plain link to /m/<id>/, which opens the
// conversation at that message) copies the link's absolute URL instead of following it,
// and says so in #notice for a moment. A click with a modifier, or a browser without the
// clipboard, follows the link as without JavaScript.

const SAID_FOR_MS = 3000;

function tell(text) {
  const notice = document.getElementById("notice");
  if (!notice) return;
  notice.textContent = text;
  setTimeout(() => { if (notice.textContent === text) notice.textContent = ""; }, SAID_FOR_MS);
}

document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.copy-link");
  if (!link || !navigator.clipboard || event.button !== 0) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigator.clipboard.writeText(link.href).then(
    () => tell("Link copied"),
    () => tell("The link could not be copied: open it, or copy it from the browser's menu."),
  );
});
