"""The admin's forms for tenants, roles and API keys. They validate; the admin's save goes
through the services."""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from config.fields import MAX_INT
from rbac.exceptions import RoleHeld
from rbac.models import ApiKey, Permission, Role, RoleAssignment
from rbac.services import MAX_EXPIRES_IN_DAYS, role_assign_check
from tenants.exceptions import TenantError
from tenants.models import Tenant
from tenants.services import tenant_slug_clean


class TenantForm(forms.ModelForm):
    """A new tenant's name and slug (made from the name when left blank), or a new name."""

    class Meta:
        model = Tenant
        fields = ("name", "slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Lowercase letters, digits and hyphens; made from the name when blank."

    def clean(self):
        cleaned = super().clean()
        if "slug" not in self.fields or "name" not in cleaned:
            return cleaned
        # The slug tenant_create will give, or its refusal, on the form.
        try:
            cleaned["slug"] = tenant_slug_clean(name=cleaned["name"], slug=cleaned.get("slug"))
        except TenantError as error:
            self.add_error("slug", error.detail)
        return cleaned


class RoleForm(forms.ModelForm):
    """A role's name and its permissions, one checkbox each."""

    permissions = forms.MultipleChoiceField(
        choices=[(code, f"{code}: {label}") for code, label in Permission.choices],
        widget=forms.CheckboxSelectMultiple, required=False,
    )

    class Meta:
        model = Role
        fields = ("name", "permissions")

    def clean_permissions(self) -> list[str]:
        return sorted(set(self.cleaned_data["permissions"]))


class ApiKeyCreateForm(forms.ModelForm):
    """A new key for a user, tenant and role, as create_api_key makes one: the user is made if
    missing, and a different role the user already holds in the tenant is refused unless it is
    replaced on purpose."""

    username = forms.CharField(
        max_length=150, validators=[UnicodeUsernameValidator()],
        help_text="The key's owner; a user of that name is made if there is none (as create_api_key does).",
    )
    role = forms.ModelChoiceField(queryset=Role.objects.all())
    replace_role = forms.BooleanField(
        required=False, label="Replace role",
        help_text="If the user already holds another role in this tenant, change it to this one "
                  "(for all of the user's keys there).",
    )
    expires_in_days = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_EXPIRES_IN_DAYS, label="Expires in (days)",
        help_text="Blank: the key never expires.",
    )

    class Meta:
        model = ApiKey
        fields = ("tenant", "name", "usage_limit")
        help_texts = {"usage_limit": "How many requests the key may make; blank for no limit."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_limit"].widget.attrs.update(min=1, max=MAX_INT)

    def clean_usage_limit(self):
        # api_key_create's bounds, said on the form (SQLite's integers would let a bigger one through).
        limit = self.cleaned_data.get("usage_limit")
        if limit is not None and not 0 < limit <= MAX_INT:
            raise forms.ValidationError(f"A usage limit must be from 1 to {MAX_INT}.")
        return limit

    def clean(self):
        cleaned = super().clean()
        username, tenant, role = cleaned.get("username"), cleaned.get("tenant"), cleaned.get("role")
        if username and tenant is not None and role is not None:
            held = (RoleAssignment.objects.filter(user__username=username, tenant=tenant)
                    .select_related("user", "tenant", "role").first())
            try:
                role_assign_check(assignment=held, role=role, replace=cleaned.get("replace_role", False))
            except RoleHeld as error:
                self.add_error("replace_role", error.with_hint(
                    f"tick “Replace role” to change it to {role.name!r} (for all of the user's keys there)"))
        return cleaned
