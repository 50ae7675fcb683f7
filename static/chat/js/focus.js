// The focus when htmx swaps things in, given back by stable ids: the composer's box
// (id_body), a message's actions (message-<id>-edit, -delete, -react, and its reactions),
// "Load older messages" (#older).
//  - A frame that replaces the focused element (a refused send's composer) gives the
//    focus to the new element of the same id. (An HTTP answer's swap does so by itself.)
//  - A form loaded into a message (edit, delete, react) takes the focus once htmx has
//    settled it: before, its forms are not htmx's yet, and Enter would send them as plain
//    forms (leaving the page).
//  - A message's form that is done leaves the focus on the action that opened it, and
//    "Load older messages" on what replaced it, not lost on the page.

let focusedId = null;  // the focused element's id before a frame
let refocus = null;    // the id that takes the focus once the request under way is done

function lost() {
  const active = document.activeElement;
  return !active || active === document.body || !document.body.contains(active);
}

document.addEventListener("htmx:wsBeforeMessage", () => {
  focusedId = document.activeElement ? document.activeElement.id : null;
});

document.addEventListener("htmx:wsAfterMessage", () => {
  const again = focusedId && document.getElementById(focusedId);
  focusedId = null;
  if (again && lost()) again.focus();
});

document.addEventListener("htmx:afterSettle", (event) => {
  const field = event.detail.elt.matches(".slot") && event.detail.elt.querySelector("textarea, button");
  if (field && !field.contains(document.activeElement)) field.focus();
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const article = elt.closest && elt.closest("article.message");
  if (article && elt.closest(".slot")) {
    const kind = elt.closest(".edit-form") ? "edit" : elt.closest(".delete-form") ? "delete" : "react";
    refocus = article.id + "-" + kind;
  } else if (elt.id === "older" && document.activeElement === elt) {
    refocus = "older";
  }
});

// By the time a request is done its answer is swapped in (htmx swaps without delay).
document.addEventListener("htmx:afterRequest", () => {
  const target = refocus && document.getElementById(refocus);
  refocus = null;
  if (!lost() || !target) return;
  if (!target.matches("a, button")) target.tabIndex = -1;  // "This is the beginning…"
  target.focus();
});
