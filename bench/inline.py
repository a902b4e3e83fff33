"""Saving inline audio: a 5 MiB base64 answer written to disk.

Today's synchronous providers (ElevenLabs, Google Lyria) send the audio inside
the answer as base64. ``client.download(job.audio[0], dest)`` (decode, write
to a temporary file beside ``dest``, fdatasync, rename) is measured against
what a user writes by hand: ``base64.b64decode`` of the same string, a write
and an fsync of the same bytes. Each side runs in a fresh process of its own
(so that its peak memory is its own), taking turns over rounds; the figures
are the throughput ratio (median over rounds) and the peak memory growth over
the first save of the process, measured from the moment the answer is
already parsed (a warm-up on a small audio loads the code first).
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from ai_stats_music import MusicClient, MusicJob

from ._proc import run_python, status_kib

SIZE: Final = 5 * 2**20
MODES: Final = ("ours", "raw")
REPEATS: Final = 5


def _wav(size: int) -> bytes:
    """A RIFF/WAVE header and ``size - 44`` bytes of noise: the magic numbers of a real WAV."""
    data = os.urandom(size - 44)
    header = (
        b"RIFF"
        + (36 + len(data)).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")  # PCM
        + (1).to_bytes(2, "little")  # mono
        + (44100).to_bytes(4, "little")
        + (88200).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + len(data).to_bytes(4, "little")
    )
    return header + data


def _answer(audio: bytes) -> dict[str, Any]:
    """An ElevenLabs create answer, as the gateway sends it today."""
    return {
        "id": "G-01JBENCHINLINE0000000000",
        "object": "music",
        "status": "completed",
        "model": "eleven-labs/music",
        "provider": "eleven-labs",
        "audio_base64": base64.b64encode(audio).decode("ascii"),
        "usage": {"requests": 1, "output_audio_seconds": 30.0},
    }


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _raw_save(encoded: str, dest: Path) -> Path:
    """What a user writes without the client: decode, write, fsync."""
    data = base64.b64decode(encoded)
    with open(dest, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return dest


def child(mode: str, directory: str) -> dict[str, Any]:
    """Saves in this process (``python -m bench.inline MODE DIR``)."""
    answer = _answer(_wav(SIZE))
    small = _answer(_wav(4096))
    dest = Path(directory) / f"{mode}.wav"
    seconds: list[float] = []
    sizes: set[int] = set()
    with MusicClient(api_key="bench-inline-key", base_url="http://127.0.0.1:9/v1") as client:

        def once(body: dict[str, Any]) -> Path:
            # A fresh job each time: nothing decoded by an earlier run is reused.
            job = MusicJob.from_dict(body)
            if mode == "ours":
                return client.download(job.audio[0], dest)
            encoded = job.audio_base64
            assert encoded is not None
            return _raw_save(encoded, dest)

        # Warm-up on a small audio: lazily imported code and the file system,
        # without leaving freed megabytes in the heap that would hide the peak.
        os.unlink(once(small))
        rss_before = status_kib("VmRSS")
        reset = _reset_peak()
        first = once(answer)
        peak = status_kib("VmHWM")
        os.unlink(first)
        for _ in range(REPEATS):
            start = time.perf_counter()
            written = once(answer)
            seconds.append(time.perf_counter() - start)
            sizes.add(written.stat().st_size)
            os.unlink(written)
    (size,) = sizes
    median = statistics.median(seconds)
    return {
        "seconds": seconds,
        "bytes": size,
        "mib_per_s": size / median / 2**20,
        "peak_growth_mib": (peak - rss_before) / 1024 if reset else None,
    }


def inline(*, rounds: int = 7) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory(prefix="ai-stats-bench-inline-") as directory:
        for r in range(rounds):
            for mode in MODES[r % 2 :] + MODES[: r % 2]:
                out = run_python(["-m", "bench.inline", mode, directory])
                runs[mode].append(json.loads(out.strip().splitlines()[-1]))
    pairs = zip(runs["ours"], runs["raw"], strict=True)
    growth = [run["peak_growth_mib"] for run in runs["ours"]]
    raw_growth = [run["peak_growth_mib"] for run in runs["raw"]]
    return {
        "runs": runs,
        "audio_mib": SIZE / 2**20,
        "ours_mib_per_s": statistics.median(run["mib_per_s"] for run in runs["ours"]),
        "raw_mib_per_s": statistics.median(run["mib_per_s"] for run in runs["raw"]),
        "ratio": float(statistics.median(o["mib_per_s"] / b["mib_per_s"] for o, b in pairs)),
        "peak_growth_mib": None if None in growth else max(growth),
        "raw_peak_growth_mib": None if None in raw_growth else max(raw_growth),
    }


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], sys.argv[2])))
