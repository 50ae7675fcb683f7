"""The styleguide's states of a message (``chat/room.html#message`` and the forms that
load into it): the first section of the table (``chat.styleguide.states``)."""

from __future__ import annotations

from chat.limits import MESSAGE_MAX_CHARS, REACTION_PALETTE
from chat.messages.forms import MessageForm, ReactionForm
from chat.styleguide import samples as made
from chat.styleguide.rows import ATTACHMENT, PREVIEW, Section, State
from chat.styleguide.samples import bound, file, formatted, image, link_preview

# fmt: off
MESSAGES = Section("messages", "Messages", (
    State("message-mine", "Mine", "A message I wrote: my background, my Edit and Delete.",
          "chat/room.html#message",
          lambda s: {"message": s.message(s.me, "I will bring the bread.")}, wrap="messages"),
    State("message-other", "Someone else's", "A message by another member.",
          "chat/room.html#message",
          lambda s: {"message": s.message(s.bob, "Lunch at noon, the usual place?")},
          wrap="messages"),
    State("message-edited", "Edited", "Its author changed it: “(edited)” with the time.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, "Lunch at half past twelve, the usual place?", edited=True)}, wrap="messages"),
    State("message-deleted", "Deleted",
          "Its author or the room's creator deleted it; only a tombstone is left.",
          "chat/room.html#message", lambda s: {"message": s.message(s.bob, "", deleted=True)},
          wrap="messages"),
    State("message-reactions", "With reactions", "People reacted; mine is highlighted.",
          "chat/room.html#message", lambda s: {"message": s.message(s.bob, "Cake on Friday!",
              reactions=(("🎉", (s.me, s.carol)), ("👍", (s.carol,))))}, wrap="messages"),
    State("message-mention", "Mentioning me", "Someone wrote @ and my name: marked for me.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.carol, f"@{s.me.username} can you book a table?", mentions=(s.me,))},
          wrap="messages"),
    State("message-formatted", "Formatted",
          "Markdown: bold, italic, strike, code, a highlighted code block (scrolls sideways, "
          "takes the focus), a quote, lists, a link and a mention.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, formatted(s.carol.username), mentions=(s.carol,))},
          wrap="messages"),
    State("message-emoji-only", "Emoji only", "A few emoji and nothing else: shown large.",
          "chat/room.html#message", lambda s: {"message": s.message(s.carol, "🎉 :bread: 👍🏽")},
          wrap="messages"),
    State("message-image", "With an image", "An image was sent: its thumbnail, which opens it.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.carol, "The view from the terrace", attachment=image())},
          wrap="messages", within=ATTACHMENT),
    State("message-file", "With a file", "A file was sent: a link that downloads it.",
          "chat/room.html#message", lambda s: {"message": s.message(s.me, "", attachment=file())},
          wrap="messages", within=ATTACHMENT),
    State("message-preview", "With a link preview",
          "Its first link's page, fetched later: site, title (a link), description and a "
          "picture served by us. Mine: “Remove preview”.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.me, "Lunch here? https://harbour.example/menu", preview=link_preview())},
          wrap="messages", within=PREVIEW),
    State("message-preview-plain", "With a link preview, no picture",
          "The page named no picture we could use (or it was SVG, too large, not an image).",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, "https://harbour.example/menu", preview=link_preview(picture=False))},
          wrap="messages", within=PREVIEW),
    State("message-video", "With a video", "A video was sent: it plays in place; its name "
          "downloads it.", "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, "The boats coming in", attachment=made.video())},
          wrap="messages", within=ATTACHMENT),
    State("message-audio", "With a sound", "A sound was sent: it plays in place.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.carol, "", attachment=made.audio())}, wrap="messages", within=ATTACHMENT),
    State("message-group", "A group", "The same author within five minutes: one byline for "
          "the run (the name is still read out); each time shows on hover and focus.",
          "chat/room.html#message", lambda s: [{"message": m} for m in s.group],
          wrap="messages"),
    State("message-sound", "A sound played", "“/play tada”: it says what played; pages that "
          "have it open play it as it arrives.", "chat/room.html#message",
          lambda s: {"message": s.message(s.me, "/play tada")}, wrap="messages"),
    State("message-long", "Very long", "A long message keeps its line breaks and wraps.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, "\n\n".join(["Here is the plan for the whole day. " * 8] * 3))},
          wrap="messages"),
    State("message-long-word", "A long unbroken word",
          "A URL or word wider than the screen breaks instead of widening the page.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.carol, "https://example.org/" + "a-very-long-path" * 16)}, wrap="messages"),
    State("message-html", "Containing HTML", "Raw HTML is shown as typed, escaped.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, "<script>alert('hi')</script> & <b>bold</b>?")}, wrap="messages"),
    State("message-bot", "A bot's message",
          "A bot posted through its token: a badge beside its name.", "chat/room.html#message",
          lambda s: {"message": s.message(s.bot, "Sunny, 24 °C at noon.")}, wrap="messages"),
    State("message-reply", "A reply to me", "Someone answered my message: the quote links it "
          "(/m/<id>/), and a reply to me is marked for me, as a mention is.",
          "chat/room.html#message", lambda s: {"message": s.message(
              s.bob, "Yes, and I will bring the cheese.", reply_to=s.draft)}, wrap="messages"),
    State("message-reply-other", "A reply to someone else",
          "The quote of another person's message, cut short; the link leads to it.",
          "chat/room.html#message", lambda s: {"message": s.message(s.me, "Count me in.",
              reply_to=s.message(s.carol, "Who is coming on Friday? " * 12))},
          wrap="messages"),
    State("message-reply-deleted", "A reply to a deleted message",
          "The message it answered was deleted since: the quote says so.",
          "chat/room.html#message", lambda s: {"message": s.message(s.carol, "Why not?",
              reply_to=s.message(s.bob, "", deleted=True))}, wrap="messages"),
    State("message-reply-form", "Replying, without JavaScript",
          "After Reply, without JavaScript: a composer of its own, sent to the conversation.",
          "chat/message.html#reply-form", lambda s: {"message": s.draft, "back": "#",
              "post_url": s.links.page, "form": s.composer}, wrap="messages"),
    State("message-edit-form", "Editing", "After Edit: the form in the message "
          "(chat/message.html; without JavaScript, a page of its own).",
          "chat/message.html#edit-form", lambda s: {"message": s.draft, "back": "#",
              "form": MessageForm(initial={"body": s.draft.body})}, wrap="messages"),
    State("message-edit-error", "Editing, refused",
          "A change the server refused, with its reason; the text is kept.",
          "chat/message.html#edit-form", lambda s: {"message": s.draft, "back": "#",
              "form": bound(MessageForm, {"body": "x" * (MESSAGE_MAX_CHARS + 12)})},
          wrap="messages"),
    State("message-delete-form", "Deleting", "After Delete: are you sure?",
          "chat/message.html#delete-form", lambda s: {"message": s.draft, "back": "#"},
          wrap="messages"),
    State("message-remove-preview-form", "Removing a link preview",
          "After Remove preview: are you sure? It stays off, edits included.",
          "chat/message.html#remove-preview-form", lambda s: {"message": s.draft, "back": "#"},
          wrap="messages"),
    State("message-react-form", "Reacting", "After React: the palette, or any emoji.",
          "chat/message.html#react-form", lambda s: {"message": s.draft, "back": "#",
              "palette": REACTION_PALETTE, "form": ReactionForm()}, wrap="messages"),
))
# fmt: on
