"""Helpers for tests that work on copies of the repository and run nox there.

The nox sessions are run for real, in copies under a temp directory (never in
the work tree, whose .nox environments others use), with one ``--envdir`` for
the whole pytest run: the first run of a session installs into it, the others
reuse it (``-R``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support import ROOT

NOX_TIMEOUT = 600  # seconds; the first run of a session may download the generator
# Left out of a copy of the work tree: environments, caches and build output.
NOT_COPIED = (
    ".git",
    ".nox",
    ".venv",
    "dist",
    "build",
    "demo-output",
    "__pycache__",
    ".ruff_cache",
    ".mypy_cache",
    ".pytest_cache",
    ".hypothesis",
    "*.egg-info",
)


def copy_worktree(dest: Path) -> Path:
    """A copy of the work tree as it is now (uncommitted changes included)."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return dest


# What the generation sessions (generate, update_spec) read and write: the spec and
# config, the noxfile and the pyproject it loads, the tools it runs, and the trees
# that sit beside them.
PROJECT_FILES = (
    "openapi.yaml",
    "generator-config.yaml",
    "noxfile.py",
    "pyproject.toml",
    "README.md",
    "generated",
    "overlays",
    "tools",
)


def copy_project(dest: Path) -> Path:
    """A copy of :data:`PROJECT_FILES` at ``dest``: enough for the generation sessions,
    much less to copy than the whole work tree (:func:`copy_worktree`)."""
    dest.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)
    return dest


def files(top: Path) -> dict[str, bytes]:
    """Every file under ``top`` by relative path, bytecode left out."""
    return {
        p.relative_to(top).as_posix(): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@dataclass(frozen=True)
class NoxResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return f"$ {' '.join(self.args)}\n--- exit {self.returncode}\n{self.output}"


@dataclass(frozen=True)
class Nox:
    command: list[str]
    envdir: Path

    def run(
        self,
        project: Path,
        session: str,
        *posargs: str,
        tmpdir: Path | None = None,
        cwd: Path | None = None,
    ) -> NoxResult:
        # -R: reuse the session's venv and skip installs when it exists; a venv
        # nox has to create is still installed into.
        args = [
            *self.command,
            "--noxfile",
            str(project / "noxfile.py"),
            "--envdir",
            str(self.envdir),
            "-R",
            "--no-color",
            "-s",
            session,
        ]
        if posargs:
            args += ["--", *posargs]
        env = dict(os.environ)
        if tmpdir is not None:
            env["TMPDIR"] = str(tmpdir)
        done = subprocess.run(
            args,
            cwd=cwd or project,
            env=env,
            capture_output=True,
            text=True,
            timeout=NOX_TIMEOUT,
            check=False,
        )
        return NoxResult(args, done.returncode, done.stdout, done.stderr)


def nox_command() -> list[str] | None:
    if importlib.util.find_spec("nox") is not None:
        return [sys.executable, "-m", "nox"]
    beside = Path(sys.executable).parent / "nox"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("nox")
    return [found] if found else None


_SHARED: dict[Path, Nox] = {}


def shared_nox(tmp_path_factory: pytest.TempPathFactory) -> Nox:
    """The one ``Nox`` (and envdir) of this pytest run, whichever module asks first."""
    base = tmp_path_factory.getbasetemp()
    if base not in _SHARED:
        command = nox_command()
        if command is None:
            pytest.skip("nox is not installed (it is in `nox -s tests` and in the dev venv)")
        _SHARED[base] = Nox(command, tmp_path_factory.mktemp("nox-envdir"))
    return _SHARED[base]


def uv() -> str:
    """The uv executable (the test dependency group installs it beside Python)."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (it is in the test dependency group)")
    return found


def fresh_venv(path: Path, *requirements: str) -> Path:
    """A new virtual environment at ``path`` with only ``requirements``; its python."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    subprocess.run(
        [uv(), "venv", "--quiet", "--python", sys.executable, str(path)],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    python = path / "bin" / "python"
    if requirements:
        subprocess.run(
            [uv(), "pip", "install", "--quiet", "--python", str(python), *requirements],
            check=True,
            capture_output=True,
            env=env,
            timeout=300,
        )
    return python


# -- the create-and-wait smoke run (tests/_smoke.py) -----------------------------------

SMOKE = ROOT / "tests" / "_smoke.py"


def smoke_script(directory: Path) -> Path:
    """A copy of _smoke.py in ``directory``, so that running it reads nothing in the repo."""
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(SMOKE, directory / "smoke.py"))


def _path_args(paths: Sequence[Path]) -> list[str]:
    return [arg for p in paths for arg in ("--path", str(p))]


@contextlib.contextmanager
def gateway_process(
    python: Path | str, script: Path, *, paths: Sequence[Path] = ()
) -> Iterator[dict[str, str]]:
    """The fake gateway served by ``python`` in its own process: its base_url and api_key."""
    proc = subprocess.Popen(
        [str(python), "-I", str(script), "gateway", *_path_args(paths)],
        cwd=script.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        line = proc.stdout.readline()
        if not line:
            proc.wait(timeout=30)
            pytest.fail(
                f"the fake gateway did not start:\n{proc.stderr.read() if proc.stderr else ''}"
            )
        yield json.loads(line)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def smoke_client(
    python: Path | str,
    script: Path,
    package: str,
    gateway: dict[str, str],
    *,
    paths: Sequence[Path] = (),
    extra_body: dict[str, object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a create-and-wait with ``package`` under ``python`` (the result is not checked)."""
    return subprocess.run(
        [
            str(python),
            "-I",
            str(script),
            "client",
            package,
            "--base-url",
            gateway["base_url"],
            "--api-key",
            gateway["api_key"],
            "--extra-body",
            json.dumps(extra_body or {}),
            *_path_args(paths),
        ],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def smoke_result(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The client's JSON result, after checking that it ran to the end."""
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "completed", result
    assert result["clips"] >= 1, result
    return result


def smoke_run(
    directory: Path,
    python: Path | str,
    package: str,
    *,
    gateway_python: Path | str = sys.executable,
    gateway_paths: Sequence[Path] = (),
    paths: Sequence[Path] = (),
    extra_body: dict[str, object] | None = None,
) -> tuple[dict[str, str], dict[str, Any]]:
    """The whole smoke run: the fake gateway in a process of ``gateway_python`` (with
    ``gateway_paths`` first on its path), a create-and-wait against it with ``package``
    under ``python`` (``paths`` first), checked to have completed. The scripts are
    copied into ``directory``. Gives the gateway's and the client's JSON accounts."""
    script = smoke_script(directory)
    with gateway_process(gateway_python, script, paths=gateway_paths) as gateway:
        done = smoke_client(python, script, package, gateway, paths=paths, extra_body=extra_body)
    return gateway, smoke_result(done)
