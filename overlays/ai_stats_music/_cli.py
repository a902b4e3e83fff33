"""The ``ai-stats-music`` command: generate, status, wait, download, demo.

Standard library only (argparse), so the command needs no extra; ``import
ai_stats_music`` never imports this module. Each command is a function of the
parsed arguments that returns its exit code; failures are exceptions, turned
into one ``error:`` line (or a JSON object) and a documented exit code by
:func:`main`, never into a traceback.
"""

from __future__ import annotations

import argparse
import enum
import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn

import attrs

from ._cli_display import Console, describe_job, human_size
from ._client import MusicClient
from ._core import API_KEY_ENV, BASE_URL_ENV, check_job_id
from ._download import safe_stem
from ._errors import (
    AIStatsError,
    APIError,
    APIStatusError,
    AuthenticationError,
    MusicJobFailed,
    MusicJobTimeout,
    PermissionDeniedError,
)
from ._models import MusicClip, MusicJob
from ._options import AudioFormat
from ._polling import PollPolicy
from ._version import __version__

__all__ = ["Exit", "main"]

DEFAULT_MODEL: Final = "suno/v4.5plus"
DEBUG_ENV: Final = "AI_STATS_MUSIC_DEBUG"


class Exit(enum.IntEnum):
    """The exit codes of ``ai-stats-music`` (also in ``--help`` and the README)."""

    OK = 0
    API_ERROR = 1  # the gateway, the network or a download failed, or a file could not be written
    USAGE = 2  # the command line is wrong (argparse's own code)
    JOB_FAILED = 3  # the job ended in status "failed"
    TIMEOUT = 4  # the job did not finish within --timeout (it may still finish)
    CONFIG = 5  # no API key, a bad base URL, the key refused (401/403), the demo's extra missing
    NOT_READY = 6  # download: the job has not completed yet
    INTERNAL = 70  # a bug in this program (AI_STATS_MUSIC_DEBUG=1 shows the traceback)
    INTERRUPTED = 130  # Ctrl-C


EPILOG: Final = f"""\
environment:
  {API_KEY_ENV}   the API key (required, except by `demo`); never printed
  {BASE_URL_ENV}  the API's base URL (default https://api.phaseo.app/v1)

exit codes:
  0    done
  1    API error: the gateway, the network or a download failed
  2    usage error: the command line is wrong
  3    the job failed
  4    timeout: the job did not finish within --timeout (it may still finish)
  5    configuration or authentication error: no API key, bad base URL, key refused
  6    download: the job has not completed yet
  70   internal error (a bug; {DEBUG_ENV}=1 shows the traceback)
  130  interrupted

--json prints one JSON object on stdout when the command succeeds:
  {{"job": {{...}}}} for generate, status and wait;
  {{"job": {{...}}, "files": [{{"path", "bytes", "clip_id", "index"}}, ...]}}
  when files were downloaded. On failure stdout is empty and stderr holds one
  JSON object: {{"error": {{"type", "message", "exit_code", "job_id", ...}}}}.

Start with `ai-stats-music demo`: the whole flow against a local fake gateway,
with no API key and no network.
"""

#: The demo's job lasts a few seconds of real time: this policy shows each status.
DEMO_POLICY: Final = PollPolicy(
    initial_delay=0.4, multiplier=1.0, max_delay=0.4, latency_bounds=(), timeout=60
)
DEMO_PROMPT: Final = "a calm lo-fi beat for a rainy afternoon"


class CliError(Exception):
    """A failure the command line reports itself, with its exit code."""

    def __init__(self, message: str, code: Exit, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details


# -- the parser ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as JSON under ``--json``."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if self.json_errors:
            console = Console(json_mode=True, quiet=True)
            console.error(message, code=Exit.USAGE, details={"type": "UsageError"})
            raise SystemExit(Exit.USAGE)
        super().error(message)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number: {text!r}")
    return value


def _job_id(text: str) -> str:
    try:
        return check_job_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser(*, json_errors: bool = False) -> argparse.ArgumentParser:
    """The parser; with ``json_errors`` its usage errors are JSON objects on stderr."""
    common = _Parser(add_help=False)
    options = common.add_argument_group("global options (before or after the command)")
    options.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"the API's base URL (default: ${BASE_URL_ENV}, else https://api.phaseo.app/v1)",
    )
    options.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="machine-readable output: one JSON object on stdout, errors as JSON on stderr",
    )
    options.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress; print only job ids and file paths",
    )

    parser = _Parser(
        prog="ai-stats-music",
        description="Generate music with the AI Stats Gateway, wait for it, download it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.json_errors = json_errors
    parser.add_argument("--version", action="version", version=f"ai-stats-music {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(
            name,
            help=help,
            description=help,
            parents=[common],
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        assert isinstance(sub, _Parser)
        sub.json_errors = json_errors
        return sub

    def timeout_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--timeout",
            type=_positive_float,
            metavar="S",
            help="give up waiting after S seconds (default 600); the job may still finish",
        )

    def out_option(sub: argparse.ArgumentParser, *, default: str | None, shown: str) -> None:
        sub.add_argument(
            "--out",
            metavar="DIR",
            default=default,
            help=f"directory for the audio files, created if missing (default: {shown}); "
            "files already there under the same names are replaced",
        )

    gen = command("generate", "start a music generation job (and with --wait, see it through)")
    gen.add_argument("prompt", metavar="PROMPT", help="what the music should be")
    gen.add_argument("--model", default=DEFAULT_MODEL, help=f"default: {DEFAULT_MODEL}")
    gen.add_argument("--duration", type=_positive_int, metavar="N", help="length in seconds")
    gen.add_argument("--format", choices=[f.value for f in AudioFormat], help="audio format")
    gen.add_argument(
        "--wait", action="store_true", help="wait for the job, then download its clips"
    )
    out_option(gen, default=None, shown="the current directory; needs --wait")
    timeout_option(gen)

    status = command("status", "show a job's current status and clips")
    status.add_argument("job_id", metavar="JOB_ID", type=_job_id)

    wait = command("wait", "wait until a job ends; exit 0 when it completed")
    wait.add_argument("job_id", metavar="JOB_ID", type=_job_id)
    timeout_option(wait)

    download = command("download", "download the clips of a completed job")
    download.add_argument("job_id", metavar="JOB_ID", type=_job_id)
    out_option(download, default=".", shown="the current directory")

    demo = command(
        "demo",
        "the whole flow against a local fake gateway: no API key, no network "
        "(needs the testing extra)",
    )
    out_option(demo, default="demo-output", shown="demo-output")
    return parser


# -- commands -----------------------------------------------------------------------------


@attrs.define
class _Run:
    """What a command needs: its arguments, the console, and the job in hand."""

    args: argparse.Namespace
    console: Console
    job_id: str | None = None  # once known: named in the message of an interrupt
    job_ended: bool = False

    def client(self, *, api_key: str | None = None, base_url: str | None = None) -> MusicClient:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "").strip()
        if not key:
            raise CliError(
                f"no API key: set {API_KEY_ENV} (`ai-stats-music demo` runs without one)",
                Exit.CONFIG,
                type="ConfigError",
            )
        try:
            return MusicClient(
                api_key=key,
                base_url=base_url or getattr(self.args, "base_url", None),
                sleep=self.console.sleep,
            )
        except (AIStatsError, ValueError) as exc:
            raise CliError(str(exc), Exit.CONFIG, type="ConfigError") from None


def _job_payload(job: MusicJob, files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"job": job.to_dict()}
    if files is not None:
        payload["files"] = files
    return payload


def _see_through(run: _Run, start: Callable[..., MusicJob], policy: PollPolicy | None) -> MusicJob:
    """Run a wait -- ``start(poll=..., on_update=..., [deadline=...])`` -- with progress.

    A failed job or a timeout raises, as the client does; the first status
    seen names the job, so that an interrupt can say which one goes on.
    """
    console = run.console

    def on_update(job: MusicJob) -> None:
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
        done = start(**kwargs)
    except MusicJobFailed as exc:
        run.job_ended = True
        console.job_finished(exc.job)
        raise
    run.job_ended = True
    console.job_finished(done)
    return done


def _distinct_titles(clips: Sequence[MusicClip]) -> list[MusicClip]:
    """The clips, retitled ``"Title (2)"``... where titles collide (Suno makes two
    clips of one title), so that each gets a file of its own in one directory."""
    seen: dict[str, int] = {}
    for clip in clips:
        key = safe_stem(clip.title or "").casefold()
        seen[key] = seen.get(key, 0) + 1
    result = []
    counts: dict[str, int] = {}
    for clip in clips:
        key = safe_stem(clip.title or "").casefold()
        if key and seen[key] > 1:
            counts[key] = counts.get(key, 0) + 1
            clip = attrs.evolve(clip, title=f"{clip.title} ({counts[key]})")
        result.append(clip)
    return result


def _download_all(run: _Run, client: MusicClient, job: MusicJob) -> list[dict[str, Any]]:
    out = Path(run.args.out or ".")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create {out}: {exc.strerror or exc}", Exit.API_ERROR) from None
    clips = _distinct_titles(job.output)
    files = []
    for n, clip in enumerate(clips, 1):
        if not (clip.audio_url or clip.stream_audio_url):
            raise CliError(
                f"clip {clip.index} of job {job.id} has no audio URL",
                Exit.API_ERROR,
                job_id=job.id,
            )
        progress = run.console.download_progress(clip, n, len(clips))
        try:
            path = client.download(clip, out, progress=progress)
        except ValueError as exc:  # the gateway gave a URL that is not http(s)
            raise CliError(f"clip {clip.index} of job {job.id}: {exc}", Exit.API_ERROR) from None
        size = path.stat().st_size
        run.console.saved(path, size)
        files.append(
            {"path": str(path.resolve()), "bytes": size, "clip_id": clip.id, "index": clip.index}
        )
    return files


def _files_lines(files: list[dict[str, Any]]) -> list[str]:
    return [str(f["path"]) for f in files]


def _generate_flow(
    run: _Run, client: MusicClient, *, policy: PollPolicy | None, wait: bool
) -> tuple[MusicJob, list[dict[str, Any]] | None]:
    args = run.args
    request = {
        "model": args.model,
        "prompt": args.prompt,
        "duration": args.duration,
        "format": args.format,
    }
    if not wait:
        job = client.create(**request)
        run.job_id = job.id
        return job, None
    done = _see_through(run, functools.partial(client.create_and_wait, **request), policy)
    return done, _download_all(run, client, done)


def _summary(job: MusicJob, files: list[dict[str, Any]]) -> list[str]:
    lines = [f"job {job.id} completed: {len(job.output)} clip(s)"]
    usage = job.usage
    if usage is not None and usage.output_audio_seconds is not None:
        count = usage.output_audio_count if usage.output_audio_count is not None else "?"
        lines.append(f"usage: {count} clip(s), {usage.output_audio_seconds:g} s of audio")
    if files:
        total = sum(int(f["bytes"]) for f in files)
        lines.append(f"saved {len(files)} file(s), {human_size(total)}:")
        lines += [f"  {f['path']}" for f in files]
    return lines


def cmd_generate(run: _Run) -> Exit:
    if not run.args.wait and run.args.out is not None:
        raise CliError(
            "--out needs --wait (the clips exist once the job completes)",
            Exit.USAGE,
            type="UsageError",
        )
    with run.client() as client:
        job, files = _generate_flow(run, client, policy=None, wait=run.args.wait)
    if files is None:
        run.console.result(
            _job_payload(job),
            [f"created job {job.id} ({job.status})", f"wait for it: ai-stats-music wait {job.id}"],
            [job.id],
        )
    else:
        run.console.result(_job_payload(job, files), _summary(job, files), _files_lines(files))
    return Exit.OK


def cmd_status(run: _Run) -> Exit:
    with run.client() as client:
        run.job_id = run.args.job_id
        job = client.get(run.args.job_id)
    run.console.result(_job_payload(job), describe_job(job), [str(job.status)])
    return Exit.OK


def cmd_wait(run: _Run) -> Exit:
    with run.client() as client:
        run.job_id = run.args.job_id
        job = _see_through(run, functools.partial(client.wait, run.args.job_id), None)
    run.console.result(_job_payload(job), describe_job(job), [job.id])
    return Exit.OK


def cmd_download(run: _Run) -> Exit:
    with run.client() as client:
        run.job_id = run.args.job_id
        job = client.get(run.args.job_id)
        if job.is_failed:
            raise MusicJobFailed(job)
        if not job.is_completed:
            raise CliError(
                f"job {job.id} is {job.status}, not completed: nothing to download yet "
                f"(wait for it: ai-stats-music wait {job.id})",
                Exit.NOT_READY,
                job_id=job.id,
                job=job.to_dict(),
            )
        files = _download_all(run, client, job)
    run.console.result(_job_payload(job, files), _files_lines(files), _files_lines(files))
    return Exit.OK


def cmd_demo(run: _Run) -> Exit:
    try:
        from .testing import FakeGateway, JobScript
    except ImportError:
        raise CliError(
            "the demo needs the fake gateway: pip install 'ai-stats-music[testing]'",
            Exit.CONFIG,
            type="ConfigError",
        ) from None
    script = JobScript(timeline=[("queued", 1.0), ("in_progress", 3.0)], clips=2)
    console = run.console
    console.note("demo: a local fake gateway stands in for the API (no API key, no network)")
    # Suno queues its jobs (the 2025 flow the demo shows, with Suno's task ids);
    # today's gateway routes it nowhere, so the demo's gateway is told to.
    gateway = FakeGateway(default_script=script, queued=("suno/",), job_ids="task")
    with gateway.serve():
        run.args.prompt, run.args.model = DEMO_PROMPT, DEFAULT_MODEL
        run.args.duration, run.args.format = 12, None
        console.note(f'$ ai-stats-music generate "{DEMO_PROMPT}" --duration 12 --wait')
        with run.client(api_key=gateway.api_key, base_url=gateway.base_url) as client:
            job, files = _generate_flow(run, client, policy=DEMO_POLICY, wait=True)
    assert files is not None
    human = [
        *_summary(job, files),
        "",
        "That was the fake gateway. With a key, the same against the real API:",
        f"  export {API_KEY_ENV}=...",
        '  ai-stats-music generate "your prompt" --wait --out songs',
    ]
    console.result(_job_payload(job, files), human, _files_lines(files))
    return Exit.OK


COMMANDS: Final = {
    "generate": cmd_generate,
    "status": cmd_status,
    "wait": cmd_wait,
    "download": cmd_download,
    "demo": cmd_demo,
}


# -- errors -------------------------------------------------------------------------------


def _classify(exc: BaseException) -> tuple[Exit, dict[str, Any]]:
    """The exit code and the JSON details of a failure."""
    details: dict[str, Any] = {"type": type(exc).__name__}
    job_id = getattr(exc, "job_id", None)
    if job_id is not None:
        details["job_id"] = job_id
    if isinstance(exc, CliError):
        details.update(exc.details)
        return exc.code, details
    if isinstance(exc, APIStatusError):
        details["status_code"] = exc.status_code
    if isinstance(exc, MusicJobFailed):
        details["job"] = exc.job.to_dict()
        return Exit.JOB_FAILED, details
    if isinstance(exc, MusicJobTimeout):
        details["job"] = exc.last_job.to_dict() if exc.last_job is not None else None
        return Exit.TIMEOUT, details
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return Exit.CONFIG, details
    if isinstance(exc, APIError | OSError):
        return Exit.API_ERROR, details
    if isinstance(exc, AIStatsError):
        return Exit.CONFIG, details
    return Exit.INTERNAL, details


def _message(exc: BaseException, run: _Run) -> str:
    if isinstance(exc, MusicJobTimeout):
        return f"{exc} (ai-stats-music wait {exc.job_id})"
    if isinstance(exc, OSError) and not isinstance(exc, AIStatsError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot write{where}: {exc.strerror or exc}"
    if isinstance(exc, AIStatsError | CliError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ai-stats-music`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(json_errors="--json" in argv).parse_args(argv)
    console = Console(
        json_mode=getattr(args, "json", False),
        quiet=getattr(args, "quiet", False),
        secret=os.environ.get(API_KEY_ENV, "").strip() or None,
    )
    run = _Run(args=args, console=console)
    try:
        return int(COMMANDS[args.command](run))
    except KeyboardInterrupt:
        hint = ""
        if run.job_id is not None and run.job_ended:
            hint = f"; job {run.job_id} had ended: ai-stats-music download {run.job_id}"
        elif run.job_id is not None:
            hint = f"; the job goes on: ai-stats-music status {run.job_id}"
        details: dict[str, Any] = {"type": "Interrupted"}
        if run.job_id is not None:
            details["job_id"] = run.job_id
        console.error(f"interrupted{hint}", code=Exit.INTERRUPTED, details=details)
        return Exit.INTERRUPTED
    except BrokenPipeError:  # `ai-stats-music ... | head`: the reader left; not an error
        _silence_stdout()
        return Exit.OK
    except Exception as exc:
        code, details = _classify(exc)
        if code is Exit.INTERNAL and os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        console.error(_message(exc, run), code=code, details=details)
        return code


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
