"""Profiles for people who signed up before they existed, and random slugs for private rooms.

A private room with a plain slug (``secret-plans``) let anyone learn that it exists by
creating a public room of the same name and seeing it get ``secret-plans-2``. Private
rooms now take a random suffix; this gives existing ones one too (their old address stops
working; their members find them in the lobby).
"""

import re
import secrets

from django.db import migrations

from chat.usernames import skeleton

RANDOM_SUFFIX = re.compile(r"-[0-9a-f]{10}$")


def forwards(apps, schema_editor):

    User = apps.get_model("auth", "User")
    Profile = apps.get_model("chat", "Profile")
    Profile.objects.bulk_create(
        [
            Profile(user=user, username_skeleton=skeleton(user.username))
            for user in User.objects.filter(profile__isnull=True)
        ]
    )
    Room = apps.get_model("chat", "Room")
    for room in Room.objects.filter(kind="private"):
        if not RANDOM_SUFFIX.search(room.slug):
            room.slug = f"{room.slug[:50]}-{secrets.token_hex(5)}"
            room.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_profile")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
