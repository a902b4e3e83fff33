from enum import StrEnum


class MusicGenerateResponseObject(StrEnum):
    MUSIC = "music"

    def __str__(self) -> str:
        return str(self.value)
