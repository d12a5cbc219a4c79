"""tenant_create and the slug rule it shares with the admin's form."""

import pytest

from tenants.exceptions import Conflict, Invalid
from tenants.models import Tenant
from tenants.services import tenant_create, tenant_slug_clean

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", [
    "01890a5d-ac96-774b-bcce-b302099a8057",
    "01890a5dac96774bbcceb302099a8057",
    "01890a5d-ac96774b-bcce-b302099a8057",
])
def test_a_slug_shaped_like_a_uuid_is_refused_with_or_without_hyphens(slug):
    with pytest.raises(Invalid, match="shaped like a UUID"):
        tenant_create(name="Acme", slug=slug)
    assert not Tenant.objects.exists()


def test_a_slug_of_32_characters_that_are_not_all_hex_is_a_slug():
    assert tenant_slug_clean(name="Acme", slug="01890a5dac96774bbcceb302099a805g") == "01890a5dac96774bbcceb302099a805g"


@pytest.mark.parametrize("slug", ["Acme", "acme corp", "acme.eu"])
def test_a_slug_must_be_lowercase_letters_digits_and_hyphens(slug):
    with pytest.raises(Invalid, match="lowercase letters, digits and hyphens"):
        tenant_slug_clean(name="Acme", slug=slug)


def test_the_slug_is_made_from_the_name_when_none_is_given():
    assert tenant_slug_clean(name="Acme Corp") == "acme-corp"
    with pytest.raises(Invalid, match="makes no slug"):
        tenant_slug_clean(name="!!!")


def test_a_taken_slug_is_a_conflict():
    tenant_create(name="Acme", slug="acme")
    with pytest.raises(Conflict, match="already exists"):
        tenant_create(name="Acme again", slug="acme")


@pytest.mark.parametrize("make", [
    lambda: tenant_slug_clean(name="!!!"),
    lambda: tenant_slug_clean(name="Acme", slug="Acme"),
    lambda: tenant_slug_clean(name="Acme", slug="01890a5dac96774bbcceb302099a8057"),
])
def test_refusals_name_no_command_line_flag(make):
    with pytest.raises(Invalid) as refused:
        make()
    assert "--" not in refused.value.detail
