"""The admin's forms for tenants, roles and API keys. They validate; the admin's save goes
through the services."""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.text import slugify

from config.uuids import CANONICAL_UUID
from rbac.models import ApiKey, Permission, Role, RoleAssignment
from tenants.models import Tenant

HEX = frozenset("0123456789abcdef")


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
        slug = cleaned.get("slug") or slugify(cleaned["name"])
        # The rules of tenants.services.tenant_create, checked here too so that the form can say so.
        if not slug:
            self.add_error("slug", "Give a slug: the name makes none.")
        elif CANONICAL_UUID.match(slug) or (len(slug.replace("-", "")) == 32 and set(slug.replace("-", "")) <= HEX):
            self.add_error("slug", "A slug shaped like a UUID is refused: tenants are named by slug or id.")
        else:
            cleaned["slug"] = slug
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
        required=False, min_value=1, max_value=36500, label="Expires in (days)",
        help_text="Blank: the key never expires.",
    )

    class Meta:
        model = ApiKey
        fields = ("tenant", "name", "usage_limit")
        help_texts = {"usage_limit": "How many requests the key may make; blank for no limit."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_limit"].widget.attrs["min"] = 1

    def clean_usage_limit(self):
        limit = self.cleaned_data.get("usage_limit")
        if limit is not None and limit <= 0:
            raise forms.ValidationError("A usage limit must be positive.")
        return limit

    def clean(self):
        cleaned = super().clean()
        username, tenant, role = cleaned.get("username"), cleaned.get("tenant"), cleaned.get("role")
        if username and tenant is not None and role is not None and not cleaned.get("replace_role"):
            held = (RoleAssignment.objects.filter(user__username=username, tenant=tenant)
                    .select_related("role").first())
            if held is not None and held.role_id != role.pk:
                self.add_error(
                    "replace_role",
                    f"{username} already holds the role {held.role.name!r} in {tenant.slug}; "
                    f"tick “Replace role” to change it to {role.name!r} (for all of the user's keys there).",
                )
        return cleaned
