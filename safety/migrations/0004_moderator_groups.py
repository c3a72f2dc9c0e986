"""The ``Moderators`` and ``Safety leads`` groups with exactly the permissions they need
(docs/moderation.md). Moderators review reports and take actions; Safety leads also close
escalated reports. Neither may reach users, groups or any other model in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    ("safety", "view_report"),
    ("safety", "review_report"),
    ("safety", "view_moderationaction"),
    ("safety", "add_moderationaction"),
]
LEAD_PERMISSIONS = [*MODERATOR_PERMISSIONS, ("safety", "resolve_escalated_report")]
GROUPS = {"Moderators": MODERATOR_PERMISSIONS, "Safety leads": LEAD_PERMISSIONS}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    app_config = apps.get_app_config("safety")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0003_report_types_and_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
