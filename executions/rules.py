"""What a rule's actions must look like: a list of objects, each with a non-empty `type` string of
at most ACTION_TYPE_MAX_LENGTH characters and no NUL anywhere (PostgreSQL's jsonb refuses NUL).
The one check for every way a rule is written: the API's serializer and the admin's form."""

from config.fields import find_nul

ACTION_TYPE_MAX_LENGTH = 100


def action_shape_errors(actions: object) -> dict[str, str]:
    """Where `actions` breaks the shape and why, keyed by the path below `actions`: "" for the
    value itself, "1" for its second item, "1.type" for that item's type, "1.url" for a NUL in
    it. Empty when the actions fit."""
    if not isinstance(actions, list):
        return {"": "Must be a list of actions, each an object with a type."}
    errors = {}
    for index, action in enumerate(actions):
        if not isinstance(action, dict):
            errors[str(index)] = "Must be an object with a type."
            continue
        kind = action.get("type")
        if "type" not in action:
            errors[f"{index}.type"] = "This field is required."
        elif not isinstance(kind, str):
            errors[f"{index}.type"] = "Not a valid string."
        elif not kind:
            errors[f"{index}.type"] = "This field may not be blank."
        elif len(kind) > ACTION_TYPE_MAX_LENGTH:
            errors[f"{index}.type"] = f"Ensure this field has no more than {ACTION_TYPE_MAX_LENGTH} characters."
        else:
            nul = find_nul(action)
            if nul is not None:
                errors[f"{index}.{nul}"] = f"Must not contain NUL characters (at {nul})."
    return errors
