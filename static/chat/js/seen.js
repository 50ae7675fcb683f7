// A conversation of two's "Seen" (#seen, templates/chat/room.html#seen): one element, the
// same bytes for both people, that a frame replaces in place as the other person reads.
// This puts it right under the message it names (data-upto), or hides it while that
// message is not on the page (older than what is loaded). Whether it shows at all is the
// page's style block (only under my own message, never about my own reading).

function place() {
  const seen = document.getElementById("seen");
  if (!seen || !seen.dataset.upto) return;
  const target = document.getElementById(`message-${seen.dataset.upto}`);
  seen.hidden = !target;
  if (target && target.nextElementSibling !== seen) target.after(seen);
}

document.addEventListener("DOMContentLoaded", place);
document.addEventListener("htmx:wsAfterMessage", place);   // a receipt, or messages reordered
document.addEventListener("htmx:afterSettle", place);      // older messages loaded
