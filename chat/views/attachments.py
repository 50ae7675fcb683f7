"""Sending a file (``…/attachments``): the file button's form, with or without htmx.

``chat.messages.attachments`` decides everything; the message reaches every socket of the
room like any other. htmx gets the file button's form back, fresh (or holding the refusal,
with its 4xx status: base.html's htmx config swaps those); a plain form gets a redirect to
the message, or the room page with the error. Serving files is ``chat.views.files``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from chat.conversations import Conversation
from chat.messages import attachments
from chat.messages.forms import AttachmentForm
from chat.views import room
from chat.views.refusals import KEPT_IN_FORM, form_holding
from chat.views.scope import conversation_view

#: Notice to the sender when the file is stored but the room's sockets could not be told
#: (the words the socket uses for a message, ``chat.sockets.consumers.NOTICE_NOT_LIVE``).
NOT_LIVE = "Saved. Live delivery is interrupted; others will see it once it is back."


def _form_again(
    request: HttpRequest,
    conversation: Conversation,
    form: AttachmentForm,
    *,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    """The file button's form, for htmx, with a ``notice`` above it if any."""
    context = {"links": conversation.links, "upload_form": form, "notice": notice}
    return render(request, "chat/room.html#upload-answer", context, status=status)


@conversation_view(["POST"], begun=False)
def send_file(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """Files (``file``, up to ``FILES_PER_SEND`` of them, each its own message, in order)
    and optional words (``body``, with the first), sent as a message would be; a
    conversation nobody has written in is opened by them."""
    try:
        sent = attachments.attach_many(conversation, request.FILES.getlist("file"), request.POST)
    except KEPT_IN_FORM as refusal:
        form = form_holding(AttachmentForm, request, refusal)
        if request.htmx:
            return _form_again(request, conversation, form, status=refusal.status)
        return room.page(request, conversation, upload_form=form, status=refusal.status)
    posted = sent[-1]  # the page opens at the last of them
    at_message = f"{conversation.links.page}#message-{posted.message.id}"
    if not request.htmx:
        return redirect(at_message)
    if conversation.room is None:  # the page of a conversation not begun has no socket yet
        return HttpResponseClientRedirect(at_message)
    if all(one.broadcast for one in sent):
        return _form_again(request, conversation, AttachmentForm())
    # Live delivery is down: the sender's page gets the messages themselves (out of band).
    response = _form_again(request, conversation, AttachmentForm(), notice=NOT_LIVE)
    for one in sent:
        response.write(one.frame or "")
    return response
