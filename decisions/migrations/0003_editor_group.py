"""The "Redaktør" group: exactly the permissions to upload minutes and correct what was read."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_GROUP = "Redaktør"
# model → actions an editor needs; no user or group management.
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


def create_editor_group(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
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


def remove_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITOR_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0002_upload_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editor_group, remove_editor_group)]
