"""Small helpers shared by the tests (importable as ``_support``)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

#: The repository's root (tests/..).
ROOT: Final = Path(__file__).resolve().parent.parent
#: The gateway's literal answers, as upstream publishes them (copied under tests/data).
EXAMPLES: Final = Path(__file__).resolve().parent / "data" / "examples"
#: The 2025 gateway's queued model: this suite's fake gateway queues it (conftest).
SUNO: Final = "suno/v4.5plus"
#: Today's synchronous model (ElevenLabs answers with the audio inline).
ELEVEN: Final = "eleven-labs/music"


class SleepRecorder:
    """A ``sleep`` that records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
