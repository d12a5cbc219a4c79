from enum import StrEnum


class GetExecutionExpand(StrEnum):
    RULE = "rule"

    def __str__(self) -> str:
        return str(self.value)
