// What the page says about requests and waits:
//  - 4xx answers are swapped into the page (templates/base.html); a 5xx or a network
//    failure is not, so #alerts says that nothing was changed;
//  - a notice about a wait ("Wait 4 s", #notice[data-clear-after] in seconds) is true for
//    that long: then its words go (unless another notice replaced it meanwhile).

function alertText(text) {
  const alerts = document.getElementById("alerts");
  if (alerts) alerts.textContent = text;
}

document.addEventListener("htmx:responseError", () => {
  alertText("Something went wrong on the server; nothing was changed. Try again in a moment.");
});

document.addEventListener("htmx:sendError", () => {
  alertText("The server could not be reached; nothing was changed. Try again in a moment.");
});

function clearNoticeLater(notice) {
  const seconds = parseFloat(notice.dataset.clearAfter);
  if (!seconds) return;
  delete notice.dataset.clearAfter;  // one timer per notice
  setTimeout(() => {
    if (document.body.contains(notice)) notice.textContent = "";
  }, seconds * 1000);
}

htmx.onLoad((element) => {
  const notice = element.id === "notice" ? element : element.querySelector("#notice");
  if (notice) clearNoticeLater(notice);
});
