"""The normaliser of error messages and the fingerprint it makes (executions/fingerprints.py)."""

import uuid

import pytest

from executions.fingerprints import MAX_MESSAGE_LENGTH, fingerprint, normalised

RULE, OTHER_RULE = uuid.UUID(int=1), uuid.UUID(int=2)


@pytest.mark.parametrize(("message", "shown"), [
    ("SMTP 451 for order 42", "SMTP <n> for order <n>"),
    ("Timed out after 30.5 s", "Timed out after <n> s"),
    ("User 3f2c1a9b-1234-4abc-9def-0123456789ab not found", "User <uuid> not found"),
    ("User 3F2C1A9B-1234-4ABC-9DEF-0123456789AB not found", "User <uuid> not found"),
    ("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 failed", "commit <hex> failed"),
    ("trace 0x1f2e3d4c5b dropped", "trace <hex> dropped"),
    ("order 12345678 is late", "order <n> is late"),  # only digits: a number, not a hex id
    ("deadbeef and facade are words", "deadbeef and facade are words"),
    ("id abc123 is short", "id abc<n> is short"),  # under 8 characters: not a hex id
    ("key 'order-42' missing", "key <str> missing"),
    ('field "customer.email" is required', "field <str> is required"),
    ("Mail to ann.smith+x@example.co.uk bounced", "Mail to <email> bounced"),
    ("GET https://api.example.com/orders?id=42&token=abc answered 502",
     "GET https://api.example.com/orders?<query> answered <n>"),
    ("HTTP 502   Bad\nGateway", "HTTP <n> Bad Gateway"),
    ("", ""),
])
def test_the_varying_parts_of_a_message_are_replaced(message, shown):
    assert normalised(message) == shown


def test_runs_of_one_failure_share_a_fingerprint():
    assert fingerprint(RULE, "SMTP 451 for order 42") == fingerprint(RULE, "SMTP 451 for order 97")
    assert fingerprint(RULE, "Mail to a@b.example bounced") == fingerprint(RULE, "Mail to c@d.example bounced")


@pytest.mark.parametrize(("one", "other"), [
    ("SMTP 451 for order 42", "SMTP 451 for invoice 42"),
    ("Connection refused", "Connection reset"),
    ("key 'a' missing", "value 'a' missing"),
    ("HTTP 502 from crm", "HTTP 502 from erp"),
])
def test_other_messages_stay_apart(one, other):
    assert fingerprint(RULE, one) != fingerprint(RULE, other)


def test_another_rule_with_the_same_message_is_another_group():
    assert fingerprint(RULE, "SMTP 451") != fingerprint(OTHER_RULE, "SMTP 451")


def test_a_fingerprint_is_16_lowercase_hex_characters_and_none_without_a_message():
    made = fingerprint(RULE, "SMTP 451")
    assert len(made) == 16 and set(made) <= set("0123456789abcdef")
    assert fingerprint(RULE, None) is None and fingerprint(RULE, "   ") is None


def test_a_long_message_is_read_only_up_to_its_bound():
    assert fingerprint(RULE, "x" * MAX_MESSAGE_LENGTH + "a") == fingerprint(RULE, "x" * MAX_MESSAGE_LENGTH + "b")
