"""A link preview put on a message straight in the database, as if its page had been fetched
(the views' tests need no web server)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from chat.models import LinkPreview, Message
from tests.support.files import png

#: The picture of every preview made here.
PICTURE = png(40, 30)


def give_preview(message: Message, *, title: str = "Lunch menu") -> LinkPreview:
    """A preview of ``https://harbour.example/menu`` with a PNG picture, on ``message``."""
    preview = LinkPreview(
        message=message,
        url="https://harbour.example/menu",
        title=title,
        description="Soup and bread",
        site_name="The Harbour",
        image_width=40,
        image_height=30,
    )
    preview.image.save("preview.png", ContentFile(PICTURE), save=False)
    preview.save()
    return preview
