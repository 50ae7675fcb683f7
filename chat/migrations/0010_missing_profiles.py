"""Profiles for accounts made while production created none.

The receiver that makes a profile for each new account was lost as ``ready()`` returned
whenever DEBUG was off, so a deployed chat made accounts without one (their profile page
and their display name failed, and look-alike names of them were let through). This gives
each such account its profile, as 0003 did for accounts older than profiles.
"""

from django.db import migrations

from chat.usernames import skeleton


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("chat", "Profile")
    Profile.objects.bulk_create(
        [
            Profile(user=user, username_skeleton=skeleton(user.username))
            for user in User.objects.filter(profile__isnull=True)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("chat", "0009_display_name_skeleton")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
