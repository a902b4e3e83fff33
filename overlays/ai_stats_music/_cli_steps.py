"""What the commands of ``ai-stats-music`` share: a run's state, a wait shown as
it goes, the create flow, and saving a job's audio with what the output says of it.

Each step takes the client it uses, and the :class:`Run` whose state an
interrupt reports (the job in hand, whether a paid create is in flight).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._audio import MusicAudio
from ._cli_display import Console, human_size
from ._cli_exits import CliError, Exit
from ._filenames import media_type_for
from ._job_errors import MusicJobFailed
from ._models import MusicJob
from ._options import build_request

if TYPE_CHECKING:
    from ._poll_policy import PollPolicy
    from ._sync_client import MusicClient

__all__ = [
    "FAILED_POLLS_WARNING",
    "Run",
    "files_lines",
    "generate_flow",
    "job_payload",
    "save_all",
    "see_through",
    "summary",
]

#: Status reads that fail in a row before the command line warns (once per streak).
FAILED_POLLS_WARNING: Final = 3


@attrs.define
class Run:
    """What a command needs: its arguments, the console, and the job in hand."""

    args: argparse.Namespace
    console: Console
    job_id: str | None = None  # once known: named in the message of an interrupt
    job_ended: bool = False
    creating: bool = False  # a create request is in flight: a paid job may exist


def job_payload(job: MusicJob, files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"job": job.to_dict()}
    if files is not None:
        payload["files"] = files
    return payload


class _FailedPolls(logging.Handler):
    """Warns on the console while a wait's status reads keep failing.

    The waits log a debug record per failed status read, carrying how many
    failed in a row; the warning is given when a streak reaches
    :data:`FAILED_POLLS_WARNING`, so once per streak: a read that succeeds
    starts the count again.
    """

    def __init__(self, console: Console) -> None:
        super().__init__(logging.DEBUG)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        in_a_row = getattr(record, "failed_in_a_row", None)
        if in_a_row != FAILED_POLLS_WARNING:
            return
        error = getattr(record, "error", None)
        last = f"{type(error).__name__}: {error}" if error is not None else "unknown"
        self.console.warn(
            f"{in_a_row} status reads of job {getattr(record, 'job_id', '?')} failed in a "
            f"row (the last: {last}); still trying until the deadline"
        )


@contextlib.contextmanager
def _warning_on_failed_polls(console: Console) -> Iterator[None]:
    logger = logging.getLogger("ai_stats_music")
    handler = _FailedPolls(console)
    level = logger.level
    logger.addHandler(handler)
    if not logger.isEnabledFor(logging.DEBUG):
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def see_through(run: Run, start: Callable[..., MusicJob], policy: PollPolicy | None) -> MusicJob:
    """Run a wait -- ``start(poll=..., on_update=..., [deadline=...])`` -- with progress.

    A failed job or a timeout raises, as the client does; the first status
    seen names the job, so that an interrupt can say which one goes on.
    """
    console = run.console

    def on_update(job: MusicJob) -> None:
        run.creating = False
        if run.job_id is None:
            run.job_id = job.id
            console.note(f"created job {job.id} ({run.args.model})")
        console.job_update(job)

    kwargs: dict[str, Any] = {"poll": policy, "on_update": on_update}
    timeout = getattr(run.args, "timeout", None)
    if timeout is not None:
        kwargs["deadline"] = timeout
    console.start_clock()
    try:
        with _warning_on_failed_polls(console):
            done = start(**kwargs)
    except MusicJobFailed as exc:
        run.job_ended = True
        console.job_finished(exc.job)
        raise
    run.job_ended = True
    console.job_finished(done)
    return done


def _content_type(audio: MusicAudio, path: Path) -> str | None:
    """What the audio is: as the answer says, else as its saved file's extension says
    (the extension of a downloaded file comes from the ``Content-Type`` it was served with)."""
    if audio.content_type is not None:
        return audio.content_type
    return media_type_for(path.suffix)


def save_all(run: Run, client: MusicClient, job: MusicJob) -> list[dict[str, Any]]:
    """Save every audio of a completed job in ``--out``, each under a name of its own.

    ``client.download_all`` picks the names (equal titles become ``Song.mp3``,
    ``Song (2).mp3``...), so no audio of this command overwrites another. A
    completed job with no audio at all is an error of its own (exit 7): the
    job was paid for, and an exit 0 with no file would hide that.
    """
    audios = job.audio
    if not audios:
        raise CliError.about_job(
            job,
            f"job {job.id} completed but its answer carries no audio: nothing was saved "
            f"(see it with: ai-stats-music status {job.id})",
            Exit.NO_AUDIO,
        )
    out = Path(run.args.out or ".")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(
            f"cannot create {out}: {exc.strerror or exc}", Exit.API_ERROR, job_id=job.id
        ) from None
    bars = {audio.index: run.console.download_progress(audio, len(audios)) for audio in audios}

    def progress(audio: MusicAudio, done: int, total: int | None) -> None:
        bars[audio.index](done, total)

    try:
        paths = client.download_all(job, out, progress=progress)
    except ValueError as exc:  # the gateway gave a URL that is not http(s)
        raise CliError(f"job {job.id}: {exc}", Exit.API_ERROR, job_id=job.id) from None
    files = []
    for audio, path in zip(audios, paths, strict=True):
        size = path.stat().st_size
        run.console.saved(path, size)
        files.append(
            {
                "path": str(path.resolve()),
                "bytes": size,
                "index": audio.index,
                "content_type": _content_type(audio, path),
                "url": audio.url,
                "inline": audio.is_inline,
                "clip_id": None if audio.clip is None else audio.clip.id,
                "title": audio.title,
            }
        )
    return files


def files_lines(files: list[dict[str, Any]]) -> list[str]:
    return [str(f["path"]) for f in files]


def _request(args: argparse.Namespace) -> dict[str, Any]:
    """The create's parameters, checked as the client checks them, before
    anything is sent: a refusal here is the command line's fault (exit 2)."""
    request = {
        "model": args.model,
        "prompt": args.prompt,
        "duration": args.duration,
        "format": args.format,
    }
    try:
        build_request(**request)
    except (ValueError, TypeError) as exc:
        raise CliError(str(exc), Exit.USAGE, type="UsageError") from None
    return request


def generate_flow(
    run: Run, client: MusicClient, *, policy: PollPolicy | None, wait: bool
) -> tuple[MusicJob, list[dict[str, Any]] | None]:
    """Create the job; see it through with ``wait``; save its audio once completed.

    Without ``wait`` the audio is saved only when the create already answered
    completed (a synchronous provider: the gateway generated it inside the
    request); a queued job is left to ``wait`` and ``download``.
    """
    request = _request(run.args)
    if not wait:
        run.creating = True
        job = client.create(**request)
        run.creating, run.job_id = False, job.id
        if not job.is_completed:
            return job, None
        run.job_ended = True
        run.console.note(f"job {job.id} completed at once ({job.model or run.args.model})")
        return job, save_all(run, client, job)
    run.creating = True
    done = see_through(run, functools.partial(client.create_and_wait, **request), policy)
    return done, save_all(run, client, done)


def summary(job: MusicJob, files: list[dict[str, Any]]) -> list[str]:
    count = len(files) or len(job.audio)
    lines = [f"job {job.id} completed: {count} audio file(s)"]
    usage = job.usage
    if usage is not None and usage.output_audio_seconds is not None:
        clips = "" if usage.output_audio_count is None else f"{usage.output_audio_count} clip(s), "
        lines.append(f"usage: {clips}{usage.output_audio_seconds:g} s of audio")
    if files:
        total = sum(int(f["bytes"]) for f in files)
        lines.append(f"saved {len(files)} file(s), {human_size(total)}:")
        lines += [f"  {f['path']}" for f in files]
    return lines
