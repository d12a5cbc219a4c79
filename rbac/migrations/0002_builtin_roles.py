from django.db import migrations

READ, WRITE, EXECUTE = "automation:read", "automation:write", "automation:execute"
BUILTIN_ROLES = {
    "viewer": [READ],
    "writer": [READ, WRITE],
    "operator": [READ, EXECUTE],
    "admin": [READ, WRITE, EXECUTE],
}


def create_builtin_roles(apps, schema_editor):
    Role = apps.get_model("rbac", "Role")
    for name, permissions in BUILTIN_ROLES.items():
        Role.objects.update_or_create(name=name, defaults={"permissions": permissions, "is_builtin": True})


def remove_builtin_roles(apps, schema_editor):
    apps.get_model("rbac", "Role").objects.filter(name__in=BUILTIN_ROLES, is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rbac", "0001_initial")]
    operations = [migrations.RunPython(create_builtin_roles, remove_builtin_roles)]
