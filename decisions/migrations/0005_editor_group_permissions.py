"""The "Redaktør" group as the admin needs it: cases can be viewed and changed like the rest.

The group keeps exactly the permissions to upload minutes and correct what was read; no user,
group or permission management, and no deleting of meetings, items or attachments (those come
from the minutes: upload corrected minutes instead).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_GROUP = "Redaktør"
EDITOR_PERMISSIONS = {
    "meeting": ["view", "change", "upload_minutes"],
    "agendaitem": ["view", "change"],
    "vote": ["view", "add", "change", "delete"],
    "blocvote": ["view", "add", "change", "delete"],
    "meetingabsence": ["view", "add", "change", "delete"],
    "attachment": ["view", "change"],
    "person": ["view", "add", "change", "delete"],
    "personalias": ["view", "add", "change", "delete"],
    "membership": ["view", "add", "change", "delete"],
    "committee": ["view", "change"],
    "case": ["view", "change"],
}


def set_editor_permissions(apps, schema_editor):
    app_config = apps.get_app_config("decisions")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    codenames = [
        action if action == "upload_minutes" else f"{action}_{model}"
        for model, actions in EDITOR_PERMISSIONS.items()
        for action in actions
    ]
    permissions = list(Permission.objects.filter(content_type__app_label="decisions", codename__in=codenames))
    missing = set(codenames) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"permissions missing for the editor group: {sorted(missing)}")
    group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0004_printed_names_and_danish_labels")]

    operations = [migrations.RunPython(set_editor_permissions, migrations.RunPython.noop)]
