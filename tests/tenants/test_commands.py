"""create_tenant: makes a tenant and prints its id."""

import json

import pytest
from django.core.management.base import CommandError

from config.uuids import parse_uuid
from tenants.models import Tenant
from tests.factories import run

pytestmark = pytest.mark.django_db


def test_create_tenant_prints_the_id_of_the_tenant_it_made():
    printed = run("create_tenant", "Acme Corp").strip()
    tenant = Tenant.objects.get()
    assert printed == str(tenant.pk)
    assert parse_uuid(printed) == tenant.pk
    assert tenant.name == "Acme Corp"


def test_create_tenant_makes_the_slug_from_the_name_unless_given():
    run("create_tenant", "Acme Corp")
    run("create_tenant", "Globex", "--slug", "globex-eu")
    assert set(Tenant.objects.values_list("slug", flat=True)) == {"acme-corp", "globex-eu"}


def test_create_tenant_json_gives_id_and_slug_only():
    body = json.loads(run("create_tenant", "Acme", "--slug", "acme", "--json"))
    tenant = Tenant.objects.get()
    assert body == {"id": str(tenant.pk), "slug": "acme"}


@pytest.mark.parametrize("slug", [
    "01890a5d-ac96-774b-bcce-b302099a8057",
    "01890A5D-AC96-774B-BCCE-B302099A8057",
    "01890a5dac96774bbcceb302099a8057",
])
def test_create_tenant_refuses_a_slug_shaped_like_a_uuid(slug):
    with pytest.raises(CommandError):
        run("create_tenant", "Acme", "--slug", slug)
    assert not Tenant.objects.exists()


def test_create_tenant_refuses_a_slug_that_is_taken():
    run("create_tenant", "Acme", "--slug", "acme")
    with pytest.raises(CommandError, match="already exists"):
        run("create_tenant", "Acme again", "--slug", "acme")
    assert Tenant.objects.count() == 1


@pytest.mark.parametrize("slug", ["Not A Slug", "acme/eu", "x" * 101])
def test_create_tenant_refuses_an_invalid_slug(slug):
    with pytest.raises(CommandError):
        run("create_tenant", "Acme", "--slug", slug)
    assert not Tenant.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "Acme\x00"])
def test_create_tenant_refuses_a_blank_overlong_or_nul_name(name):
    with pytest.raises(CommandError):
        run("create_tenant", name, "--slug", "acme")
    assert not Tenant.objects.exists()
