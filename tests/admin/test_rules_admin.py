"""Automation rules in the admin: recent executions by status, edits through the services, and
disabling in place of deleting a rule that has executions."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from executions.models import AutomationRule, Execution
from tests.factories import make_execution, make_rule

RULES = "/admin/executions/automationrule/"


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def rule_form(tenant, **overrides) -> dict:
    data = {"tenant": str(tenant.pk), "name": "Notify on order", "description": "", "trigger": "order.created",
            "actions": '[{"type": "email"}]', "timeout_seconds": "60", "is_enabled": "on"}
    data.update(overrides)
    return data


def test_the_list_counts_the_last_24_hours_executions_by_status(root_client, tenant, rule):
    for status in ("failed", "failed", "completed", "running"):
        make_execution(tenant=tenant, rule=rule, status=status)
    old = make_execution(tenant=tenant, rule=rule, status="failed")
    Execution.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    response = root_client.get(RULES)
    listed = response.context["cl"].result_list[0]
    page = response.content.decode()

    assert (listed.recent_failed, listed.recent_completed, listed.recent_running, listed.recent_pending) == (2, 1, 1, 0)
    assert "2 failed" in page and "1 completed" in page and "1 running" in page
    assert f'href="/admin/executions/execution/?rule={rule.pk}"' in page


def test_a_rule_made_in_the_admin_starts_at_version_1(root_client, tenant):
    response = root_client.post(f"{RULES}add/", rule_form(tenant))

    rule = AutomationRule.objects.get()
    assert response.status_code == 302
    assert (rule.tenant, rule.version, rule.actions, rule.timeout_seconds) == (tenant, 1, [{"type": "email"}], 60)


def test_editing_actions_bumps_the_version_and_renaming_does_not(root_client, tenant, rule):
    actions = '[{"type": "email"}, {"type": "http"}, {"type": "slack"}]'
    root_client.post(f"{RULES}{rule.pk}/change/", rule_form(tenant, name="Renamed", actions=actions,
                                                             timeout_seconds="3600"))
    rule.refresh_from_db()
    assert (rule.name, rule.version) == ("Renamed", 1)

    root_client.post(f"{RULES}{rule.pk}/change/", rule_form(tenant, name="Renamed", actions='[{"type": "sms"}]',
                                                             timeout_seconds="3600"))
    rule.refresh_from_db()
    assert (rule.actions, rule.version) == ([{"type": "sms"}], 2)


@pytest.mark.parametrize("actions, error", [
    ('{"type": "email"}', "Must be a list of actions"),
    ('[{"kind": "email"}]', "actions.0.type: This field is required."),
    ('[{"type": ""}]', "actions.0.type: This field may not be blank."),
    ("[1]", "actions.0: Must be an object with a type."),
    ('[{"type": "email", "to": "a\\u0000b"}]', "actions.0.to: Must not contain NUL characters"),
    ("not json", "Enter a valid JSON."),
])
def test_actions_must_be_a_list_of_objects_with_a_type(root_client, tenant, actions, error):
    response = root_client.post(f"{RULES}add/", rule_form(tenant, actions=actions))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["actions"][0].startswith(error)
    assert not AutomationRule.objects.exists()


@pytest.mark.parametrize("timeout", ["0", str(2**31)])
def test_a_timeout_must_be_positive_and_fit_a_32_bit_integer(root_client, tenant, timeout):
    response = root_client.post(f"{RULES}add/", rule_form(tenant, timeout_seconds=timeout))

    assert response.context["adminform"].form.errors["timeout_seconds"]


def test_deleting_a_rule_that_has_executions_is_refused_with_the_services_message(root_client, tenant, rule):
    make_execution(tenant=tenant, rule=rule)

    shown = root_client.get(f"{RULES}{rule.pk}/delete/")
    posted = root_client.post(f"{RULES}{rule.pk}/delete/", {"post": "yes"})

    # The confirmation page lists the rule alone, not the executions it protects; rule_delete refuses.
    assert shown.status_code == 200 and not shown.context["protected"]
    assert posted.status_code == 302 and posted["Location"] == f"{RULES}{rule.pk}/change/"
    assert notes(posted)[0].startswith("The rule has executions and cannot be deleted; disable it instead")
    assert AutomationRule.objects.filter(pk=rule.pk).exists()


def test_a_rule_without_executions_is_deleted_after_confirmation(root_client, rule):
    assert root_client.get(f"{RULES}{rule.pk}/delete/").status_code == 200

    response = root_client.post(f"{RULES}{rule.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not AutomationRule.objects.filter(pk=rule.pk).exists()


def test_rules_are_disabled_and_enabled_in_bulk_and_never_bulk_deleted(root_client, tenant, rule):
    other = make_rule(tenant=tenant, name="Other", is_enabled=False)

    page = root_client.get(RULES).content.decode()
    response = root_client.post(RULES, {"action": "disable_selected", "_selected_action": [rule.pk, other.pk]})

    assert "delete_selected" not in page
    assert not AutomationRule.objects.get(pk=rule.pk).is_enabled
    assert notes(response) == ["Disabled 1 rule. Skipped 1: already disabled."]


def test_staff_make_rules_only_in_their_tenants(acme_client, other_tenant):
    response = acme_client.post(f"{RULES}add/", rule_form(other_tenant))

    assert "tenant" in response.context["adminform"].form.errors
    assert not AutomationRule.objects.exists()


def test_a_rule_stays_in_its_tenant(root_client, tenant, other_tenant, rule):
    root_client.post(f"{RULES}{rule.pk}/change/", rule_form(other_tenant, timeout_seconds="3600",
                                                             actions='[{"type": "email"}]'))

    assert AutomationRule.objects.get(pk=rule.pk).tenant == tenant
