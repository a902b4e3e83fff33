"""Import time: ``import ai_stats_music`` against ``import httpx``, in fresh interpreters.

Both are imported from a new virtual environment holding only
``ai-stats-music`` and its dependencies, as a user's would (an environment with
more in it changes the baseline: httpx imports its command line, rich and
click with it, whenever they happen to be installed). Each run is a new
``python -I`` that times the import statement alone (the interpreter's own
start-up is the same for both and left out), with bytecode compiled at install
as pip does. The two imports alternate; the figure is the median over pairs of
the ratio. The same runs check that the CLI and the fake gateway (and their
dependencies) are not imported by ``import ai_stats_music``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

from ._proc import ROOT

MODULES: Final = ("ai_stats_music", "httpx")
#: Cumulative imports, to show where the time goes: each step adds one layer.
STEPS: Final = (
    ("httpx", "httpx"),
    ("+ attrs", "httpx, attrs"),
    (
        "+ the generated package (what _gen imports)",
        "httpx, attrs, ai_stats_gateway.models, "
        "ai_stats_gateway.api.gateway.generate_music, "
        "ai_stats_gateway.api.gateway.get_music_generation",
    ),
    ("+ the overlay (import ai_stats_music)", "httpx, attrs, ai_stats_music"),
)
#: What ``import ai_stats_music`` must not pull in.
LAZY: Final = ("ai_stats_music.testing", "ai_stats_music.cli", "starlette", "uvicorn")

_PROBE: Final = """
import sys, time, json
t = time.perf_counter()
import {module}
t = time.perf_counter() - t
print(json.dumps({{"seconds": t, "loaded": [m for m in {lazy!r} if m in sys.modules]}}))
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.exists() else shutil.which("uv")


def fresh_venv(directory: Path) -> Path | None:
    """A new virtual environment with only ai-stats-music installed; its python
    (``None`` without uv, and then the current environment is used)."""
    uv = _uv()
    if uv is None:
        return None
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    venv = directory / "venv"
    python = venv / "bin" / "python"
    for args in (
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python), str(ROOT)],
    ):
        subprocess.run(args, check=True, capture_output=True, env=env, timeout=300)
    return python


def time_import(module: str, python: str = sys.executable) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-I", "-c", _PROBE.format(module=module, lazy=LAZY)],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def import_time(*, rounds: int = 41) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ai-stats-bench-import-") as tmp:
        fresh = fresh_venv(Path(tmp))
        python = str(fresh) if fresh is not None else sys.executable
        for module in MODULES:  # warm-up: the OS's file cache
            for _ in range(3):
                time_import(module, python)
        times: dict[str, list[float]] = {m: [] for m in MODULES}
        loaded: set[str] = set()
        for r in range(rounds):
            order = MODULES if r % 2 == 0 else MODULES[::-1]
            for module in order:
                result = time_import(module, python)
                times[module].append(result["seconds"])
                if module == "ai_stats_music":
                    loaded.update(result["loaded"])
        steps: dict[str, list[float]] = {name: [] for name, _ in STEPS}
        for _ in range(max(5, rounds // 2)):
            for name, statement in STEPS:
                steps[name].append(time_import(statement, python)["seconds"])
    ours, base = times["ai_stats_music"], times["httpx"]
    return {
        "environment": "fresh venv, ai-stats-music and its dependencies only"
        if fresh is not None
        else "the benchmark's own environment (uv not found)",
        "ours": statistics.median(ours),
        "baseline": statistics.median(base),
        "ratio": statistics.median(o / b for o, b in zip(ours, base, strict=True)),
        "rounds": rounds,
        "lazy_loaded": sorted(loaded),
        "steps": {name: statistics.median(t) for name, t in steps.items()},
    }
