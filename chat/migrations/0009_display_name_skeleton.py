"""Display names compared by their look-alike skeleton: a stored skeleton, filled for the
names already there, then unique (blank aside)."""

from django.conf import settings
from django.db import migrations, models

from chat.usernames import skeleton


def fill_skeletons(apps, schema_editor) -> None:
    """Each display name's skeleton, the oldest profile first. A later name that looks like
    an earlier one keeps its name but no skeleton, so the constraint can be added; its
    owner is held to the rule at their next change."""
    profiles = apps.get_model("chat", "Profile")
    taken: set[str] = set()
    for profile in profiles.objects.exclude(display_name="").order_by("pk").iterator():
        found = skeleton(profile.display_name)
        if found in taken:
            continue
        taken.add(found)
        profiles.objects.filter(pk=profile.pk).update(display_name_skeleton=found)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0008_invitations_audit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="display_name_skeleton",
            field=models.CharField(blank=True, default="", max_length=600),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="profile",
            constraint=models.UniqueConstraint(
                condition=models.Q(("display_name_skeleton", ""), _negated=True),
                fields=("display_name_skeleton",),
                name="one_display_name_per_skeleton",
            ),
        ),
    ]
