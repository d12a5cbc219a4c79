"""Demo data for a first look (`make run`): a tenant, rules, and executions in every status with
steps and log lines, a demo API key and a staff login. Everything tracked is made through the
services, as an engine and an operator would make it over the API."""

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config.commands import Command as BaseCommand
from executions import selectors, services
from executions.api.links import api_root
from executions.models import AutomationRule, Execution
from rbac.keys import key_split, secret_matches
from rbac.models import ApiKey, Role
from rbac.services import api_key_create
from tenants.exceptions import Conflict as TenantConflict
from tenants.models import Tenant
from tenants.services import tenant_create

DEMO_SLUG = "demo"
DEMO_USERNAME = "demo"
ADMIN_USERNAME = "admin"
SHOWCASE_REF = "order-1001"  # the external_ref of the execution the curl line shows
CREDENTIALS_FILE = "demo-credentials"


@dataclass(frozen=True)
class Credentials:
    """What `seed_demo` prints; kept in var/demo-credentials under DEBUG."""

    tenant: str
    api_key: str | None
    admin_user: str
    admin_password: str | None
    execution_id: str | None


class Command(BaseCommand):
    help = ("Loads demo data: a tenant 'demo', rules, executions in every status with steps and log lines, a "
            "demo API key and a staff superuser 'admin'. Run again it changes nothing; under DEBUG it prints "
            "the same credentials, kept in var/demo-credentials.")

    def handle(self, *args, **options):
        path = Path(settings.VAR_DIR) / CREDENTIALS_FILE
        saved = credentials_read(path) if settings.DEBUG else None
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        if tenant is None:
            try:
                # One transaction: a seed that fails half-way leaves nothing that a re-run would take
                # for a finished demo.
                with transaction.atomic():
                    credentials = demo_seed(saved)
            except TenantConflict:  # another seed_demo made the tenant meanwhile
                tenant = Tenant.objects.get(slug=DEMO_SLUG)
            else:
                if settings.DEBUG:
                    credentials_write(path, credentials)
                return self.report(options, credentials, created=True)
        if saved is not None and saved.tenant == str(tenant.pk) and key_works(saved.api_key, tenant):
            return self.report(options, saved, created=False)
        credentials = Credentials(tenant=str(tenant.pk), api_key=None, admin_user=ADMIN_USERNAME,
                                  admin_password=None, execution_id=showcase_id(tenant))
        return self.report(options, credentials, created=False)

    def report(self, options, credentials: Credentials, *, created: bool) -> None:
        base = settings.PUBLIC_BASE_URL
        key = credentials.api_key
        if created:
            lines = [f"Made the demo: tenant {DEMO_SLUG!r} ({credentials.tenant}) with rules and executions in "
                     "every status."]
        else:
            lines = [f"The demo tenant {DEMO_SLUG!r} ({credentials.tenant}) already exists; nothing changed."]
        if key is None:
            lines.append(
                "Its API key and admin password were shown when it was made and are not kept "
                + ("(var/demo-credentials is missing or no longer matches the database)" if settings.DEBUG
                   else "without DEBUG")
                + f"; make a key with: manage.py create_api_key --user {DEMO_USERNAME} --tenant {DEMO_SLUG} "
                "--role admin"
            )
        else:
            lines.append(f"API key:  {key}  (user {DEMO_USERNAME}, role admin)")
        password = credentials.admin_password
        if password is not None:
            lines.append(f"Admin:    {base}/admin/  user {credentials.admin_user}  password {password}")
        elif created:
            lines.append(f"Admin:    {base}/admin/  user {credentials.admin_user} (existed already; its password "
                         "was not changed)")
        if credentials.execution_id:
            lines.append(f"Try:      curl -H 'x-api-key: {key or '<key>'}' "
                         f"{api_root(None)}/executions/{credentials.execution_id}")
        if created and key is not None:
            lines.append("These are kept in var/demo-credentials (DEBUG only) and printed again on every run."
                         if settings.DEBUG else "They are shown only this once: store them now.")
        self.emit(options, {**asdict(credentials), "created": created}, "\n".join(lines))


def credentials_read(path: Path) -> Credentials | None:
    try:
        data = json.loads(path.read_text())
        return Credentials(**{field: data[field] for field in Credentials.__dataclass_fields__})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def credentials_write(path: Path, credentials: Credentials) -> None:
    """Writes the file readable by its owner only (0600), whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # made 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump(asdict(credentials), file, indent=2)
            file.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def key_works(key: str | None, tenant: Tenant) -> bool:
    """Whether the saved key still authenticates in the demo tenant (not revoked, not replaced)."""
    parts = key_split(key) if isinstance(key, str) else None
    if parts is None:
        return False
    api_key = ApiKey.objects.filter(prefix=parts[0], tenant=tenant, revoked_at__isnull=True).first()
    return api_key is not None and secret_matches(parts[1], api_key.digest)


def showcase_id(tenant: Tenant) -> str | None:
    executions = selectors.execution_queryset(tenant_id=tenant.pk).order_by("created_at", "id")
    pk = executions.filter(external_ref=SHOWCASE_REF).values_list("pk", flat=True).first()
    pk = pk or executions.values_list("pk", flat=True).first()
    return None if pk is None else str(pk)


def demo_seed(saved: Credentials | None) -> Credentials:
    tenant = tenant_create(name="Demo", slug=DEMO_SLUG)
    issued = api_key_create(username=DEMO_USERNAME, tenant=tenant, role=Role.objects.get(name="admin"),
                            name="demo key (seed_demo)")
    password = admin_ensure(saved)
    showcase = DemoRun(tenant, actor=f"key:{issued.api_key.prefix}").run()
    return Credentials(tenant=str(tenant.pk), api_key=issued.key, admin_user=ADMIN_USERNAME,
                       admin_password=password, execution_id=str(showcase.pk))


def admin_ensure(saved: Credentials | None) -> str | None:
    """Makes the staff superuser with a random password. An existing one is left as it is (its
    password is known only if the saved credentials still match it)."""
    User = get_user_model()
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
        return password
    if saved is not None and saved.admin_password and admin.check_password(saved.admin_password):
        return saved.admin_password
    return None


class DemoRun:
    """Plays an automation engine and an operator against the services."""

    def __init__(self, tenant: Tenant, *, actor: str):
        self.tenant_id = tenant.pk
        self.actor = actor

    def run(self) -> Execution:
        orders = self.rule(
            name="Notify on new order", trigger="order.created", timeout_seconds=900,
            description="Reserves stock, emails the customer and tells the shop's Slack channel.",
            actions=[{"type": "http", "name": "Reserve stock", "url": "https://inventory.example/reserve"},
                     {"type": "email", "name": "Email the customer", "template": "order-confirmation"},
                     {"type": "slack", "name": "Tell #orders", "channel": "#orders"}],
        )
        welcome = self.rule(
            name="Welcome new user", trigger="user.signed_up", timeout_seconds=300,
            description="Sends the welcome email and adds the user to the CRM.",
            actions=[{"type": "email", "name": "Send welcome email", "template": "welcome"},
                     {"type": "http", "name": "Add to CRM", "url": "https://crm.example/contacts"}],
        )
        nightly = self.rule(
            name="Nightly sales report", trigger="schedule.nightly", timeout_seconds=3600,
            description="Queries the day's sales, renders a PDF and emails it to the managers.",
            actions=[{"type": "sql", "name": "Query sales"}, {"type": "render", "name": "Render PDF"},
                     {"type": "email", "name": "Email managers"}],
        )
        legacy = self.rule(
            name="Legacy invoice sync", trigger="invoice.paid", timeout_seconds=600,
            description="Pushed paid invoices to the old ERP; disabled since the ERP was retired.",
            actions=[{"type": "http", "name": "Push to ERP", "url": "https://erp.example/invoices"}],
        )

        showcase = self.completed_order(orders)
        self.running_order(orders)
        self.pending_report(nightly)
        self.failed_report(nightly)
        self.retried_welcome(welcome)
        self.cancelled_order(orders)
        self.timed_out_report(nightly)
        self.skipped_welcome(welcome)
        self.failed_legacy(legacy)
        self.order_awaiting_approval(orders)
        self.welcome_paused_by_circuit_breaker(welcome)
        return showcase

    # Building blocks

    def rule(self, **fields) -> AutomationRule:
        return services.rule_create(tenant_id=self.tenant_id, **fields)

    def start(self, rule: AutomationRule, trigger_data: dict, *, ref: str | None = None,
              triggered_by: str = "shop-engine", context: dict | None = None) -> Execution:
        execution, _ = services.execution_start(
            tenant_id=self.tenant_id, actor=self.actor, automation_rule_id=rule.pk, trigger_data=trigger_data,
            external_ref=ref, triggered_by=triggered_by, execution_context=context or {},
        )
        return execution

    def report(self, execution: Execution, **changes) -> Execution:
        return services.execution_report(tenant_id=self.tenant_id, execution_id=execution.pk, actor=self.actor,
                                         changes=changes)

    def step(self, execution: Execution, index: int, key: str, name: str, type: str, status: str, **fields):
        services.step_create(tenant_id=self.tenant_id, execution_id=execution.pk, key=key, name=name, type=type,
                             status=status, **fields)
        if status in ("running", "completed", "failed"):
            self.log(execution, ("info", f"{name}: started", {"action_index": index, "step_key": key,
                                                               "event_type": "action.started"}))

    def step_moved(self, execution: Execution, index: int, key: str, status: str, **changes):
        services.step_update(tenant_id=self.tenant_id, execution_id=execution.pk, key=key,
                             changes={"status": status, **changes})
        level = {"failed": "error", "cancelled": "warn", "skipped": "warn"}.get(status, "info")
        message = f"{key}: {status}" + (f" ({changes['error']})" if changes.get("error") else "")
        self.log(execution, (level, message, {"action_index": index, "step_key": key,
                                              "event_type": f"action.{status}"}))

    def log(self, execution: Execution, *lines: tuple[str, str, dict]) -> None:
        entries = [{"level": level, "message": message, **extra} for level, message, extra in lines]
        services.logs_append(tenant_id=self.tenant_id, execution_id=execution.pk, entries=entries)

    # The executions, one per story

    def completed_order(self, rule: AutomationRule) -> Execution:
        execution = self.start(rule, {"order_id": 1001, "customer": "ada@example.com", "total": "129.90",
                                      "currency": "EUR"}, ref=SHOWCASE_REF, context={"region": "eu-west"})
        self.log(execution, ("debug", "Picked up by worker w-3", {"metadata": {"worker": "w-3"}}))
        self.report(execution, status="running")
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http", "running")
        self.step_moved(execution, 0, "reserve-stock", "completed", output={"reserved": 3, "warehouse": "FRA-1"})
        self.step(execution, 1, "email-customer", "Email the customer", "email", "running")
        self.step_moved(execution, 1, "email-customer", "completed", output={"message_id": "msg-8f2c41"})
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack", "running")
        self.log(execution, ("warn", "Slack answered slowly (2.1 s)", {"action_index": 2, "step_key": "notify-slack",
                                                                      "metadata": {"latency_ms": 2100}}))
        self.step_moved(execution, 2, "notify-slack", "completed", output={"ts": "1712345678.000100"})
        self.report(execution, actions_successful=3)
        self.log(execution, ("info", "All 3 actions succeeded", {"event_type": "execution.completed"}))
        return self.report(execution, status="completed", execution_context={"region": "eu-west", "emailed": True},
                           output={"order_id": 1001, "reserved": 3, "warehouse": "FRA-1", "message_id": "msg-8f2c41",
                                   "slack_ts": "1712345678.000100"})

    def running_order(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"order_id": 1002, "customer": "grace@example.com", "total": "54.00",
                                      "currency": "EUR"}, ref="order-1002")
        self.report(execution, status="running")
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http", "completed", output={"reserved": 1})
        self.step(execution, 1, "email-customer", "Email the customer", "email", "running")
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack", "pending")
        self.report(execution, actions_successful=1)
        self.log(execution, ("info", "Waiting for the mail server", {"action_index": 1,
                                                                    "step_key": "email-customer"}))

    def pending_report(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"date": "2025-06-02"}, triggered_by="scheduler")
        for index, (key, name, type) in enumerate([("query-sales", "Query sales", "sql"),
                                                   ("render-pdf", "Render PDF", "render"),
                                                   ("email-managers", "Email managers", "email")]):
            self.step(execution, index, key, name, type, "pending")
        self.log(execution, ("info", "Queued; waiting for a free worker", {"event_type": "execution.queued"}))

    def failed_report(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"date": "2025-06-01"}, triggered_by="scheduler")
        self.report(execution, status="running")
        self.step(execution, 0, "query-sales", "Query sales", "sql", "running")
        self.step_moved(execution, 0, "query-sales", "completed", output={"rows": 1284})
        self.step(execution, 1, "render-pdf", "Render PDF", "render", "running")
        self.step_moved(execution, 1, "render-pdf", "failed", error="Template 'sales-v2' not found")
        self.step(execution, 2, "email-managers", "Email managers", "email", "pending")
        self.step_moved(execution, 2, "email-managers", "cancelled")
        self.report(
            execution, status="failed", actions_successful=1, actions_failed=1, failed_action_index=1,
            error_message="Template 'sales-v2' not found",
            error_stack="Traceback (most recent call last):\n"
                        '  File "engine/actions/render.py", line 88, in run\n'
                        "    template = templates.get(name)\n"
                        '  File "engine/templates.py", line 31, in get\n'
                        "    raise TemplateNotFound(name)\n"
                        "engine.templates.TemplateNotFound: sales-v2",
        )

    def retried_welcome(self, rule: AutomationRule) -> None:
        first = self.start(rule, {"user_id": 2001, "email": "linus@example.com"}, ref="user-2001",
                           triggered_by="auth-service")
        self.report(first, status="running")
        self.step(first, 0, "send-welcome-email", "Send welcome email", "email", "running")
        self.step_moved(first, 0, "send-welcome-email", "failed", error="SMTP 421: service not available")
        self.step(first, 1, "add-to-crm", "Add to CRM", "http", "pending")
        self.report(first, status="failed", actions_failed=1, failed_action_index=0,
                    error_message="SMTP 421: service not available")
        # An operator retries it; the next attempt succeeds.
        second, _ = services.execution_retry(tenant_id=self.tenant_id, execution_id=first.pk,
                                             actor=f"staff:{ADMIN_USERNAME}")
        self.report(second, status="running")
        self.step(second, 0, "send-welcome-email", "Send welcome email", "email", "completed",
                  output={"message_id": "msg-77aa01"})
        self.step(second, 1, "add-to-crm", "Add to CRM", "http", "completed", output={"contact_id": "c-2001"})
        self.report(second, status="completed", actions_successful=2)

    def cancelled_order(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"order_id": 1003, "customer": "alan@example.com", "total": "12.50",
                                      "currency": "GBP"}, ref="order-1003")
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http", "pending")
        self.step_moved(execution, 0, "reserve-stock", "cancelled")
        reason = "The customer cancelled the order"
        services.execution_cancel(tenant_id=self.tenant_id, execution_id=execution.pk,
                                  actor=f"staff:{ADMIN_USERNAME}", reason=reason)
        self.log(execution, ("warn", f"Cancelled before it started: {reason}", {"event_type": "execution.cancelled"}))

    def timed_out_report(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"date": "2025-05-31"}, triggered_by="scheduler")
        self.report(execution, status="running")
        self.step(execution, 0, "query-sales", "Query sales", "sql", "running")
        self.log(execution, ("warn", "Query still running after 30 minutes", {"action_index": 0,
                                                                             "step_key": "query-sales"}))
        self.report(execution, status="timeout",
                    error_message="No report from the engine within the rule's 3600 s timeout")

    def skipped_welcome(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"user_id": 2002, "email": "barbara@example.com", "marketing_opt_in": False},
                               ref="user-2002", triggered_by="auth-service")
        self.step(execution, 0, "send-welcome-email", "Send welcome email", "email", "skipped")
        self.step(execution, 1, "add-to-crm", "Add to CRM", "http", "skipped")
        self.log(execution, ("info", "The user opted out of email; nothing to do", {"event_type": "execution.skipped"}))
        self.report(execution, status="skipped", status_reason="the user opted out of email")

    def failed_legacy(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"invoice_id": 3001, "amount": "980.00"}, ref="invoice-3001",
                               triggered_by="billing")
        self.report(execution, status="running")
        self.step(execution, 0, "push-erp", "Push to ERP", "http", "running")
        self.step_moved(execution, 0, "push-erp", "failed", error="HTTP 410 Gone")
        self.report(execution, status="failed", actions_failed=1, failed_action_index=0,
                    error_message="The ERP answered 410 Gone")
        # Disabled since: its failed execution offers no retry.
        services.rule_update(tenant_id=self.tenant_id, rule_id=rule.pk, changes={"is_enabled": False})

    def order_awaiting_approval(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"order_id": 1004, "customer": "katherine@example.com", "total": "12400.00",
                                      "currency": "EUR"}, ref="order-1004")
        self.report(execution, status="running")
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http", "running")
        self.step_moved(execution, 0, "reserve-stock", "completed", output={"reserved": 40, "warehouse": "FRA-1"})
        self.step(execution, 1, "email-customer", "Email the customer", "email", "pending")
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack", "pending")
        self.log(execution, ("info", "Orders over 10,000 EUR need finance's approval; asked for it",
                             {"event_type": "approval.requested", "metadata": {"approval_request": "apr-1004"}}))
        # The engine expects an answer within a day; expire_executions gives it the rule's timeout beyond that.
        until = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.report(execution, status="waiting", status_reason="awaiting approval from finance", waiting_until=until,
                    actions_successful=1)

    def welcome_paused_by_circuit_breaker(self, rule: AutomationRule) -> None:
        execution = self.start(rule, {"user_id": 2003, "email": "margaret@example.com"}, ref="user-2003",
                               triggered_by="auth-service")
        self.report(execution, status="running")
        self.step(execution, 0, "send-welcome-email", "Send welcome email", "email", "completed",
                  output={"message_id": "msg-91bc02"})
        self.step(execution, 1, "add-to-crm", "Add to CRM", "http", "pending")
        self.log(execution, ("warn", "The CRM's circuit breaker is open after 5 failures in 60 s; pausing",
                             {"action_index": 1, "step_key": "add-to-crm",
                              "metadata": {"breaker": "crm", "failures": 5}}))
        # No waiting_until: it resumes when the breaker closes, whenever that is.
        self.report(execution, status="waiting", status_reason="paused by circuit breaker", actions_successful=1)
