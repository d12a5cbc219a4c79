from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class RbacConfig(AppConfig):
    name = "rbac"
    verbose_name = "Access control"

    def ready(self):
        from django.contrib.auth import get_user_model

        from rbac.key_cache import keys_changed
        from rbac.models import ApiKey, Role, RoleAssignment
        from rbac.services import staff_groups_ensure

        # After every app's migrations (each app's permissions are made by then): the built-in
        # staff groups exist, with their permissions.
        post_migrate.connect(staff_groups_ensure, dispatch_uid="staff_groups_ensure")

        # What a cached key row holds comes from these; any change of them is seen by every
        # worker of the machine (rbac/key_cache.py).
        for model in (ApiKey, Role, RoleAssignment, get_user_model()):
            post_save.connect(keys_changed, sender=model, dispatch_uid=f"keys_changed_save_{model.__name__}")
            post_delete.connect(keys_changed, sender=model, dispatch_uid=f"keys_changed_delete_{model.__name__}")
