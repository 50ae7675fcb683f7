"""Files: sending one (the file button's form, htmx or plain), and serving one to the room's
readers.

Sending goes through ``chat.attachments``, which decides everything; the message reaches
every socket of the room like any other. htmx gets the file button's form back, fresh (or
holding the refusal, with its 4xx status: base.html's htmx config swaps those); a plain
form gets a redirect to the message, or the room page with the error.

Serving answers 404 unless the reader may read the file's room now, exactly as for a file
that never existed. A verified image is shown inline with its own content type; anything
else is only ever a download (``application/octet-stream``, ``attachment``), so an HTML or
SVG file cannot run as a page of this site. Every file answer also carries ``nosniff`` and
a sandboxing Content-Security-Policy, in case a browser renders it anyway.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from chat import attachments, rooms
from chat.errors import Invalid, NotFound, Refused, TooFast
from chat.forms import AttachmentForm
from chat.links import RoomLinks, direct_links, group_room_links
from chat.messages import Posted
from chat.models import Attachment, Room
from chat.views.rooms import _room_page

#: Notice to the sender when the file is stored but the room's sockets could not be told
#: (the words the socket uses for a message, ``chat.consumers.NOTICE_NOT_LIVE``).
NOT_LIVE = "Saved. Live delivery is interrupted; others will see it once it is back."
#: What a file answer may do if a browser renders it after all: nothing.
FILE_POLICY = "default-src 'none'; sandbox"


# --- sending ---------------------------------------------------------------------------


def _refused_form(request: HttpRequest, refusal: Refused) -> AttachmentForm:
    """The file button's form as it was sent, holding the refusal (the words are kept)."""
    if isinstance(refusal, Invalid):
        return refusal.form
    form = AttachmentForm(request.POST)
    form.is_valid()
    form.errors.clear()  # only the refusal: "choose a file" would be beside the point
    form.add_error(None, refusal.message)
    return form


def _upload_answer(
    request: HttpRequest, links: RoomLinks, form: AttachmentForm, *, status: int = 200, notice=""
) -> HttpResponse:
    context = {"links": links, "upload_form": form, "notice": notice}
    return render(request, "chat/room.html#upload-answer", context, status=status)


def _sent(request: HttpRequest, links: RoomLinks, posted: Posted, *, opened: bool = False):
    """The answer to a stored file: to htmx, the form again, empty; else, the message."""
    at_message = f"{links.page}#message-{posted.message.id}"
    if not request.htmx:
        return redirect(at_message)
    if opened:  # the page of a conversation nobody had written in has no socket yet
        return HttpResponseClientRedirect(at_message)
    if posted.broadcast:
        return _upload_answer(request, links, AttachmentForm())
    # Live delivery is down: the sender's page gets the message itself (out of band).
    response = _upload_answer(request, links, AttachmentForm(), notice=NOT_LIVE)
    response.write(posted.frame or "")
    return response


def _refused(request: HttpRequest, links: RoomLinks, refusal: Refused, page) -> HttpResponse:
    """The refusal: in the file button's form for htmx, else on the room page (``page``)."""
    form = _refused_form(request, refusal)
    if request.htmx:
        response = _upload_answer(request, links, form, status=refusal.status)
    else:
        response = page(form, refusal.status)
    if isinstance(refusal, TooFast):
        response["Retry-After"] = str(refusal.retry_after)
    return response


@login_required
@require_POST
def room_attachments(request: HttpRequest, slug: str) -> HttpResponse:
    """``POST /r/<slug>/attachments``: a file (``file``) and optional words (``body``) sent
    to a group room, found through the sender's rights as a message's would be."""
    try:
        room = rooms.enter_room(request.user, slug)
    except NotFound as refusal:
        raise Http404(refusal.message) from None
    links = group_room_links(room.slug)
    try:
        posted = attachments.attach(room, request.user, request.FILES.get("file"), request.POST)
    except Refused as refusal:

        def page(form: AttachmentForm, status: int) -> HttpResponse:
            return _room_page(request, room, links, upload_form=form, status=status)

        return _refused(request, links, refusal, page)
    return _sent(request, links, posted)


@login_required
@require_POST
def direct_attachments(request: HttpRequest, username: str) -> HttpResponse:
    """``POST /p/<username>/attachments``: a file to the conversation with ``username``,
    which this file opens if nobody has written in it yet."""
    try:
        other = rooms.person(username)
    except NotFound as refusal:
        raise Http404(refusal.message) from None
    room: Room | None = rooms.find_direct_room(request.user, other)
    links = direct_links(other.get_username())
    upload = request.FILES.get("file")
    try:
        _room, posted = attachments.attach_direct(request.user, other, upload, request.POST)
    except Refused as refusal:

        def page(form: AttachmentForm, status: int) -> HttpResponse:
            members = None if room else sorted({request.user, other}, key=str)
            return _room_page(
                request, room, links, other=other, upload_form=form,
                status=status, members=members,
            )  # fmt: skip

        return _refused(request, links, refusal, page)
    return _sent(request, links, posted, opened=room is None)


# --- serving ---------------------------------------------------------------------------


def _readable(request: HttpRequest, attachment_id: int) -> Attachment:
    try:
        return attachments.readable_attachment(request.user, attachment_id)
    except NotFound as refusal:
        raise Http404(refusal.message) from None


def _file_response(attachment: Attachment, field: FieldFile) -> FileResponse:
    """``field``'s file streamed from storage, under the name its sender gave it."""
    try:
        handle = field.storage.open(field.name, "rb")
    except (OSError, ValueError):  # gone from storage, or never stored
        raise Http404(attachments.NO_SUCH_FILE) from None
    image = attachment.kind == Attachment.Kind.IMAGE
    content_type = attachment.content_type if image else "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # Percent-encoded, so no quote, semicolon or line break of a name can reach the header.
    disposition = "inline" if image else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(attachment.name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    # The reader's own: no shared cache may keep a private room's file, and the browser
    # keeps no copy on disk either (a shared computer, or a member who has since left).
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment_file(request: HttpRequest, attachment_id: int, name: str) -> FileResponse:
    """``GET /files/<id>/<name>``: the file itself (``name`` is for the reader's eyes and
    their browser's "save as"; the id alone finds it)."""
    attachment = _readable(request, attachment_id)
    return _file_response(attachment, attachment.file)


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> FileResponse:
    """``GET /files/<id>/thumbnail``: an image's thumbnail. A file without one is served
    itself: this is also the URL of a file its sender called "thumbnail"."""
    attachment = _readable(request, attachment_id)
    field = attachment.thumbnail if attachment.thumbnail else attachment.file
    return _file_response(attachment, field)
