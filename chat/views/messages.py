"""A message's own pages: edit, delete, react, reply and remove its link preview, its link,
and the article alone.

An article is rendered once for everyone, so it cannot hold a reader's CSRF token: its
actions are links to these small GET pages, which hold the form (htmx loads them inline
into the article's slot, and its requests carry the token in the header set once on the
page). A GET only shows; the POST changes (``chat.messages.edits``) and answers, to htmx, the
changed article, swapped in by id; without JavaScript, a redirect back to the message.

Staff reach any message's delete form by its id (``edits.deletable_message``), even in a
conversation they are not in, to act on a report; there the page shows who wrote it and
when, never its words, and leads back to the audit log instead of the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial, wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import reswap, retarget

from chat.broadcast import frames as rendering
from chat.errors import Invalid
from chat.limits import REACTION_PALETTE
from chat.messages import edits as changes
from chat.messages import previews, replies
from chat.messages.forms import MessageForm, ReactionForm
from chat.models import Message
from chat.rooms import conversations
from chat.views.refusals import form_holding


@dataclass(frozen=True)
class Action:
    """One of a message's forms (``/m/<id>/<action>``): the partial holding it, who may ask
    for it, the change its POST makes, and its form with its first values."""

    partial: str
    #: Raises ``Forbidden``, saying why, unless ``(user, message)`` may.
    check: Callable[[AbstractBaseUser, Message], None]
    #: ``(user, message id, what was sent)``: the change, or a refusal.
    change: Callable[[AbstractBaseUser, int, Mapping], changes.Changed]
    form_class: type[forms.Form] | None = None
    initial: Callable[[HttpRequest, Message], dict] = lambda request, message: {}
    context: Mapping[str, object] = field(default_factory=dict)
    #: ``(user, message id)``: the message, or ``NotFound``.
    find: Callable[[AbstractBaseUser, int], Message] = changes.readable_message

    def fresh_form(self, request: HttpRequest, message: Message) -> forms.Form | None:
        """The form as its GET shows it (None for a form of one button)."""
        if self.form_class is None:
            return None
        return self.form_class(initial=self.initial(request, message))


ACTIONS = {
    "edit": Action(
        "edit-form", changes.check_edit, changes.edit_message, MessageForm,
        initial=lambda request, message: {"body": message.body},
    ),
    "delete": Action(
        "delete-form", changes.check_delete,
        lambda user, message_id, _sent: changes.delete_message(user, message_id),
        find=changes.deletable_message,  # staff: wherever it is
    ),
    "preview/remove": Action(
        "remove-preview-form", previews.check_remove,
        lambda user, message_id, _sent: previews.remove_preview(user, message_id),
    ),
    "react": Action(
        "react-form", lambda _user, message: changes.check_reaction(message),
        changes.toggle_reaction, ReactionForm,
        # ``?emoji=`` picks one for the form.
        initial=lambda request, message: {"emoji": request.GET.get("emoji", "")[:32]},
        context={"palette": REACTION_PALETTE},
    ),
}  # fmt: skip


#: The verbs a message's pages answer (the view may refuse POST itself).
VERBS = ("GET", "POST")


def message_view(view: Callable) -> Callable:
    """Make ``view(request, message, **rest)`` the view of ``/m/<message_id>/…``, GET and
    POST, for signed-in people. The message is looked for first, as its action finds it:
    one the reader may not read is 404 to every verb (any other verb is 405 for one they
    may), but for staff deleting it. A refusal about it leads back to it."""

    @login_required
    @wraps(view)
    def found(request: HttpRequest, message_id: int, **rest: object) -> HttpResponse:
        chosen = ACTIONS.get(str(rest.get("action", "")))
        find = chosen.find if chosen is not None else changes.readable_message
        message = find(request.user, message_id)
        if request.method not in VERBS:
            return HttpResponseNotAllowed(VERBS)
        request.back = lambda: _back(request, message)
        return view(request, message, **rest)

    return found


def _page(request: HttpRequest, message: Message) -> str:
    return conversations.conversation_of(message.room, request.user).links.page


def _back(request: HttpRequest, message: Message) -> str:
    if not changes.readable_by(request.user, message):
        return reverse("staff-audit")  # staff, at a message of a conversation they are not in
    return f"{_page(request, message)}#message-{message.id}"


def _around(request: HttpRequest, message: Message) -> str:
    """The message's conversation opened around it, however old (``chat.views.room``)."""
    return f"{_page(request, message)}?around={message.id}#message-{message.id}"


def _form_page(
    request: HttpRequest, message: Message, partial: str, *, status: int = 200, **context
) -> HttpResponse:
    """A message's form: inline for htmx (the partial), else a page of its own."""
    context = {
        "message": message,
        "back": _back(request, message),
        # Staff deleting in a conversation they are not in do not read its words here.
        "readable": changes.readable_by(request.user, message),
        **context,
    }
    template = f"chat/message.html#{partial}" if request.htmx else "chat/message.html"
    response = render(request, template, {"partial": partial, **context}, status=status)
    if request.htmx and status >= 400:
        # The form comes back with its error, into the article it was sent from.
        response = reswap(retarget(response, f"#message-{message.id} .slot"), "innerHTML")
    return response


@message_view
def message_detail(request: HttpRequest, message: Message) -> HttpResponse:
    """``/m/<id>/``, a message's link: the article (htmx: put back in place, e.g. to cancel
    an edit), or a redirect to its conversation opened around it, however many pages back
    (a deleted one too: its tombstone keeps its place). Only GET (a message the person may
    not read is 404 first)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if request.htmx:
        message = Message.objects.for_room(message.room).get(pk=message.pk)
        return HttpResponse(rendering.message_article(message, change=True))
    return redirect(_around(request, message))


@message_view
def message_reply(request: HttpRequest, message: Message) -> HttpResponse:
    """``/m/<id>/reply`` (GET only): what "Reply" loads. For htmx, the composer's reply bar
    quoting the message (``chat/room.html#reply-bar``: the composer's hidden ``reply_to``);
    without JavaScript, a page with a composer of its own posting to the conversation, as
    its composer does. The send itself is checked by ``chat.messages.replies``."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    replies.check_reply(message)
    post_url = _page(request, message)
    context = {"replying_to": message, "post_url": post_url}
    if request.htmx:
        return render(request, "chat/room.html#reply-bar", context)
    return _form_page(request, message, "reply-form", form=MessageForm(), **context)


@message_view
def message_form(request: HttpRequest, message: Message, action: str) -> HttpResponse:
    """``/m/<id>/edit``, ``/delete``, ``/react``, ``/preview/remove`` (``ACTIONS``): the
    form, to whoever may ask for it (GET); the change (POST), answered to htmx by the
    changed article, swapped in by id, else by a redirect back to the message. A form that
    does not pass comes back holding what was sent."""
    chosen = ACTIONS[action]
    form_page = partial(_form_page, request, message, chosen.partial, **chosen.context)
    if request.method == "GET":
        chosen.check(request.user, message)
        return form_page(form=chosen.fresh_form(request, message))
    try:
        changed = chosen.change(request.user, message.id, request.POST)
    except Invalid as refusal:
        form = form_holding(chosen.form_class, request, refusal)
        return form_page(status=refusal.status, form=form)
    if request.htmx:
        return HttpResponse(changed.article)
    return redirect(_back(request, changed.message))
