"""The fast check of POST /logs batches agrees with LogsAppendInputSerializer: whatever it accepts,
the serializer accepts too and cleans the same way; the rest goes to the serializer."""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from executions.api.serializers import LogsAppendInputSerializer, fast_log_batch

texts = st.one_of(st.text(max_size=120), st.just("x" * 9000), st.just("é" * 5000), st.integers(), st.none())
timestamps = st.one_of(
    st.none(), st.integers(),
    st.builds(lambda moment, zone: moment.isoformat().replace("+00:00", zone),
              st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
              st.sampled_from(["Z", "+00:00"])),
    st.sampled_from(["2024-05-01T12:00:00Z", "2024-05-01T14:00:00.5+02:00", "2024-05-01t12:00:00z",
                     "2024-05-01 12:00:00Z", "2024-05-01", "2024-02-30T12:00:00Z", "2024-05-01T12:00:00",
                     "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]),
)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                           max_leaves=8)
entries = st.fixed_dictionaries(
    {},
    optional={
        "message": texts,
        "level": st.sampled_from(["debug", "info", "warn", "error", "fatal", "INFO", 1, None, [], {}]),
        "action_index": st.one_of(st.none(), st.booleans(), st.integers(min_value=-2, max_value=2**31 + 1),
                                  st.floats(allow_nan=False)),
        "step_key": texts,
        "event_type": texts,
        "metadata": st.one_of(json_values, st.just({"big": "x" * 17000})),
        "timestamp": timestamps,
        "colour": st.just("red"),
    },
)
# Mostly valid entries, one doubtful field at a time, so that the two are compared often.
plain_entries = st.fixed_dictionaries(
    {"message": st.text(max_size=60)},
    optional={
        "level": st.sampled_from(["debug", "info", "warn", "error"]),
        "action_index": st.one_of(st.none(), st.integers(min_value=0, max_value=2**31 - 1)),
        "step_key": st.one_of(st.none(), st.text(max_size=100)),
        "event_type": st.one_of(st.none(), st.text(max_size=100)),
        "metadata": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
        "timestamp": timestamps,
    },
)
bodies = st.one_of(
    st.fixed_dictionaries({"entries": st.lists(plain_entries, min_size=1, max_size=4)}),
    st.fixed_dictionaries({"entries": st.lists(st.one_of(plain_entries, entries), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"entries": st.lists(entries, max_size=4)}),
    st.fixed_dictionaries({"entries": st.lists(entries, max_size=2)}, optional={"extra": st.just(1)}),
    st.lists(entries, max_size=2),
)


@settings(max_examples=600, deadline=None)
@given(bodies)
def test_whatever_the_fast_check_accepts_the_serializer_accepts_and_cleans_the_same(body):
    fast = fast_log_batch(body)
    if fast is None:
        return
    serializer = LogsAppendInputSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    assert fast == [dict(entry) for entry in serializer.validated_data["entries"]]


def test_a_plain_batch_takes_the_fast_check():
    body = {"entries": [
        {"message": "sending", "level": "info", "metadata": {"to": "a@example.com"}},
        {"message": "sent", "timestamp": "2024-05-01T12:00:00.125Z", "action_index": 0, "step_key": "send"},
        {"message": ""},
    ]}
    assert fast_log_batch(body) is not None


def test_a_level_that_is_not_text_goes_to_the_serializer_which_refuses_it():
    # A JSON object or array cannot be looked up among the levels (found by schemathesis: a 500).
    for level in ({}, ["info"]):
        body = {"entries": [{"message": "sent", "level": level}]}
        assert fast_log_batch(body) is None
        assert not LogsAppendInputSerializer(data=body).is_valid()
