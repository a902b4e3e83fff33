"""Small helpers shared by the tests (importable as ``_support``)."""

from __future__ import annotations

import ast
import asyncio
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from ai_stats_music import (
    AsyncMusicClient,
    MusicAudio,
    MusicClient,
    MusicClip,
    MusicJob,
    PollPolicy,
    WaitResult,
)

#: The repository's root (tests/..).
ROOT: Final = Path(__file__).resolve().parent.parent
#: The gateway's literal answers, as upstream publishes them (copied under tests/data).
EXAMPLES: Final = Path(__file__).resolve().parent / "data" / "examples"
#: The 2025 gateway's queued model: this suite's fake gateway queues it (conftest).
SUNO: Final = "suno/v4.5plus"
#: Today's synchronous model (ElevenLabs answers with the audio inline).
ELEVEN: Final = "eleven-labs/music"
#: For waits in real time against jobs that last milliseconds.
FAST: Final = PollPolicy(
    initial_delay=0.005, multiplier=1.5, max_delay=0.02, latency_bounds=(), timeout=30
)


def run(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``command`` run to its end, its output captured as text: the caller reads the
    return code (a bounded ``timeout``, so that a hung child fails the test)."""
    return subprocess.run(
        list(command),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_ok(command: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """:func:`run` (same options), failing the test with the child's stderr unless it
    succeeded."""
    done = run(command, **options)
    assert done.returncode == 0, done.stderr
    return done


def interrupted_at_third_call(call: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``call``, except that its third call raises ``KeyboardInterrupt`` (a Ctrl-C
    that lands in the middle of a wait, neither at its start nor at once)."""
    calls = 0

    def interrupted(arg: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return call(arg)

    return interrupted


class SleepRecorder:
    """A ``sleep`` that records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.delays.append(seconds)


@attrs.frozen
class EitherClient:
    """One of the two clients behind one awaitable face, for tests that make the
    same promise of both: the sync client's calls run in a worker thread
    (``asyncio.to_thread``), the async client's are awaited. ``kind`` says which
    (``"sync"`` or ``"async"``); the ``either`` fixture (conftest) gives each in turn."""

    kind: Literal["sync", "async"]
    sync: MusicClient
    aio: AsyncMusicClient

    @property
    def chosen(self) -> MusicClient | AsyncMusicClient:
        """The client of this kind, for what is not a call (settings, ``raw``)."""
        return self.sync if self.kind == "sync" else self.aio

    def with_options(self, **options: Any) -> EitherClient:
        """``with_options`` of both clients: a copy of each, sharing its pool."""
        return attrs.evolve(
            self, sync=self.sync.with_options(**options), aio=self.aio.with_options(**options)
        )

    async def close(self) -> None:
        """``close`` or ``aclose`` of the client of this kind."""
        if self.kind == "sync":
            self.sync.close()
        else:
            await self.aio.aclose()

    async def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "sync":
            return await asyncio.to_thread(getattr(self.sync, name), *args, **kwargs)
        return await getattr(self.aio, name)(*args, **kwargs)

    async def create(self, **kwargs: Any) -> MusicJob:
        job: MusicJob = await self._run("create", **kwargs)
        return job

    async def get(self, job_id: str, **kwargs: Any) -> MusicJob:
        job: MusicJob = await self._run("get", job_id, **kwargs)
        return job

    async def wait(self, job: MusicJob | str, **kwargs: Any) -> MusicJob:
        done: MusicJob = await self._run("wait", job, **kwargs)
        return done

    async def create_and_wait(self, **kwargs: Any) -> MusicJob:
        done: MusicJob = await self._run("create_and_wait", **kwargs)
        return done

    async def wait_many(self, jobs: Iterable[MusicJob | str], **kwargs: Any) -> list[WaitResult]:
        """Every result of ``wait_many``, in the order it gave them."""
        if self.kind == "sync":
            return await asyncio.to_thread(lambda: list(self.sync.wait_many(jobs, **kwargs)))
        return [result async for result in self.aio.wait_many(jobs, **kwargs)]

    async def download(
        self, source: MusicAudio | MusicClip | str, dest: Path, **kwargs: Any
    ) -> Path:
        path: Path = await self._run("download", source, dest, **kwargs)
        return path

    async def download_all(self, job: MusicJob, dest_dir: Path, **kwargs: Any) -> list[Path]:
        paths: list[Path] = await self._run("download_all", job, dest_dir, **kwargs)
        return paths


def absolute_imports(path: Path, tops: Iterable[str]) -> Iterator[ast.stmt]:
    """The ``import`` statements of ``path`` that name one of the top-level
    packages ``tops`` by absolute name (``import x.y``, ``from x import y``)."""
    wanted = set(tops)
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name.split(".")[0] in wanted for name in names):
            yield node
