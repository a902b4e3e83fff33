"""Saving audio to disk, whole or not at all: the sync and async drivers.

Audio comes as a URL on a CDN, another origin than the API's, or inline in
the answer (base64, or a ``data:`` URI). Downloads go through a client of
their own that carries no credentials and none of the caller's headers, and
follows redirects itself (to http(s) URLs only); inline audio is decoded and
written through the same file machinery, under the same naming rules.

Every decision is :class:`~._download_plan.Plan`'s (without I/O); the file is
a :class:`~._partfile.PartFile`, renamed into place once complete. The
drivers here only move bytes between the two: :func:`fetch_sync` and
:func:`fetch_async` see one plan through, and ``download_all`` is one
:class:`Batch` of plans, one audio at a time, in order.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeAlias

import httpx

from ._audio import MusicAudio
from ._destination import existing_directory
from ._download_plan import Plan, Progress, Source
from ._errors import AIStatsError
from ._filenames import NameBook
from ._models import MusicJob
from ._partfile import PartFile

__all__ = [
    "AllProgress",
    "Batch",
    "DownloadTimeout",
    "Progress",
    "download_all_async",
    "download_all_sync",
    "download_async",
    "download_sync",
    "fetch_async",
    "fetch_sync",
    "new_async_client",
    "new_sync_client",
]

AllProgress: TypeAlias = Callable[[MusicAudio, int, int | None], object]
"""``progress(audio, done_bytes, total_bytes_or_None)``, for ``download_all``: the
:data:`Progress` of each audio in turn, with the audio it is about."""

DownloadTimeout: TypeAlias = float | httpx.Timeout | None


_HEADERS: Final = {"Accept-Encoding": "identity"}


def new_sync_client(*, user_agent: str) -> httpx.Client:
    """The client downloads go through: no credentials, no caller headers, no redirects
    followed by httpx (the plan follows them), identity encoding (so that the bytes
    counted are the bytes written). Each download passes its own timeout."""
    return httpx.Client(follow_redirects=False, headers={**_HEADERS, "User-Agent": user_agent})


def new_async_client(*, user_agent: str) -> httpx.AsyncClient:
    """The async twin of :func:`new_sync_client`."""
    return httpx.AsyncClient(follow_redirects=False, headers={**_HEADERS, "User-Agent": user_agent})


def download_sync(
    pool: Callable[[], httpx.Client],
    source: Source,
    dest: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    timeout: DownloadTimeout,
) -> Path:
    """Save ``source`` to ``dest`` (see ``MusicClient.download``); ``pool()`` gives
    the download client, asked for only when there is something to fetch."""
    return fetch_sync(pool, Plan(source, dest, progress=progress), timeout=timeout)


async def download_async(
    pool: Callable[[], httpx.AsyncClient],
    source: Source,
    dest: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    timeout: DownloadTimeout,
) -> Path:
    """The async twin of :func:`download_sync` (see :func:`fetch_async`)."""
    return await fetch_async(pool, Plan(source, dest, progress=progress), timeout=timeout)


def fetch_sync(pool: Callable[[], httpx.Client], plan: Plan, *, timeout: DownloadTimeout) -> Path:
    """See ``plan`` through: write its inline audio, or fetch its URL; the path saved."""
    if plan.inline is not None:
        part = plan.write_inline()
        try:
            plan.report_inline()
            return plan.commit(part)
        finally:
            part.discard()
    http = pool()
    while True:
        try:
            with http.stream("GET", plan.url, timeout=timeout) as response:
                if plan.redirected(response):
                    continue
                if not response.is_success:
                    response.read()
                    raise plan.status_failure(response)
                part = plan.open(response)
                try:
                    for chunk in response.iter_bytes():
                        part.write(chunk)
                        plan.advance(response.num_bytes_downloaded)
                    plan.finish()
                    part.sync()
                    return plan.commit(part)
                finally:
                    part.discard()
        except httpx.HTTPError as exc:
            raise plan.transport_failure(exc) from exc
        except httpx.InvalidURL as exc:  # httpx parses a redirect's Location on its own
            raise plan.bad_location(exc) from None


async def fetch_async(
    pool: Callable[[], httpx.AsyncClient], plan: Plan, *, timeout: DownloadTimeout
) -> Path:
    """The async twin of :func:`fetch_sync`.

    Chunks are written from the event loop (a write of one chunk to the page
    cache takes microseconds); the final ``fsync``, which can take longer, runs
    in a thread, as does all of saving inline audio (decoding megabytes of
    base64 included). Cancelled meanwhile, the download waits for that thread
    to return, removes the temporary file, and lets the cancellation through.
    """
    if plan.inline is not None:
        parts: list[PartFile] = []
        try:
            await _in_thread(lambda: parts.append(plan.write_inline()))
            plan.report_inline()
            return plan.commit(parts[0])
        finally:
            for written in parts:
                written.discard()
    http = pool()
    while True:
        try:
            async with http.stream("GET", plan.url, timeout=timeout) as response:
                if plan.redirected(response):
                    continue
                if not response.is_success:
                    await response.aread()
                    raise plan.status_failure(response)
                part = plan.open(response)
                try:
                    async for chunk in response.aiter_bytes():
                        part.write(chunk)
                        plan.advance(response.num_bytes_downloaded)
                    plan.finish()
                    await _in_thread(part.sync)
                    return plan.commit(part)
                finally:
                    part.discard()
        except httpx.HTTPError as exc:
            raise plan.transport_failure(exc) from exc
        except httpx.InvalidURL as exc:  # httpx parses a redirect's Location on its own
            raise plan.bad_location(exc) from None


class Batch:
    """One ``download_all``: its directory, the names given in it, the files saved.

    The sync and async ``download_all`` differ only in how they fetch one plan:
    :meth:`step` makes the plan of each audio and, should that audio fail,
    says on the error what the batch leaves behind.
    """

    def __init__(
        self, job: object, dest_dir: str | os.PathLike[str], progress: AllProgress | None
    ) -> None:
        if not isinstance(job, MusicJob):
            raise TypeError(f"download_all takes a MusicJob, not {type(job).__name__}")
        self.job = job
        self.directory = existing_directory(dest_dir)
        self.names = NameBook()
        self.saved: list[Path] = []
        self._progress = progress

    @contextlib.contextmanager
    def step(self, audio: MusicAudio) -> Iterator[Plan]:
        """The plan that saves ``audio``; a failure inside is noted on the error."""
        try:
            yield Plan(
                audio,
                self.directory,
                progress=_progress_of(self._progress, audio),
                names=self.names,
            )
        except BaseException as exc:
            self._note_failure(exc, audio)
            raise

    def _note_failure(self, exc: BaseException, audio: MusicAudio) -> None:
        """Say on ``exc`` what a failed ``download_all`` left: the files saved before it stay."""
        if isinstance(exc, AIStatsError) and exc.job_id is None:
            exc.job_id = self.job.id
        kept = ", ".join(str(p) for p in self.saved) or "none"
        exc.add_note(
            f"download_all of job {self.job.id!r:.200} stopped at audio {audio.index} "
            f"({audio.field}): {len(self.saved)} of {len(self.job.audio)} saved before it, "
            f"and kept: {kept}"
        )


def download_all_sync(
    pool: Callable[[], httpx.Client],
    job: MusicJob,
    dest_dir: str | os.PathLike[str],
    *,
    progress: AllProgress | None = None,
    timeout: DownloadTimeout,
) -> list[Path]:
    """Save every audio of ``job`` in ``dest_dir`` (see ``MusicClient.download_all``)."""
    batch = Batch(job, dest_dir, progress)
    for audio in job.audio:
        with batch.step(audio) as plan:
            batch.saved.append(fetch_sync(pool, plan, timeout=timeout))
    return batch.saved


async def download_all_async(
    pool: Callable[[], httpx.AsyncClient],
    job: MusicJob,
    dest_dir: str | os.PathLike[str],
    *,
    progress: AllProgress | None = None,
    timeout: DownloadTimeout,
) -> list[Path]:
    """The async twin of :func:`download_all_sync` (one audio at a time, in order)."""
    batch = Batch(job, dest_dir, progress)
    for audio in job.audio:
        with batch.step(audio) as plan:
            batch.saved.append(await fetch_async(pool, plan, timeout=timeout))
    return batch.saved


def _progress_of(progress: AllProgress | None, audio: MusicAudio) -> Progress | None:
    if progress is None:
        return None
    return lambda done, total: progress(audio, done, total)


async def _in_thread(func: Callable[[], None]) -> None:
    """Run ``func`` in a thread; if cancelled, still wait for it to return first,
    so that nothing touches its file while it runs (AnyIO: asyncio or trio)."""
    import anyio
    import anyio.lowlevel

    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(func)
    await anyio.lowlevel.checkpoint()  # a cancellation that came meanwhile: now
