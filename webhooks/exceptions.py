"""The domain errors of webhooks, on those of executions so that the one problem handler
(config/problems.py) maps them: a refused target is a 400 naming `url`, a missing object a 404."""

from executions.exceptions import Invalid, NotFound


class TargetRefused(Invalid):
    """A subscription URL that is not absolute http(s), or whose host is not public."""

    def __init__(self, detail: str):
        super().__init__(f"url: {detail}", {"url": [detail]})
        self.reason = detail


__all__ = ["NotFound", "TargetRefused"]
