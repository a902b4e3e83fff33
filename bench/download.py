"""Download: a 64 MiB clip from the fake gateway's audio origin (loopback) to disk.

``MusicClient.download`` against ``httpx.stream`` with the chunks written to a
file, each run in a fresh process (its peak memory is its own), the sides
taking turns over rounds; the gateway serves from a process of its own. The
figures are the throughput ratio (median over rounds) and each run's peak
memory growth during the download (the peak resident set is reset just before
it starts, through ``/proc/self/clear_refs``).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import httpx

from ai_stats_music import MusicClient, MusicClip

from ._proc import run_python, server_process, status_kib

SIZE: Final = 64 * 2**20
#: ``raw+fsync`` is the baseline with the durability the client gives (an fsync
#: before the file is complete), to tell that cost from the client's own.
MODES: Final = ("ours", "raw", "raw+fsync")
#: Timed downloads per process, after one untimed: the process's figure is their median.
REPEATS: Final = 5


def _reset_peak() -> bool:
    """Reset the peak resident set size (Linux 4.0+); False when it cannot be."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _clip(client: MusicClient) -> MusicClip:
    job = client.get(client.create(model="suno/v4.5", prompt="bench download").id)
    assert job.is_completed, job.status
    return job.output[0]


def _raw_download(url: str, dest: Path, *, fsync: bool = False) -> Path:
    """What a user writes without the client: stream the body into a file."""
    with httpx.stream("GET", url) as response, open(dest, "wb") as file:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            file.write(chunk)
        if fsync:
            file.flush()
            os.fsync(file.fileno())
    return dest


def child(mode: str, info: dict[str, str], directory: str) -> dict[str, Any]:
    """Downloads in this process (``python -m bench.download MODE INFO DIR``)."""
    dest = Path(directory) / f"{mode}.wav"
    seconds: list[float] = []
    sizes: set[int] = set()
    with MusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        clip = _clip(client)
        url = clip.audio_url
        assert url is not None

        def once() -> Path:
            if mode == "ours":
                return client.download(clip, dest)
            return _raw_download(url, dest, fsync=mode == "raw+fsync")

        os.unlink(once())  # warm-up: connection pools, lazily imported code
        rss_before = status_kib("VmRSS")
        reset = _reset_peak()
        for _ in range(REPEATS):
            start = time.perf_counter()
            written = once()
            seconds.append(time.perf_counter() - start)
            sizes.add(written.stat().st_size)
            os.unlink(written)
    peak = status_kib("VmHWM")
    (size,) = sizes
    median = statistics.median(seconds)
    return {
        "seconds": seconds,
        "bytes": size,
        "mib_per_s": size / median / 2**20,
        "peak_growth_mib": (peak - rss_before) / 1024 if reset else None,
        "rss_before_mib": rss_before / 1024,
    }


def download(*, rounds: int = 7) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    with (
        server_process(["bench/_gateway_server.py", "--queued", "0", "--running", "0"]) as (
            line,
            _stdin,
        ),
        tempfile.TemporaryDirectory(prefix="ai-stats-bench-") as directory,
    ):
        httpx.post(json.loads(line)["control"] + "/script", json={"audio_size": SIZE + 44})
        for r in range(rounds):
            for mode in MODES[r % 3 :] + MODES[: r % 3]:
                out = run_python(["-m", "bench.download", mode, line, directory])
                runs[mode].append(json.loads(out.strip().splitlines()[-1]))
    sizes = {run["bytes"] for mode_runs in runs.values() for run in mode_runs}
    growth = [run["peak_growth_mib"] for run in runs["ours"]]

    def ratio(baseline: str) -> float:
        pairs = zip(runs["ours"], runs[baseline], strict=True)
        return float(statistics.median(o["mib_per_s"] / b["mib_per_s"] for o, b in pairs))

    return {
        "runs": runs,
        "bytes": sorted(sizes),
        "ours_mib_per_s": statistics.median(run["mib_per_s"] for run in runs["ours"]),
        "raw_mib_per_s": statistics.median(run["mib_per_s"] for run in runs["raw"]),
        "raw_fsync_mib_per_s": statistics.median(run["mib_per_s"] for run in runs["raw+fsync"]),
        "ratio": ratio("raw"),
        "ratio_fsync": ratio("raw+fsync"),
        "peak_growth_mib": None if None in growth else max(growth),
        "raw_peak_growth_mib": max((run["peak_growth_mib"] or 0.0) for run in runs["raw"]),
    }


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3])))
