"""executions.rules.action_shape_errors: the one check of a rule's actions."""

import pytest

from executions.rules import ACTION_TYPE_MAX_LENGTH, action_shape_errors


@pytest.mark.parametrize("actions", [[], [{"type": "email"}], [{"type": "http", "url": "https://x", "n": [1]}]])
def test_a_list_of_objects_with_a_type_fits(actions):
    assert action_shape_errors(actions) == {}


@pytest.mark.parametrize("actions, path", [
    ({"type": "http"}, ""),
    ("http", ""),
    (None, ""),
    (["http"], "0"),
    ([{"type": "http"}, None], "1"),
    ([{"type": "http"}, [1]], "1"),
    ([{"url": "x"}], "0.type"),
    ([{"type": 5}], "0.type"),
    ([{"type": None}], "0.type"),
    ([{"type": ""}], "0.type"),
    ([{"type": "x" * (ACTION_TYPE_MAX_LENGTH + 1)}], "0.type"),
    ([{"type": "http", "url": "a\x00b"}], "0.url"),
])
def test_each_break_of_the_shape_is_named_by_its_path(actions, path):
    assert list(action_shape_errors(actions)) == [path]
