// /play sounds: a message "/play tada" arrives with data-sound="tada" on its article
// (chat/messages/sounds.py), and is played here when it arrives live: in a frame marked
// data-live (a message said just now), not on page load, an older page or a catch-up after
// a reconnect. Browsers play nothing on a page the person has not touched yet; such a
// refusal is quiet. #sounds-toggle (shown only while the server plays sounds, CHAT_SOUNDS)
// mutes them on this browser: the choice is kept in localStorage, nowhere else.

import { isMuted, messages } from "./page.js";

const MUTED = "chat:sounds-muted";

function toggle() { return document.getElementById("sounds-toggle"); }

function muted() {
  try { return localStorage.getItem(MUTED) === "1"; } catch (e) { return false; }
}

function showToggle() {
  const button = toggle();
  if (!button) return;
  button.hidden = false;
  button.setAttribute("aria-pressed", muted() ? "false" : "true");
}

function urls() {
  try { return JSON.parse(toggle().dataset.sounds || "{}"); } catch (e) { return {}; }
}

function play(name) {
  const url = urls()[name];
  if (!url) return;
  const sound = new Audio(url);
  const playing = sound.play();
  if (playing && playing.catch) playing.catch(() => {});  // not touched yet: nothing plays
}

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("#sounds-toggle");
  if (!button) return;
  try { localStorage.setItem(MUTED, muted() ? "0" : "1"); } catch (e) { /* private mode */ }
  showToggle();
});

// After js/message-list.js (imported first) took out what the page has or leaves out.
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const fragment = event.detail.fragment;
  if (event.target !== messages() || fragment.nodeType !== Node.ELEMENT_NODE) return;
  if (!fragment.hasAttribute("data-live") || !toggle() || muted()) return;
  fragment.querySelectorAll("article.message[data-sound]").forEach((article) => {
    // Not one already on the page, nor by someone the reader muted.
    if (document.getElementById(article.id) || isMuted(article.dataset.author)) return;
    play(article.dataset.sound);
  });
});

showToggle();
