"""The results as a Markdown report and the polling trade-off as a PNG plot."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import attrs


@attrs.frozen
class Row:
    """One line of the summary table."""

    figure: str
    ours: str
    baseline: str
    ratio: str
    goal: str
    met: bool | None  # None: no goal, shown for reference

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**not met**", None: "—"}[self.met]

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def summary_table(rows: Sequence[Row]) -> list[str]:
    return _table(
        ["Figure", "Ours", "Baseline", "Ratio", "Goal", "Met"],
        [(r.figure, r.ours, r.baseline, r.ratio, r.goal, r.verdict) for r in rows],
    )


def _polling(r: dict[str, Any]) -> list[str]:
    mix = r["mix"]
    out = [
        "## 1. Polling efficiency (virtual time)",
        "",
        "The real `Waiter` of `ai_stats_music._waiter`, driven on a simulated clock "
        "(`bench/polling.py`); jitter on, from a seeded generator. A job is in progress "
        "until it ends, then completed; each policy waits for it as `create_and_wait` "
        "does (first poll after `initial_delay`). Detection delay: when the caller "
        "learned that the job ended, minus when it ended. Deadlines off for every policy, "
        "so all see the same jobs to the end.",
        "",
        f"Job mix: {mix['jobs']} lengths drawn (seed {mix['seed']}) from a log-normal "
        f"distribution with median 45 s and sigma 0.8: sample median {mix['median_length']:.1f} s, "
        f"mean {mix['mean_length']:.1f} s, {mix['share_under_10s']:.1%} of 10 s or less, "
        f"longest {mix['longest']:.0f} s.",
        "",
        "### Job mix",
        "",
    ]
    out += _table(
        [
            "Policy",
            "Requests / job",
            "Fewer than fixed 1 s",
            "Mean delay",
            "p95 delay",
            "Max delay",
            "Latest, failing in first 2 s",
            "Latest, job ≤ 10 s",
        ],
        [
            (
                name,
                f"{p['requests_per_job']:.2f}",
                f"{p['fewer_requests_than_fixed_1s']:.2f}x",
                f"{p['mean_delay']:.2f} s",
                f"{p['p95_delay']:.2f} s",
                f"{p['max_delay']:.2f} s",
                f"{p['early_failure_worst']:.2f} s",
                f"{p['short_job_worst']:.2f} s",
            )
            for name, p in r["policies"].items()
        ],
    )
    lengths = [row["length"] for row in next(iter(r["scripted"].values()))]
    out += [
        "### Scripted jobs",
        "",
        "Requests / mean detection delay for a job of each length (the jittered "
        "policy averaged over 200 seeds). Fixed intervals that divide the length "
        "learn of it the instant it ends; the mix above is the realistic case.",
        "",
    ]
    out += _table(
        ["Policy", *(f"{length:g} s" for length in lengths)],
        [
            (name, *(f"{c['requests']:.1f} / {c['mean_delay']:.2f} s" for c in cells))
            for name, cells in r["scripted"].items()
        ],
    )
    demo = r["retry_after"]
    out += [
        "### Server hints are followed",
        "",
        "A 60 s job with the default policy; the server answers polls 4 and 5 with "
        "`429 Retry-After: 7` and poll 8 with `200` and `Retry-After: 20`. Poll times: "
        + ", ".join(f"{t:.2f}" for t in demo["poll_times"])
        + " s. After each hint: "
        + "; ".join(
            f"poll {i} ({said}): next poll {gap:g} s later" for i, said, gap in demo["hinted"]
        )
        + (" -- exactly as asked." if demo["followed"] else " -- NOT as asked."),
        "",
        "### The trade-off: the default and its neighbours",
        "",
        "Same job mix; then the same figures over 10 mixes (seeds) x 3 jitter streams, "
        "to show how much of a margin is luck of the draw. Goals: at least 3.5x fewer "
        "requests than fixed 1 s and a mean delay of at most 2.5 s, with the latency "
        "bounds held (latest 1 s and 2 s).",
        "",
    ]
    out += _table(
        [
            "Policy",
            "max_delay",
            "jitter",
            "Fewer requests",
            "Mean delay",
            "Latest (2 s / 10 s jobs)",
            "30 runs: fewer, mean (min)",
            "30 runs: delay, mean (max)",
            "30 runs meeting both",
        ],
        [
            (
                name,
                f"{s['policy']['max_delay']:g} s",
                f"{s['policy']['jitter']:g}",
                f"{s['fewer_requests_than_fixed_1s']:.2f}x",
                f"{s['mean_delay']:.2f} s",
                f"{s['early_failure_worst']:.2f} / {s['short_job_worst']:.2f} s",
                f"{s['robustness']['mean_fewer_requests']:.2f}x "
                f"({s['robustness']['min_fewer_requests']:.2f}x)",
                f"{s['robustness']['mean_delay']:.2f} s "
                f"({s['robustness']['max_mean_delay']:.2f} s)",
                f"{s['robustness']['share_meeting_both']:.0%}",
            )
            for name, s in r["study"].items()
        ],
    )
    out += ["![Requests against detection delay](polling.png)", ""]
    return out


def _overhead(r: dict[str, Any]) -> list[str]:
    o, g, p, shape = r["overlay"], r["generated"], r["parse"], r["raw_as_overlay"]
    return [
        "## 2. Per-request overhead",
        "",
        f"Client process CPU time per call against a minimal keep-alive HTTP server in "
        f"another process (`bench/_fast_server.py`, a fixed two-clip answer); "
        f"{r['rounds']} interleaved rounds of {r['requests_per_round']} calls each, "
        "median of the per-round ratios.",
        "",
        "- `MusicClient.get` / raw httpx, per round: " + ", ".join(f"{x:.2f}" for x in o["ratios"]),
        "- generated `get_music_generation.sync_detailed` / raw httpx, per round: "
        + ", ".join(f"{x:.2f}" for x in g["ratios"]),
        "- raw httpx given a `base_url` and a relative URL, and the `Authorization` "
        "header again per request (the request shape the overlay avoids, since it "
        "costs a URL merge and a header merge per call) / raw httpx, per round: "
        + ", ".join(f"{x:.2f}" for x in shape["ratios"]),
        "- `MusicJob.from_dict` / `json.loads` (wall time, 20,000 calls a round): "
        + ", ".join(f"{x:.2f}" for x in p["ratios"]),
        "",
    ]


def _scale(r: dict[str, Any]) -> list[str]:
    rows = []
    for mode, runs in r["runs"].items():
        for i, run in enumerate(runs):
            rows.append(
                (
                    mode,
                    i + 1,
                    run["jobs"],
                    run["polls"],
                    f"{run['cpu']:.2f} s",
                    f"{run['cpu'] / max(1, run['polls']) * 1e6:.0f} µs",
                    f"{run['wall']:.1f} s",
                    f"{run['peak_rss_kib'] / 1024:.1f} MB",
                    f"{(run['peak_rss_kib'] - run['rss_before_kib']) / 1024:.1f} MB",
                    sum(run["errors"].values()),
                )
            )
    return [
        "## 3. Scale",
        "",
        "The fake gateway in its own process; each run in a fresh client process. "
        "`many`: `AsyncMusicClient.wait_many` over 1,000 jobs (queued 1 s, then 5 s in "
        "progress, polled every 2 s less 10% jitter, default concurrency 8). `single`: "
        "jobs of a tenth of that timeline, polled every 0.2 s, each waited alone with "
        "`AsyncMusicClient.wait`. `threads` (baseline): the 1,000 jobs waited with "
        "`MusicClient.wait` in a pool of 32 threads. Polls counted by the gateway.",
        "",
        *_table(
            [
                "Run",
                "Round",
                "Jobs",
                "Polls",
                "CPU",
                "CPU / poll",
                "Wall",
                "Peak RSS",
                "RSS growth",
                "Errors",
            ],
            rows,
        ),
    ]


def _imports(r: dict[str, Any]) -> list[str]:
    steps = list(r["steps"].items())
    rows = []
    previous = 0.0
    for name, seconds in steps:
        rows.append((name, f"{seconds * 1e3:.1f} ms", f"+{(seconds - previous) * 1e3:.1f} ms"))
        previous = seconds
    return [
        "## 4. Import time",
        "",
        f"In {r['environment']}; {r['rounds']} interleaved pairs of fresh interpreters, "
        "median of the per-pair ratios. Where the time goes (cumulative imports, medians):",
        "",
        *_table(["Imported", "Time", "Added"], rows),
    ]


def _download(r: dict[str, Any]) -> list[str]:
    rows = [
        (
            mode,
            i + 1,
            ", ".join(f"{s:.3f}" for s in run["seconds"]),
            f"{run['mib_per_s']:.0f} MiB/s",
            "—" if run["peak_growth_mib"] is None else f"{run['peak_growth_mib']:.2f} MiB",
        )
        for mode, runs in r["runs"].items()
        for i, run in enumerate(runs)
    ]
    return [
        "## 5. Download",
        "",
        f"A clip of {r['bytes'][0]:,} bytes (64 MiB of audio and a WAV header) from the "
        "fake gateway's audio origin, in its own process, to a file; each round a fresh "
        "process per side, one untimed download then five timed ones (median). "
        "`MusicClient.download` writes to a temporary file, fsyncs it and renames it "
        "into place, so that a crash never leaves a short file under the final name; "
        "`raw+fsync` is `httpx.stream` to a file with the same fsync, which tells the "
        "cost of that durability from the client's own.",
        "",
        *_table(["Side", "Round", "Seconds", "Throughput", "Peak memory growth"], rows),
    ]


def _regen(r: dict[str, Any]) -> list[str]:
    return [
        "## 6. Regeneration",
        "",
        "Wall times in a copy of the repository, from the same environment: "
        f"nox {', '.join(f'{t:.2f}' for t in r['times']['nox'])} s; bare generator "
        f"{', '.join(f'{t:.2f}' for t in r['times']['bare'])} s. The copy's regenerated "
        "`generated/` is "
        + (
            "byte-identical to the committed one."
            if r["identical_to_committed"]
            else "NOT identical to the committed one."
        ),
        "",
    ]


SECTIONS = {
    "polling": _polling,
    "overhead": _overhead,
    "scale": _scale,
    "imports": _imports,
    "download": _download,
    "regen": _regen,
}


def render_markdown(meta: dict[str, Any], rows: Sequence[Row], results: dict[str, Any]) -> str:
    load = meta["load_average_before"], meta["load_average_after"]
    out = [
        "# Benchmark results",
        "",
        f"`nox -s bench` on {meta['date']}, commit {meta['commit']}, Python {meta['python']}, "
        f"httpx {meta['httpx']}, {meta['cpus']} CPUs ({meta['platform']}); load average "
        f"{load[0][0]:.2f} before, {load[1][0]:.2f} after; "
        f"{meta['seconds']['total']:.0f} s in all. "
        "Every figure is set against a baseline measured in the same run; the raw "
        "numbers are in [latest.json](latest.json).",
        "",
        *summary_table(rows),
    ]
    for part, section in SECTIONS.items():
        if part in results:
            out += section(results[part])
    return "\n".join(out).rstrip() + "\n"


def render_plot(r: dict[str, Any]) -> bytes:
    """Requests per job against mean detection delay, on the job mix, per policy."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6), dpi=120)
    goal_requests = r["goal_requests_per_job"]
    ax.fill_between(
        [0, 2.5],
        [0.1, 0.1],
        [goal_requests, goal_requests],
        color="#2a9d8f",
        alpha=0.12,
        label="goal: ≤ 2.5 s mean delay, ≥ 3.5x fewer requests than fixed 1 s",
    )
    fixed = r["curves"]["fixed interval"]
    ax.plot(
        [d for d, _, _ in fixed],
        [q for _, q, _ in fixed],
        "-",
        color="#999999",
        lw=1.2,
        label="fixed interval, 0.25 ... 10 s (over 1 s: misses the short-job bounds)",
    )
    for d, q, interval in fixed:
        ax.annotate(
            f"{interval:g} s",
            (d, q),
            textcoords="offset points",
            xytext=(-5, -11),
            fontsize=7,
            color="#777777",
            ha="right",
        )
    shape = r["curves"]["default shape, jitter 0.1, max_delay varied"]
    ax.plot(
        [d for d, _, _ in shape],
        [q for _, q, _ in shape],
        "--",
        color="#457b9d",
        lw=1.2,
        label="default shape, max_delay 3 ... 10 s",
    )
    for d, q, m in shape:
        ax.annotate(
            f"{m:g}", (d, q), textcoords="offset points", xytext=(4, 4), fontsize=7, color="#457b9d"
        )
    styles = {
        "fixed 0.5 s (replicate)": ("s", "#e76f51"),
        "fixed 1 s (openai-python)": ("D", "#f4a261"),
        "fixed 5 s (hand-written loop)": ("^", "#8d99ae"),
        "ours (default PollPolicy())": ("*", "#1d3557"),
    }
    for name, p in r["policies"].items():
        marker, color = styles.get(name, ("o", "black"))
        ax.plot(
            p["mean_delay"],
            p["requests_per_job"],
            marker,
            color=color,
            markersize=14 if marker == "*" else 8,
            label=name,
            zorder=5,
        )
    previous = r["study"].get("previous default (max 5 s)")
    if previous is not None:
        ax.plot(
            previous["mean_delay"],
            previous["requests_per_job"],
            "o",
            mfc="none",
            color="#1d3557",
            markersize=9,
            label="previous default (max_delay 5 s)",
        )
    ax.set_yscale("log")
    ax.set_xlim(0, 6)
    ax.set_ylim(5, 300)
    ax.set_xlabel("mean detection delay (s): how late the caller learns the job ended")
    ax.set_ylabel("status requests per job (log scale)")
    ax.set_title(
        "Polling policies on 2,000 jobs (log-normal, median 45 s, sigma 0.8), virtual time"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
