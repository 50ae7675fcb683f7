// What htmx cannot do for the chat, one module per concern; each keeps its own state and
// listens for htmx's events and the named ones the others announce ("chat:send",
// "chat:answer", "chat:new-message", ...), never reaching into another's variables.
// Loaded by templates/base.html as <script type="module">, after htmx and its ws
// extension (deferred scripts and module scripts run in document order, once the page
// is parsed), under the Content-Security-Policy's script-src 'self': no build step.
// The pages' ids they read are in templates/chat/room.html.

import "./room-sync.js";      // the socket protocol: cursor, resume, sends held and sent again
import "./message-list.js";   // each message once, in order, in place
import "./seen.js";          // "Seen" under the message the other person read last
import "./pending.js";        // "sending…" copies of sends not stored yet
import "./days.js";          // day separators in the reader's own days (before scroll.js)
import "./scroll.js";         // the newest message in view
import "./new-since.js";      // "New since your last visit": in view on load, moved by "Mark unread"
import "./composer.js";       // Enter sends, typing, the character count
import "./mentions.js";       // "@" completion
import "./edit-box.js";       // a message's edit box: Enter saves, Escape cancels; ↑ edits
import "./replies.js";        // the composer's reply bar
import "./permalinks.js";     // "Copy link"
import "./uploads.js";        // the 📎 button, paste, drop: several files, each with its progress
import "./lightbox.js";       // images open over the page
import "./sounds.js";         // /play, for live arrivals
import "./focus.js";          // the focus kept by stable ids across swaps
import "./times.js";          // local times
import "./connection.js";     // the connection badge and the server's close codes
import "./notices.js";        // failed requests, waits that are over
import "./attention.js";      // title, favicon and notifications while the tab is hidden
import "./sidebar.js";        // the sidebar beside a conversation: its drawer on a phone
import "./switcher.js";       // Ctrl+K: jump to a room or a person
import "./install.js";        // the service worker: an installable app, Web Push
import "./visibility.js";     // tell the server whether this tab is shown (no push then)
import "./badge.js";          // the app's badge: the unread total
import "./push.js";           // "Also on this device when the chat is closed"
