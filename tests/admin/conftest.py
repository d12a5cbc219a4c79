"""The admin's cast: a superuser, `acme_staff` (a role in `tenant`), `globex_staff` (a role in
`other_tenant`), clients logged in as each; and, for the browser tests, Debian's chromium
driven by Playwright."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission as ModelPermission
from django.db import connections
from django.test import Client

from rbac.services import role_assign, role_get

PASSWORD = "correct-horse-battery-staple"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Screenshots of the admin's pages, taken by the browser tests on every run (the set committed is
# the evidence of the pages as they were last changed).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
# The smallest common laptop screen: every page must fit its width.
VIEWPORT = {"width": 1366, "height": 768}

# Every model permission of the admin's models: staff see what their role's tenants hold.
STAFF_PERMISSIONS = [
    f"{app}.{action}_{model}"
    for app, models in {"executions": ("execution", "automationrule"), "tenants": ("tenant",),
                        "rbac": ("role", "roleassignment", "apikey")}.items()
    for model in models
    for action in ("view", "add", "change", "delete")
]


def make_staff(username: str, *, tenant=None, role: str = "admin", permissions=STAFF_PERMISSIONS,
               superuser: bool = False):
    """A staff user with `permissions` (Django's), holding `role` in `tenant` when given."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True,
                                                is_superuser=superuser)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(ModelPermission.objects.get(content_type__app_label=app_label, codename=codename))
    if tenant is not None:
        role_assign(user=user, tenant=tenant, role=role_get(name=role))
    return user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return make_staff("root", superuser=True, permissions=())


@pytest.fixture
def acme_staff(tenant):
    return make_staff("ada", tenant=tenant)


@pytest.fixture
def globex_staff(other_tenant):
    return make_staff("grace", tenant=other_tenant)


@pytest.fixture
def root_client(superuser):
    return client_of(superuser)


@pytest.fixture
def acme_client(acme_staff):
    return client_of(acme_staff)


@pytest.fixture
def globex_client(globex_staff):
    return client_of(globex_staff)


# The browser


@pytest.fixture
def browser_page(monkeypatch):
    """A page of Debian's chromium under Playwright's sync API. Skipped, with the reason, where
    chromium is missing; with CI=true a missing chromium fails instead, so that CI cannot pass by
    skipping. One browser per test: Playwright's loop lives only as long as the test."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (`make browser` or apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
    # thread with a running loop unless told that this is on purpose.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # While that loop runs, Django keeps this thread's connections apart from the ones it had
    # before (asgiref stores them per context): close each set before the other is used, or one
    # stays open and PostgreSQL refuses to drop the test database.
    connections.close_all()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        connections.close_all()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
