from enum import StrEnum


class DebugOptionsTraceLevel(StrEnum):
    FULL = "full"
    SUMMARY = "summary"

    def __str__(self) -> str:
        return str(self.value)
