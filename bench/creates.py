"""Many creates at once: 500 concurrent creates, each held open 5 s by the server.

Today's gateway answers a create only once the music is made, so each create
holds a connection for tens of seconds. One ``AsyncMusicClient`` is given 500
creates at once (``asyncio.gather``) against a server (its own process) that
holds every request 5 s: the figures are how many succeed, the wall time
against the least the client's pool allows (ceil(500 / pool size) x 5 s),
and the peak memory of the client's process. The baseline, in the same run,
is the loop a user writes with a plain ``httpx.AsyncClient`` (its default
pool and a generous 60 s timeout).
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import Counter
from typing import Any, Final

import httpx

from ai_stats_music import AsyncMusicClient
from ai_stats_music._pool import DEFAULT_LIMITS

from ._proc import run_python, server_process, status_kib

CREATES: Final = 500
HOLD: Final = 5.0
MODES: Final = ("ours", "raw")


async def _ours(info: dict[str, str]) -> tuple[Counter[str], int | None]:
    async with AsyncMusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        pool = DEFAULT_LIMITS.max_connections

        async def one(i: int) -> str:
            try:
                job = await client.create(model="eleven-labs/music", prompt=f"bench {i}")
            except Exception as exc:  # counted, reported by type
                return type(exc).__name__
            return "ok" if job.is_completed else f"status {job.status}"

        outcomes = await asyncio.gather(*(one(i) for i in range(CREATES)))
    return Counter(outcomes), pool


async def _raw(info: dict[str, str]) -> tuple[Counter[str], int | None]:
    headers = {"Authorization": f"Bearer {info['api_key']}"}
    async with httpx.AsyncClient(timeout=60, headers=headers) as http:

        async def one(i: int) -> str:
            try:
                response = await http.post(
                    info["base_url"] + "/music/generate",
                    json={"model": "eleven-labs/music", "prompt": f"bench {i}"},
                )
                response.raise_for_status()
                response.json()
            except Exception as exc:  # counted, reported by type
                return type(exc).__name__
            return "ok"

        outcomes = await asyncio.gather(*(one(i) for i in range(CREATES)))
    return Counter(outcomes), 100


def child(mode: str, info: dict[str, str]) -> dict[str, Any]:
    """One side, in this process (``python -m bench.creates MODE INFO``)."""
    start = time.perf_counter()
    outcomes, pool = asyncio.run(_ours(info) if mode == "ours" else _raw(info))
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "outcomes": dict(outcomes),
        "ok": outcomes["ok"],
        "pool": pool,
        "least_seconds": math.ceil(CREATES / pool) * HOLD if pool else None,
        "peak_rss_mib": status_kib("VmHWM") / 1024,
    }


def creates() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with server_process(["bench/_hold_server.py", str(HOLD)]) as (line, _stdin):
        for mode in MODES:
            out = run_python(["-m", "bench.creates", mode, line], timeout=600)
            results[mode] = json.loads(out.strip().splitlines()[-1])
    return {"creates": CREATES, "hold_seconds": HOLD, **results}


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], json.loads(sys.argv[2]))))
