"""Run the benchmarks and write bench/results/: ``nox -s bench`` (or ``python -m bench.run``).

``--only polling,overhead,...`` runs some parts (the files written then hold
only those). Every figure is a ratio against a baseline measured in the same
run; see each module for how.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import httpx

import ai_stats_music

from . import creates, download, imports, inline, overhead, polling, regen, scale
from ._proc import ROOT
from .report import Row, render_markdown, render_plot

RESULTS: Final = ROOT / "bench" / "results"
PARTS: Final = (
    "polling",
    "overhead",
    "scale",
    "imports",
    "download",
    "inline",
    "creates",
    "regen",
)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def _x(ratio: float) -> str:
    return f"{ratio:.2f}x"


def polling_rows(r: dict[str, Any]) -> list[Row]:
    ours = r["policies"]["ours (default PollPolicy())"]
    one = r["policies"]["fixed 1 s (openai-python)"]
    fewer = ours["fewer_requests_than_fixed_1s"]
    demo = r["retry_after"]
    gaps = ", ".join(f"{gap:g} s after {said}" for _i, said, gap in demo["hinted"])
    return [
        Row(
            "Polling, job mix: status requests per job",
            f"{ours['requests_per_job']:.2f}",
            f"{one['requests_per_job']:.2f} (fixed 1 s)",
            f"{fewer:.2f}x fewer",
            "≥ 3.5x fewer",
            fewer >= 3.5,
        ),
        Row(
            "Polling, job mix: mean detection delay",
            f"{ours['mean_delay']:.2f} s",
            f"{one['mean_delay']:.2f} s (fixed 1 s)",
            f"{ours['mean_delay'] / one['mean_delay']:.1f}x",
            "≤ 2.5 s",
            ours["mean_delay"] <= 2.5,
        ),
        Row(
            "Polling: latest detection of a job failing in its first 2 s",
            f"{ours['early_failure_worst']:.2f} s",
            f"{one['early_failure_worst']:.2f} s (fixed 1 s)",
            "—",
            "≤ 1 s",
            ours["early_failure_worst"] <= 1.0,
        ),
        Row(
            "Polling: latest detection of a job of 10 s or less",
            f"{ours['short_job_worst']:.2f} s",
            f"{one['short_job_worst']:.2f} s (fixed 1 s)",
            "—",
            "≤ 2 s",
            ours["short_job_worst"] <= 2.0,
        ),
        Row(
            "Polling: Retry-After followed (429 and 200 hints)",
            gaps,
            "—",
            "—",
            "next poll exactly as asked",
            bool(demo["followed"]),
        ),
    ]


def overhead_rows(r: dict[str, Any]) -> list[Row]:
    o, g, p, shape = r["overlay"], r["generated"], r["parse"], r["raw_as_overlay"]
    return [
        Row(
            "CPU per status read: MusicClient.get vs httpx.Client.get + json.loads",
            _us(o.ours_median),
            _us(o.baseline_median),
            _x(o.ratio),
            "≤ 1.10x",
            o.ratio <= 1.10,
        ),
        Row(
            "CPU per status read: the generated operation alone vs the same",
            _us(g.ours_median),
            _us(g.baseline_median),
            _x(g.ratio),
            "(reference)",
            None,
        ),
        Row(
            "CPU per status read: raw httpx given a relative URL and the auth header "
            "per request (the request shape the overlay avoids) vs the same",
            _us(shape.ours_median),
            _us(shape.baseline_median),
            _x(shape.ratio),
            "(reference)",
            None,
        ),
        Row(
            "MusicJob.from_dict (two clips) vs json.loads of the same bytes",
            _us(p.ours_median),
            _us(p.baseline_median),
            _x(p.ratio),
            "≤ 1.5x",
            p.ratio <= 1.5,
        ),
    ]


def scale_rows(r: dict[str, Any]) -> list[Row]:
    cpu = r["cpu_per_poll"]
    many = r["runs"]["many"]
    polls = sum(run["polls"] for run in many) / sum(run["jobs"] for run in many)
    return [
        Row(
            f"Scale: CPU per poll, wait_many over {scale.JOBS} jobs vs one job waited alone",
            _us(cpu["many"]),
            _us(cpu["single"]),
            _x(r["many_vs_single"]),
            "≤ 1.5x",
            r["many_vs_single"] <= 1.5,
        ),
        Row(
            f"Scale: CPU per poll, wait_many vs sync wait in {scale.THREADS} threads",
            _us(cpu["many"]),
            _us(cpu["threads"]),
            _x(r["many_vs_threads"]),
            "(baseline)",
            None,
        ),
        Row(
            f"Scale: peak memory of the process waiting {scale.JOBS} jobs ({polls:.1f} polls each)",
            f"{r['peak_rss_mib']:.1f} MB",
            f"{max(run['peak_rss_kib'] for run in r['runs']['threads']) / 1024:.1f} MB (threads)",
            "—",
            "< 100 MB",
            r["peak_rss_mib"] < 100,
        ),
        Row(
            "Scale: connection errors, jobs not completed",
            f"{r['connection_errors']}, {r['not_completed']}",
            "—",
            "—",
            "0, 0",
            r["connection_errors"] == 0 and r["not_completed"] == 0,
        ),
    ]


def import_rows(r: dict[str, Any]) -> list[Row]:
    lazy = r["lazy_loaded"]
    return [
        Row(
            "Import time: import ai_stats_music vs import httpx",
            f"{r['ours'] * 1e3:.1f} ms",
            f"{r['baseline'] * 1e3:.1f} ms",
            _x(r["ratio"]),
            "≤ 1.25x",
            r["ratio"] <= 1.25,
        ),
        Row(
            "Import: CLI and fake gateway left out of import ai_stats_music",
            "none imported" if not lazy else ", ".join(lazy),
            "—",
            "—",
            "none imported",
            not lazy,
        ),
    ]


def download_rows(r: dict[str, Any]) -> list[Row]:
    growth = r["peak_growth_mib"]
    return [
        Row(
            "Download 64 MiB to disk: throughput vs httpx.stream to a file",
            f"{r['ours_mib_per_s']:.0f} MiB/s",
            f"{r['raw_mib_per_s']:.0f} MiB/s",
            _x(r["ratio"]),
            "≥ 0.9x",
            r["ratio"] >= 0.9,
        ),
        Row(
            "Download 64 MiB: throughput vs httpx.stream to a file and fsync",
            f"{r['ours_mib_per_s']:.0f} MiB/s",
            f"{r['raw_fsync_mib_per_s']:.0f} MiB/s",
            _x(r["ratio_fsync"]),
            "(reference: the same durability)",
            None,
        ),
        Row(
            "Download 64 MiB: peak memory growth",
            "not measured" if growth is None else f"{growth:.1f} MiB",
            f"{r['raw_peak_growth_mib']:.1f} MiB",
            "—",
            "≤ 16 MiB",
            None if growth is None else growth <= 16,
        ),
    ]


def inline_rows(r: dict[str, Any]) -> list[Row]:
    growth, audio = r["peak_growth_mib"], r["audio_mib"]
    return [
        Row(
            f"Save {audio:.0f} MiB of inline (base64) audio: throughput "
            "vs b64decode + write + fsync",
            f"{r['ours_mib_per_s']:.0f} MiB/s",
            f"{r['raw_mib_per_s']:.0f} MiB/s",
            _x(r["ratio"]),
            "≥ 0.9x",
            r["ratio"] >= 0.9,
        ),
        Row(
            f"Save {audio:.0f} MiB of inline audio: peak memory growth",
            "not measured" if growth is None else f"{growth:.1f} MiB",
            "not measured"
            if r["raw_peak_growth_mib"] is None
            else f"{r['raw_peak_growth_mib']:.1f} MiB",
            "—",
            f"≤ {2 * audio:.0f} MiB (2x the audio)",
            None if growth is None else growth <= 2 * audio,
        ),
    ]


def creates_rows(r: dict[str, Any]) -> list[Row]:
    ours, raw, n = r["ours"], r["raw"], r["creates"]
    return [
        Row(
            f"{n} concurrent creates held {r['hold_seconds']:g} s each, one AsyncMusicClient: "
            "succeeded",
            f"{ours['ok']} of {n}",
            f"{raw['ok']} of {n} (httpx.AsyncClient, 60 s timeout)",
            "—",
            "all",
            ours["ok"] == n,
        ),
        Row(
            f"{n} concurrent creates: wall time (pools of {ours['pool']} and {raw['pool']} "
            "connections; the least they allow: "
            f"{ours['least_seconds']:.0f} s and {raw['least_seconds']:.0f} s)",
            f"{ours['seconds']:.1f} s",
            f"{raw['seconds']:.1f} s (httpx.AsyncClient)",
            _x(ours["seconds"] / raw["seconds"]),
            "(reported)",
            None,
        ),
        Row(
            f"{n} concurrent creates: peak memory of the client's process",
            f"{ours['peak_rss_mib']:.1f} MB",
            f"{raw['peak_rss_mib']:.1f} MB (httpx.AsyncClient)",
            "—",
            "< 150 MB",
            ours["peak_rss_mib"] < 150,
        ),
    ]


def regen_rows(r: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "Regeneration: nox -R -s generate vs bare openapi-python-client",
            f"{r['nox']:.2f} s",
            f"{r['bare']:.2f} s",
            _x(r["ratio"]),
            "≤ 2x",
            r["ratio"] <= 2.0,
        ),
    ]


def _overhead() -> dict[str, Any]:
    result = overhead.request_overhead()
    result["parse"] = overhead.parse_overhead()
    return result


RUNNERS: Final[
    dict[str, tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], list[Row]]]]
] = {
    "polling": (polling.polling_bench, polling_rows),
    "overhead": (_overhead, overhead_rows),
    "scale": (scale.scale, scale_rows),
    "imports": (imports.import_time, import_rows),
    "download": (download.download, download_rows),
    "inline": (inline.inline, inline_rows),
    "creates": (creates.creates, creates_rows),
    "regen": (regen.regeneration, regen_rows),
}


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _jsonable(value: Any) -> Any:
    if isinstance(value, overhead.Paired):
        return {
            "ours": list(value.ours),
            "baseline": list(value.baseline),
            "ratios": list(value.ratios),
            "ratio": value.ratio,
        }
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _write(path: Path, text: str | bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    if isinstance(text, bytes):
        tmp.write_bytes(text)
    else:
        tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_before": list(os.getloadavg()),
        "ai_stats_music": ai_stats_music.__version__,
        "httpx": httpx.__version__,
        "seconds": {},
    }
    results: dict[str, Any] = {}
    rows: list[Row] = []
    for part in parts:
        run, to_rows = RUNNERS[part]
        t = time.perf_counter()
        print(f"bench: {part} ...", file=sys.stderr, flush=True)
        results[part] = run()
        meta["seconds"][part] = round(time.perf_counter() - t, 1)
        part_rows = to_rows(results[part])
        rows.extend(part_rows)
        for row in part_rows:
            print(
                f"  {row.figure}: {row.ours} vs {row.baseline} -> {row.ratio} "
                f"(goal {row.goal}: {row.verdict})",
                file=sys.stderr,
                flush=True,
            )
    meta["load_average_after"] = list(os.getloadavg())
    meta["seconds"]["total"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": meta,
        "table": [row.as_dict() for row in rows],
        "results": _jsonable(results),
    }
    _write(args.out / "latest.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    _write(args.out / "latest.md", render_markdown(meta, rows, _jsonable(results)))
    if "polling" in results:
        _write(args.out / "polling.png", render_plot(results["polling"]))
    print(f"bench: wrote {args.out} in {meta['seconds']['total']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
