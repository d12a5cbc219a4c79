"""The admin login locks out after repeated failures per user and address (django-axes), and staff
unlock it from the admin."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.admin.conftest import PASSWORD, client_of, make_staff

pytestmark = pytest.mark.django_db


def log_in(username: str, password: str, address: str = "10.1.2.3"):
    return Client(REMOTE_ADDR=address).post("/admin/login/?next=/admin/",
                                            {"username": username, "password": password})


def test_five_failures_lock_the_user_out_from_that_address_even_with_the_right_password(acme_staff):
    for _ in range(4):
        assert log_in("ada", "wrong").status_code == 200  # the form again, with its error
    assert log_in("ada", "wrong").status_code == 429  # the fifth locks
    assert log_in("ada", PASSWORD).status_code == 429
    assert log_in("ada", PASSWORD, address="10.9.9.9").status_code == 302  # another address


def test_a_success_before_the_limit_resets_the_count(acme_staff):
    for _ in range(4):
        log_in("ada", "wrong")
    assert log_in("ada", PASSWORD).status_code == 302
    for _ in range(4):
        log_in("ada", "wrong")
    assert log_in("ada", PASSWORD).status_code == 302


def test_staff_unlock_from_the_admin_by_deleting_the_attempt(acme_staff):
    for _ in range(5):
        log_in("ada", "wrong")
    assert log_in("ada", PASSWORD).status_code == 429
    root = client_of(make_staff("root", superuser=True, permissions=()))
    attempt = AccessAttempt.objects.get(username="ada")
    page = root.get(f"/admin/axes/accessattempt/{attempt.pk}/delete/")
    assert page.status_code == 200
    assert root.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert log_in("ada", PASSWORD).status_code == 302
