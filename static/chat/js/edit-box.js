// A message's edit box keys as the composer does: Enter saves (Shift+Enter is a new
// line); Escape cancels, as its Cancel link does (the message back, the focus on Edit).

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches(".edit-form textarea") || event.isComposing) return;
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    box.form.requestSubmit();
  } else if (event.key === "Escape") {
    event.preventDefault();
    const cancel = box.form.querySelector("a[hx-get]");
    if (cancel) cancel.click();
  }
});
