"""The README's quick start runs as written, against the fake gateway."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from _support import ROOT, run_ok

from ai_stats_music.testing import FakeGateway

README = ROOT / "README.md"


def _quick_start_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_quick_start_has_a_sync_and_an_async_example() -> None:
    blocks = _quick_start_blocks()
    assert len(blocks) == 2
    assert "MusicClient()" in blocks[0]
    assert "AsyncMusicClient()" in blocks[1]


@pytest.mark.parametrize("index", [0, 1], ids=["sync", "async"])
def test_the_quick_start_runs_as_written(
    fake_gateway: FakeGateway, index: int, tmp_path: Path
) -> None:
    code = _quick_start_blocks()[index]
    env = dict(
        os.environ,
        AI_STATS_API_KEY=fake_gateway.api_key,
        AI_STATS_BASE_URL=fake_gateway.base_url,
    )
    # The sync example saves its audio in the current directory.
    done = run_ok([sys.executable, "-c", code], env=env, cwd=tmp_path)
    assert done.stdout.strip(), "the example printed nothing"
    assert fake_gateway.jobs_created >= 1
    if index == 0:
        # Today's gateway: ElevenLabs answers completed with the audio inline,
        # so the example saves a real MP3 and never polls.
        (saved,) = tmp_path.iterdir()
        assert saved.suffix == ".mp3"
        assert saved.read_bytes()[:3] == b"ID3"
        assert f"saved {saved.name}" in done.stdout
        assert not fake_gateway.requests_for(operation="status")
    if index == 1:
        assert done.stdout.count("done:") == 2
        assert done.stdout.count("http://127.0.0.1") == 2  # MiniMax: an audio URL each
