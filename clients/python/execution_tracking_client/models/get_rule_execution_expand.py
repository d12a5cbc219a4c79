from enum import StrEnum


class GetRuleExecutionExpand(StrEnum):
    RULE = "rule"

    def __str__(self) -> str:
        return str(self.value)
