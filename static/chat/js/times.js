// Times in the reader's own time zone: the server writes UTC (<time datetime>), which
// moves to the title; the text becomes the local "Jan 5, 14:03". Times marked
// data-relative ("5 minutes ago", the lobby) are already as the server meant them.

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
});

function localiseTimes(root) {
  const times = root.querySelectorAll("time[datetime]:not([data-local]):not([data-relative])");
  times.forEach((time) => {
    const when = new Date(time.getAttribute("datetime"));
    if (isNaN(when)) return;
    time.title = time.textContent + " UTC";
    time.textContent = timeFormat.format(when);
    time.dataset.local = "1";
  });
}

localiseTimes(document);      // the page as loaded: module scripts run once it is parsed
htmx.onLoad(localiseTimes);   // and whatever htmx puts in it
