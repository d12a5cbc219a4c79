"""Webhook subscriptions and deliveries in the admin, scoped to the staff user's tenants like the
rest (rbac/admin_scope.py). Every change goes through the services; a secret is shown once, in the
message after creating or rotating, never on a page."""

from django import forms
from django.contrib import admin, messages
from rest_framework import serializers

from rbac.admin_scope import TenantScopedAdmin, VisibleTenantFilter, adopt
from webhooks import services, targets
from webhooks.api.serializers import EventsField
from webhooks.exceptions import TargetRefused
from webhooks.models import Delivery, DeliveryAttempt, Subscription

EDITABLE = ("url", "events", "description", "is_enabled")


class SubscriptionForm(forms.ModelForm):
    """A subscription as the API takes it: an absolute http(s) URL, events as a JSON list or ["*"]."""

    class Meta:
        model = Subscription
        fields = ("tenant", *EDITABLE)
        help_texts = {"events": 'A JSON list of event types, e.g. ["execution.failed"], or ["*"] for all.'}

    def clean_url(self):
        url = self.cleaned_data.get("url")
        try:
            targets.url_check(url)
        except TargetRefused as error:
            raise forms.ValidationError(error.reason) from None
        return url

    def clean_events(self):
        try:
            return EventsField().run_validation(self.cleaned_data.get("events"))
        except serializers.ValidationError as error:
            detail = error.detail
            raise forms.ValidationError([str(m) for m in (detail.values() if isinstance(detail, dict) else detail)]
                                        ) from None


@admin.register(Subscription)
class SubscriptionAdmin(TenantScopedAdmin, admin.ModelAdmin):
    form = SubscriptionForm
    list_title = "Webhooks"
    list_display = ("url", "tenant_name", "events", "is_enabled", "disabled_reason", "created_at")
    list_filter = (VisibleTenantFilter, "is_enabled")
    list_select_related = ("tenant",)
    search_fields = ("url", "description")
    ordering = ("-created_at", "-id")
    actions = ("rotate_secret",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("tenant", *EDITABLE)
        return ("tenant_name", *EDITABLE, "disabled_reason", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("tenant_name", "disabled_reason", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        # Through the services, like the API (the form checked the target as they do).
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
            if changes:
                adopt(obj, services.subscription_update(tenant_id=obj.tenant_id, subscription_id=obj.pk,
                                                        changes=changes))
        else:
            fields = {name: form.cleaned_data[name] for name in EDITABLE}
            adopt(obj, services.subscription_create(tenant_id=obj.tenant_id, **fields))
            self.message_user(request, f"The signing secret, shown only now: {obj.secret}", messages.WARNING)

    def delete_model(self, request, obj):
        services.subscription_delete(tenant_id=obj.tenant_id, subscription_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for tenant_id, subscription_id in queryset.values_list("tenant_id", "pk"):
            services.subscription_delete(tenant_id=tenant_id, subscription_id=subscription_id)

    @admin.action(description="Rotate the secret of selected webhooks (the old one signs 24 more hours)",
                  permissions=["change"])
    def rotate_secret(self, request, queryset):
        for tenant_id, subscription_id in queryset.values_list("tenant_id", "pk"):
            rotated = services.subscription_rotate_secret(tenant_id=tenant_id, subscription_id=subscription_id)
            self.message_user(request, f"New secret of {rotated.url}, shown only now: {rotated.secret}",
                              messages.WARNING)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ("at", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields
    ordering = ("at",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_title = "Webhook deliveries"
    list_display = ("type", "status", "attempts", "subscription", "tenant_name", "last_status_code",
                    "next_attempt_at", "created_at")
    list_filter = (VisibleTenantFilter, "status", "type")
    # The subscription's URL and the tenant's name are shown in each row.
    list_select_related = ("tenant", "subscription")
    search_fields = ("=id", "=event_id", "=execution_id")
    ordering = ("-created_at", "-id")
    raw_id_fields = ("subscription",)
    inlines = (AttemptInline,)
    actions = ("redeliver",)
    fields = ("id", "subscription", "tenant_name", "type", "event_id", "execution_id", "status", "attempts",
              "next_attempt_at", "created_at", "last_attempt_at", "last_status_code", "last_duration_ms",
              "last_error", "payload")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.action(description="Redeliver selected deliveries now", permissions=["change"])
    def redeliver(self, request, queryset):
        count = 0
        for tenant_id, subscription_id, delivery_id in queryset.values_list("tenant_id", "subscription_id", "pk"):
            services.delivery_redeliver(tenant_id=tenant_id, subscription_id=subscription_id, delivery_id=delivery_id)
            count += 1
        noun = "delivery" if count == 1 else "deliveries"
        self.message_user(request, f"{count} {noun} will be sent again now.", messages.SUCCESS)
