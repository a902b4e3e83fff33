"""Regeneration: ``nox -R -s generate`` against a bare openapi-python-client run.

Both run in a copy of the repository (``generated/`` in the work tree is never
touched), from the same environment: the copy's generate session is created
once (not timed), then ``nox -R`` reuses it, and the bare generator run uses
that environment's ``openapi-python-client`` and ruff. The two alternate over
rounds; the figure is the median over rounds of the ratio of wall times, so
that the pipeline's own overhead (nox, the spec written as JSON, the copy into
place) is what shows.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from ._proc import ROOT

COPIED: Final = (
    "noxfile.py",
    "pyproject.toml",
    "openapi.yaml",
    "generator-config.yaml",
    "README.md",
    "generated",
    "overlays",
    "tools",
)


def _nox(project: Path, envdir: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "nox",
        "--noxfile",
        str(project / "noxfile.py"),
        "--envdir",
        str(envdir),
        *args,
        "-s",
        "generate",
    ]


def _timed(args: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def regeneration(*, rounds: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ai-stats-bench-regen-") as tmp:
        project = Path(tmp) / "repo"
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(
                    source, project / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                project.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, project / name)
        envdir = Path(tmp) / "envs"
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        # Create the session's environment (installs the generator): not timed.
        subprocess.run(_nox(project, envdir), cwd=project, env=env, check=True, capture_output=True)
        bindir = envdir / "generate" / "bin"
        bare_env = {**env, "PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}"}
        bare = [
            str(bindir / "openapi-python-client"),
            "generate",
            "--path",
            "openapi.yaml",
            "--config",
            "generator-config.yaml",
            "--meta",
            "none",
            "--output-path",
            str(Path(tmp) / "bare"),
            "--overwrite",
        ]
        pipeline = _nox(project, envdir, "-R")
        times: dict[str, list[float]] = {"nox": [], "bare": []}
        for r in range(rounds):
            runs = [("nox", pipeline, env), ("bare", bare, bare_env)]
            for name, args, run_env in runs if r % 2 == 0 else runs[::-1]:
                times[name].append(_timed(args, cwd=project, env=run_env))
        same = _same_tree(project / "generated", ROOT / "generated")
    return {
        "nox": statistics.median(times["nox"]),
        "bare": statistics.median(times["bare"]),
        "ratio": statistics.median(n / b for n, b in zip(times["nox"], times["bare"], strict=True)),
        "times": times,
        "identical_to_committed": same,
    }


def _same_tree(a: Path, b: Path) -> bool:
    def files(top: Path) -> dict[str, bytes]:
        return {
            p.relative_to(top).as_posix(): p.read_bytes()
            for p in sorted(top.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }

    return files(a) == files(b)
