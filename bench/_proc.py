"""Child processes for the benchmarks: servers that announce themselves on stdout."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Final

ROOT: Final = Path(__file__).resolve().parent.parent


def python_env() -> dict[str, str]:
    """The environment for a child Python: ``bench`` importable from the repository."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


@contextlib.contextmanager
def server_process(args: Sequence[str]) -> Iterator[tuple[str, IO[str]]]:
    """Run ``python ARGS`` until the block ends; yield its first output line and its stdin.

    The child serves until its standard input is closed, then exits.
    """
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=python_env(),
        cwd=ROOT,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"{' '.join(args)} did not start (exit {proc.wait(30)})")
        yield line, proc.stdin
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_python(args: Sequence[str], *, timeout: float = 300) -> str:
    """Run ``python ARGS`` to the end; its standard output (its last line is the result)."""
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=python_env(),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def status_kib(field: str) -> int:
    """A size in KiB from /proc/self/status (``VmRSS``, ``VmHWM``: Linux only)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")
