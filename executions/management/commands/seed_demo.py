"""Demo data for a first look (`make run`): a tenant, rules, and a week of executions in every
status with steps and log lines, some running now, a retry chain that failed and then succeeded;
a demo API key and a staff login. Everything tracked is made through the services, as an engine
and an operator would make it over the API, each at the moment the story says it happened."""

import json
import os
import random
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from config.commands import Command as BaseCommand
from executions import lifecycle, selectors, services
from executions.api.links import api_root
from executions.models import AutomationRule, Execution, ExecutionStep
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
    help = ("Loads demo data: a tenant 'demo', rules, a week of executions in every status with steps and log "
            "lines (some running now, a retried chain), a demo API key and a staff superuser 'admin'. Run again "
            "it changes nothing; under DEBUG it prints the same credentials, kept in var/demo-credentials.")

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
    clock = Clock(timezone.now())
    with clock.running():
        clock.set(DAYS_BACK + 1, hour=9)
        tenant = tenant_create(name="Demo", slug=DEMO_SLUG)
        issued = api_key_create(username=DEMO_USERNAME, tenant=tenant, role=Role.objects.get(name="admin"),
                                name="demo key (seed_demo)")
        password = admin_ensure(saved)
        showcase = DemoRun(tenant, actor=f"key:{issued.api_key.prefix}", clock=clock).run()
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


DAYS_BACK = 7
S = Execution.Status
T = ExecutionStep.Status
LEVEL_OF_STEP_END = {T.FAILED: "error", T.CANCELLED: "warn", T.SKIPPED: "warn"}


class Clock:
    """The story's time. The services stamp every moment themselves (created, started, completed,
    events, log lines) with timezone.now(); while the demo plays, that answers the story's moment,
    so that a run told as taking 64 seconds took 64 seconds, a week ago."""

    def __init__(self, now: datetime):
        self.now = now
        self.moment = now

    @contextmanager
    def running(self) -> Iterator[None]:
        with mock.patch.object(timezone, "now", lambda: self.moment):
            yield

    def set(self, days_ago: float, *, hour: int | None = None, minute: int = 0, second: int = 0) -> datetime:
        """Days before the real now; at a time of day (UTC) when given."""
        moment = self.now - timedelta(days=days_ago)
        if hour is not None:
            moment = moment.replace(hour=hour, minute=minute, second=second, microsecond=0)
        self.moment = min(moment, self.now)
        return self.moment

    def night(self, nights_ago: int) -> datetime:
        """02:00 UTC of the latest night whose run is over, or of one `nights_ago` before it."""
        latest = self.now.replace(hour=2, minute=0, second=0, microsecond=0)
        if latest > self.now - timedelta(hours=2):  # so that its run (an hour at most) has ended by now
            latest -= timedelta(days=1)
        self.moment = latest - timedelta(days=nights_ago)
        return self.moment

    def ago(self, **delta) -> datetime:
        self.moment = self.now - timedelta(**delta)
        return self.moment

    def later(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment


class DemoRun:
    """Plays an automation engine and an operator against the services, at the story's moments."""

    def __init__(self, tenant: Tenant, *, actor: str, clock: Clock):
        self.tenant_id = tenant.pk
        self.actor = actor
        self.clock = clock
        # The same week every time: the runs of the background are drawn from a fixed seed.
        self.random = random.Random(2025)

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

        self.failed_legacy(legacy)
        self.week_of_orders(orders)
        self.week_of_signups(welcome)
        self.week_of_reports(nightly)
        self.skipped_welcome(welcome)
        self.retried_welcome(welcome)
        self.welcome_failing_twice(welcome)
        self.timed_out_report(nightly)
        self.failed_report(nightly)
        self.cancelled_order(orders)
        self.order_awaiting_approval(orders)
        showcase = self.completed_order(orders)
        self.welcome_paused_by_circuit_breaker(welcome)
        self.running_order(orders)
        self.pending_report(nightly)
        return showcase

    # Building blocks: each call is what an engine would send, at the clock's moment

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

    def step(self, execution: Execution, index: int, key: str, name: str, type: str, status: str = T.RUNNING,
             **fields) -> None:
        """Reports a step; one that runs starts now, with a line that says so."""
        services.step_create(tenant_id=self.tenant_id, execution_id=execution.pk, key=key, name=name, type=type,
                             status=status, **fields)
        if status in lifecycle.STEP_RAN:
            self.log(execution, "info", f"{name}: started", action_index=index, step_key=key,
                     event_type="action.started")

    def step_ends(self, execution: Execution, index: int, key: str, status: str, *, took: float = 0,
                  **changes) -> None:
        """The step ends `took` seconds from now (the clock moves on), with a line that says how long it took."""
        self.clock.later(took)
        services.step_update(tenant_id=self.tenant_id, execution_id=execution.pk, key=key,
                             changes={"status": status, **changes})
        message = f"{key}: {status}" + (f" after {took:.1f} s" if took else "")
        if changes.get("error"):
            message += f" ({changes['error']})"
        self.log(execution, LEVEL_OF_STEP_END.get(status, "info"), message, action_index=index, step_key=key,
                 event_type=f"action.{status}")

    def log(self, execution: Execution, level: str, message: str, **extra) -> None:
        services.logs_append(tenant_id=self.tenant_id, execution_id=execution.pk,
                             entries=[{"level": level, "message": message, **extra}])

    def retry(self, execution: Execution) -> Execution:
        attempt, _ = services.execution_retry(tenant_id=self.tenant_id, execution_id=execution.pk,
                                              actor=f"staff:{ADMIN_USERNAME}")
        return attempt

    def jitter(self, low: float, high: float) -> float:
        return round(self.random.uniform(low, high), 1)

    # A week of ordinary runs, so that the dashboard, the date drill-down and the rules' figures show
    # something real

    def week_of_orders(self, rule: AutomationRule) -> None:
        order_id = 900
        for days_ago in range(DAYS_BACK, 0, -1):
            for hour in sorted(self.random.sample(range(7, 22), 4)):
                order_id += 1
                self.clock.set(days_ago, hour=hour, minute=self.random.randrange(60), second=self.random.randrange(60))
                total = f"{self.random.randrange(10, 400)}.{self.random.randrange(100):02d}"
                execution = self.start(rule, {"order_id": order_id, "customer": f"customer{order_id}@example.com",
                                              "total": total, "currency": "EUR"}, ref=f"order-{order_id}")
                if self.random.random() < 0.15:
                    failed = self.order_failing_on_stock(execution)
                    if self.random.random() < 0.6:  # an operator retries it a little later; it goes through
                        self.clock.later(self.random.randrange(300, 3600))
                        self.order_going_through(self.retry(failed))
                else:
                    self.order_going_through(execution)

    def order_going_through(self, execution: Execution) -> Execution:
        self.clock.later(self.jitter(0.5, 4))
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http")
        self.step_ends(execution, 0, "reserve-stock", T.COMPLETED, took=self.jitter(0.2, 0.9),
                       output={"reserved": self.random.randrange(1, 6), "warehouse": "FRA-1"})
        self.step(execution, 1, "email-customer", "Email the customer", "email")
        self.step_ends(execution, 1, "email-customer", T.COMPLETED, took=self.jitter(0.4, 1.6),
                       output={"message_id": f"msg-{self.random.randrange(16**6):06x}"})
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack")
        slack = self.jitter(0.2, 0.6) if self.random.random() > 0.1 else self.jitter(2.0, 3.5)
        if slack > 1:  # said when the answer came
            self.clock.later(slack)
            self.log(execution, "warn", f"Slack answered slowly ({slack:.1f} s)", action_index=2,
                     step_key="notify-slack", metadata={"latency_ms": int(slack * 1000)})
        self.step_ends(execution, 2, "notify-slack", T.COMPLETED, took=0 if slack > 1 else slack)
        self.report(execution, actions_successful=3)
        self.log(execution, "info", "All 3 actions succeeded", event_type="execution.completed")
        return self.report(execution, status=S.COMPLETED)

    def order_failing_on_stock(self, execution: Execution) -> Execution:
        self.clock.later(self.jitter(0.5, 4))
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http")
        self.log(execution, "warn", "Inventory answered 503; retrying in 2 s", action_index=0,
                 step_key="reserve-stock")
        self.clock.later(2)
        self.step_ends(execution, 0, "reserve-stock", T.FAILED, took=self.jitter(0.3, 0.8),
                       error="Inventory answered 503 Service Unavailable twice")
        self.step(execution, 1, "email-customer", "Email the customer", "email", T.PENDING)
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack", T.PENDING)
        return self.report(execution, status=S.FAILED, actions_failed=1, failed_action_index=0,
                           error_message="Inventory answered 503 Service Unavailable twice")

    def week_of_signups(self, rule: AutomationRule) -> None:
        user_id = 1900
        for days_ago in range(DAYS_BACK, 0, -1):
            for hour in sorted(self.random.sample(range(6, 23), 2)):
                user_id += 1
                self.clock.set(days_ago, hour=hour, minute=self.random.randrange(60), second=self.random.randrange(60))
                execution = self.start(rule, {"user_id": user_id, "email": f"user{user_id}@example.com"},
                                       ref=f"user-{user_id}", triggered_by="auth-service")
                self.clock.later(self.jitter(0.2, 1.5))
                self.report(execution, status=S.RUNNING)
                self.step(execution, 0, "send-welcome-email", "Send welcome email", "email")
                self.step_ends(execution, 0, "send-welcome-email", T.COMPLETED, took=self.jitter(0.5, 2.0),
                               output={"message_id": f"msg-{self.random.randrange(16**6):06x}"})
                self.step(execution, 1, "add-to-crm", "Add to CRM", "http")
                self.step_ends(execution, 1, "add-to-crm", T.COMPLETED, took=self.jitter(0.3, 1.2),
                               output={"contact_id": f"c-{user_id}"})
                self.report(execution, status=S.COMPLETED, actions_successful=2)

    def week_of_reports(self, rule: AutomationRule) -> None:
        # Each night at 02:00 but the last two, which have stories of their own (timed_out_report,
        # failed_report); and a manual run queued now (pending_report).
        for nights_ago in range(DAYS_BACK - 1, 1, -1):
            self.clock.night(nights_ago)
            day = (self.clock.moment - timedelta(days=1)).date().isoformat()
            execution = self.start(rule, {"date": day}, triggered_by="scheduler")
            self.clock.later(self.jitter(1, 5))
            self.report(execution, status=S.RUNNING)
            self.step(execution, 0, "query-sales", "Query sales", "sql")
            rows = self.random.randrange(900, 1600)
            self.step_ends(execution, 0, "query-sales", T.COMPLETED, took=self.jitter(40, 90), output={"rows": rows})
            self.step(execution, 1, "render-pdf", "Render PDF", "render")
            self.step_ends(execution, 1, "render-pdf", T.COMPLETED, took=self.jitter(8, 20),
                           output={"pages": rows // 60, "file": f"sales-{day}.pdf"})
            self.step(execution, 2, "email-managers", "Email managers", "email")
            self.step_ends(execution, 2, "email-managers", T.COMPLETED, took=self.jitter(1, 3),
                           output={"recipients": 4})
            self.report(execution, status=S.COMPLETED, actions_successful=3, output={"rows": rows})

    # The executions with a story of their own, oldest first

    def failed_legacy(self, rule: AutomationRule) -> None:
        self.clock.set(6, hour=10, minute=12)
        execution = self.start(rule, {"invoice_id": 3001, "amount": "980.00"}, ref="invoice-3001",
                               triggered_by="billing")
        self.clock.later(1)
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "push-erp", "Push to ERP", "http")
        self.step_ends(execution, 0, "push-erp", T.FAILED, took=0.4, error="HTTP 410 Gone")
        self.report(execution, status=S.FAILED, actions_failed=1, failed_action_index=0,
                    error_message="The ERP answered 410 Gone")
        # Disabled an hour later, when the team learnt the ERP was retired: its failed execution
        # offers no retry.
        self.clock.later(3600)
        services.rule_update(tenant_id=self.tenant_id, rule_id=rule.pk, changes={"is_enabled": False})

    def skipped_welcome(self, rule: AutomationRule) -> None:
        self.clock.set(4, hour=16, minute=40)
        execution = self.start(rule, {"user_id": 2002, "email": "barbara@example.com", "marketing_opt_in": False},
                               ref="user-2002", triggered_by="auth-service")
        self.clock.later(0.3)
        self.step(execution, 0, "send-welcome-email", "Send welcome email", "email", T.SKIPPED)
        self.step(execution, 1, "add-to-crm", "Add to CRM", "http", T.SKIPPED)
        self.log(execution, "info", "The user opted out of email; nothing to do", event_type="execution.skipped")
        self.report(execution, status=S.SKIPPED, status_reason="the user opted out of email")

    def retried_welcome(self, rule: AutomationRule) -> None:
        """Failed when the mail server was down; an operator retried it 25 minutes later and it went through."""
        self.clock.set(3, hour=14, minute=5, second=12)
        first = self.start(rule, {"user_id": 2001, "email": "linus@example.com"}, ref="user-2001",
                           triggered_by="auth-service")
        self.clock.later(0.8)
        self.report(first, status=S.RUNNING)
        self.step(first, 0, "send-welcome-email", "Send welcome email", "email")
        self.log(first, "warn", "SMTP 421 from mail.example; trying again in 5 s", action_index=0,
                 step_key="send-welcome-email")
        self.clock.later(5)
        self.step_ends(first, 0, "send-welcome-email", T.FAILED, took=0.6, error="SMTP 421: service not available")
        self.step(first, 1, "add-to-crm", "Add to CRM", "http", T.PENDING)
        self.report(first, status=S.FAILED, actions_failed=1, failed_action_index=0,
                    error_message="SMTP 421: service not available")
        self.clock.later(25 * 60)
        second = self.retry(first)
        self.clock.later(1.1)
        self.report(second, status=S.RUNNING)
        self.step(second, 0, "send-welcome-email", "Send welcome email", "email")
        self.step_ends(second, 0, "send-welcome-email", T.COMPLETED, took=0.9, output={"message_id": "msg-77aa01"})
        self.step(second, 1, "add-to-crm", "Add to CRM", "http")
        self.step_ends(second, 1, "add-to-crm", T.COMPLETED, took=0.5, output={"contact_id": "c-2001"})
        self.report(second, status=S.COMPLETED, actions_successful=2)

    def welcome_failing_twice(self, rule: AutomationRule) -> None:
        """Retried, and the retry failed too: an unresolved failure (the latest attempt of its chain)."""
        self.clock.ago(hours=7, minutes=30, seconds=3)
        first = self.start(rule, {"user_id": 2004, "email": "edsger@example"}, ref="user-2004",
                           triggered_by="auth-service")
        attempt = first
        for _ in range(2):
            self.clock.later(0.7)
            self.report(attempt, status=S.RUNNING)
            self.step(attempt, 0, "send-welcome-email", "Send welcome email", "email")
            self.step_ends(attempt, 0, "send-welcome-email", T.FAILED, took=0.2,
                           error="550 5.1.3 Bad recipient address syntax: edsger@example")
            self.step(attempt, 1, "add-to-crm", "Add to CRM", "http", T.PENDING)
            attempt = self.report(attempt, status=S.FAILED, actions_failed=1, failed_action_index=0,
                                  error_message="The mail server refused the address edsger@example")
            if attempt.attempt == 1:
                self.clock.later(40 * 60)
                attempt = self.retry(attempt)

    def timed_out_report(self, rule: AutomationRule) -> None:
        self.clock.night(1)
        day = (self.clock.moment - timedelta(days=1)).date().isoformat()
        execution = self.start(rule, {"date": day}, triggered_by="scheduler")
        self.clock.later(2)
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "query-sales", "Query sales", "sql")
        self.clock.later(30 * 60)
        self.log(execution, "warn", "Query still running after 30 minutes", action_index=0, step_key="query-sales")
        self.clock.later(30 * 60 + 5)
        self.report(execution, status=S.TIMEOUT,
                    error_message="No report from the engine within the rule's 3600 s timeout")

    def failed_report(self, rule: AutomationRule) -> None:
        self.clock.night(0)
        day = (self.clock.moment - timedelta(days=1)).date().isoformat()
        execution = self.start(rule, {"date": day}, triggered_by="scheduler")
        self.clock.later(3)
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "query-sales", "Query sales", "sql")
        self.step_ends(execution, 0, "query-sales", T.COMPLETED, took=64.2, output={"rows": 1284})
        self.step(execution, 1, "render-pdf", "Render PDF", "render")
        self.step_ends(execution, 1, "render-pdf", T.FAILED, took=3.1, error="Template 'sales-v2' not found")
        self.step(execution, 2, "email-managers", "Email managers", "email", T.PENDING)
        self.step_ends(execution, 2, "email-managers", T.CANCELLED)
        self.report(
            execution, status=S.FAILED, actions_successful=1, actions_failed=1, failed_action_index=1,
            error_message="Template 'sales-v2' not found",
            error_stack="Traceback (most recent call last):\n"
                        '  File "engine/actions/render.py", line 88, in run\n'
                        "    template = templates.get(name)\n"
                        '  File "engine/templates.py", line 31, in get\n'
                        "    raise TemplateNotFound(name)\n"
                        "engine.templates.TemplateNotFound: sales-v2",
        )

    def cancelled_order(self, rule: AutomationRule) -> None:
        self.clock.ago(hours=5, minutes=12)
        execution = self.start(rule, {"order_id": 1003, "customer": "alan@example.com", "total": "12.50",
                                      "currency": "GBP"}, ref="order-1003")
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http", T.PENDING)
        self.log(execution, "info", "Queued behind 40 orders of a flash sale", event_type="execution.queued")
        self.clock.later(4 * 60)
        self.step_ends(execution, 0, "reserve-stock", T.CANCELLED)
        reason = "The customer cancelled the order"
        services.execution_cancel(tenant_id=self.tenant_id, execution_id=execution.pk,
                                  actor=f"staff:{ADMIN_USERNAME}", reason=reason)
        self.log(execution, "warn", f"Cancelled before it started: {reason}", event_type="execution.cancelled")

    def order_awaiting_approval(self, rule: AutomationRule) -> None:
        self.clock.ago(hours=3, minutes=2)
        execution = self.start(rule, {"order_id": 1004, "customer": "katherine@example.com", "total": "12400.00",
                                      "currency": "EUR"}, ref="order-1004")
        self.clock.later(1.2)
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http")
        self.step_ends(execution, 0, "reserve-stock", T.COMPLETED, took=0.8,
                       output={"reserved": 40, "warehouse": "FRA-1"})
        self.step(execution, 1, "email-customer", "Email the customer", "email", T.PENDING)
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack", T.PENDING)
        self.log(execution, "info", "Orders over 10,000 EUR need finance's approval; asked for it",
                 event_type="approval.requested", metadata={"approval_request": "apr-1004"})
        # The engine expects an answer within a day; expire_executions gives it the rule's timeout beyond that.
        until = self.clock.now.replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.report(execution, status=S.WAITING, status_reason="awaiting approval from finance",
                    waiting_until=until, actions_successful=1)

    def completed_order(self, rule: AutomationRule) -> Execution:
        self.clock.ago(hours=2, minutes=14)
        execution = self.start(rule, {"order_id": 1001, "customer": "ada@example.com", "total": "129.90",
                                      "currency": "EUR"}, ref=SHOWCASE_REF, context={"region": "eu-west"})
        self.clock.later(0.4)
        self.log(execution, "debug", "Picked up by worker w-3", metadata={"worker": "w-3"})
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http")
        self.step_ends(execution, 0, "reserve-stock", T.COMPLETED, took=0.6,
                       output={"reserved": 3, "warehouse": "FRA-1"})
        self.step(execution, 1, "email-customer", "Email the customer", "email")
        self.step_ends(execution, 1, "email-customer", T.COMPLETED, took=1.3, output={"message_id": "msg-8f2c41"})
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack")
        self.clock.later(2.1)
        self.log(execution, "warn", "Slack answered slowly (2.1 s)", action_index=2, step_key="notify-slack",
                 metadata={"latency_ms": 2100})
        self.step_ends(execution, 2, "notify-slack", T.COMPLETED, output={"ts": "1712345678.000100"})
        self.report(execution, actions_successful=3)
        self.log(execution, "info", "All 3 actions succeeded", event_type="execution.completed")
        return self.report(execution, status=S.COMPLETED, execution_context={"region": "eu-west", "emailed": True},
                           output={"order_id": 1001, "reserved": 3, "warehouse": "FRA-1", "message_id": "msg-8f2c41",
                                   "slack_ts": "1712345678.000100"})

    def welcome_paused_by_circuit_breaker(self, rule: AutomationRule) -> None:
        self.clock.ago(minutes=21)
        execution = self.start(rule, {"user_id": 2003, "email": "margaret@example.com"}, ref="user-2003",
                               triggered_by="auth-service")
        self.clock.later(0.5)
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "send-welcome-email", "Send welcome email", "email")
        self.step_ends(execution, 0, "send-welcome-email", T.COMPLETED, took=0.7, output={"message_id": "msg-91bc02"})
        self.step(execution, 1, "add-to-crm", "Add to CRM", "http", T.PENDING)
        self.log(execution, "warn", "The CRM's circuit breaker is open after 5 failures in 60 s; pausing",
                 action_index=1, step_key="add-to-crm", metadata={"breaker": "crm", "failures": 5})
        # No waiting_until: it resumes when the breaker closes, whenever that is.
        self.report(execution, status=S.WAITING, status_reason="paused by circuit breaker", actions_successful=1)

    def running_order(self, rule: AutomationRule) -> None:
        """Running now: its first step done, the email going out for 30 seconds so far."""
        self.clock.ago(seconds=42)
        execution = self.start(rule, {"order_id": 1002, "customer": "grace@example.com", "total": "54.00",
                                      "currency": "EUR"}, ref="order-1002")
        self.clock.later(0.9)
        self.report(execution, status=S.RUNNING)
        self.step(execution, 0, "reserve-stock", "Reserve stock", "http")
        self.step_ends(execution, 0, "reserve-stock", T.COMPLETED, took=0.5, output={"reserved": 1})
        self.step(execution, 1, "email-customer", "Email the customer", "email")
        self.step(execution, 2, "notify-slack", "Tell #orders", "slack", T.PENDING)
        self.report(execution, actions_successful=1)
        self.clock.later(25)
        self.log(execution, "info", "Waiting for the mail server (25 s so far)", action_index=1,
                 step_key="email-customer")

    def pending_report(self, rule: AutomationRule) -> None:
        """Queued a minute ago, a manual run while every worker is busy."""
        self.clock.ago(minutes=1, seconds=5)
        execution = self.start(rule, {"date": self.clock.now.date().isoformat(), "manual": True},
                               triggered_by="scheduler")
        for index, (key, name, type) in enumerate([("query-sales", "Query sales", "sql"),
                                                   ("render-pdf", "Render PDF", "render"),
                                                   ("email-managers", "Email managers", "email")]):
            self.step(execution, index, key, name, type, T.PENDING)
        self.log(execution, "info", "Queued; waiting for a free worker", event_type="execution.queued")
