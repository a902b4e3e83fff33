"""The ``ai-stats-music`` command: generate, status, wait, download, demo.

Standard library only (argparse), so the command needs no extra; ``import
ai_stats_music`` never imports this module. Each command is a function of the
parsed arguments that returns its exit code; failures are exceptions, turned
into one ``error:`` line (or a JSON object) and a documented exit code by
:func:`main`, never into a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn

import attrs

from ._audio import MusicAudio
from ._cli_display import Console, describe_job, human_size
from ._client import MusicClient
from ._core import API_KEY_ENV, API_KEY_ENVS, BASE_URL_ENV, BASE_URL_ENVS, check_job_id, env_api_key
from ._download import _BY_CONTENT_TYPE
from ._errors import (
    AIStatsError,
    APIError,
    APIStatusError,
    AuthenticationError,
    MusicJobFailed,
    MusicJobTimeout,
    PermissionDeniedError,
)
from ._models import MusicJob
from ._options import AudioFormat, build_request
from ._poll_policy import PollPolicy
from ._version import __version__

__all__ = ["Exit", "main"]

#: An active model that answers at once (the gateway waits for it inside the
#: create request); Suno is not routable today, so it is no default anywhere.
DEFAULT_MODEL: Final = "eleven-labs/music"
#: The demo's queued job: Suno, through the fake gateway's queued flow, the
#: flow the gateway's status route still serves.
QUEUED_MODEL: Final = "suno/v4.5plus"
DEBUG_ENV: Final = "AI_STATS_MUSIC_DEBUG"
#: Status reads that fail in a row before the command line warns (once per streak).
FAILED_POLLS_WARNING: Final = 3


class Exit(enum.IntEnum):
    """The exit codes of ``ai-stats-music`` (also in ``--help`` and docs/guide/cli.md)."""

    OK = 0
    API_ERROR = 1  # the gateway, the network or a download failed, or a file could not be written
    USAGE = 2  # the command line is wrong (argparse's own code)
    JOB_FAILED = 3  # the job ended in status "failed"
    TIMEOUT = 4  # the job did not finish within --timeout (it may still finish)
    CONFIG = 5  # no API key, a bad base URL, the key refused (401/403), the demo's extra missing
    NOT_READY = 6  # download: the job has not completed yet
    NO_AUDIO = 7  # the job completed but its answer carries no audio to save
    INTERNAL = 70  # a bug in this program (AI_STATS_MUSIC_DEBUG=1 shows the traceback)
    INTERRUPTED = 130  # Ctrl-C


EPILOG: Final = f"""\
environment:
  {API_KEY_ENV}   the API key (required, except by `demo`); never printed
                     (else {API_KEY_ENVS[1]}, the gateway's own SDK's variable)
  {BASE_URL_ENV}  the API's base URL (default https://api.phaseo.app/v1)
                     (else {BASE_URL_ENVS[1]})

exit codes:
  0    done
  1    API error: the gateway, the network or a download failed
  2    usage error: the command line is wrong
  3    the job failed
  4    timeout: the job did not finish within --timeout (it may still finish)
  5    configuration or authentication error: no API key, bad base URL, key refused
  6    download: the job has not completed yet
  7    the job completed but carries no audio: nothing was saved
  70   internal error (a bug; {DEBUG_ENV}=1 shows the traceback)
  130  interrupted

--json prints one JSON object on stdout when the command succeeds:
  {{"job": {{...}}}} for generate, status and wait;
  {{"job": {{...}}, "files": [{{"path", "bytes", "index", "content_type", "url",
  "inline", "clip_id", "title"}}, ...]}} when audio was saved, one entry per
  file. On failure stdout is empty and stderr holds one JSON object:
  {{"error": {{"type", "message", "exit_code", "job_id", ...}}}}.

Models: {DEFAULT_MODEL} (the default), google/lyria-3-clip-preview,
google/lyria-3-pro-preview, minimax/music-2.6 and minimax/music-3.0 answer at
once, completed: `generate` then saves the audio with or without --wait.

Start with `ai-stats-music demo`: the whole flow against a local fake gateway,
with no API key and no network.
"""

#: The demo's job lasts a few seconds of real time: this policy shows each status.
DEMO_POLICY: Final = PollPolicy(
    initial_delay=0.4, multiplier=1.0, max_delay=0.4, latency_bounds=(), timeout=60
)
DEMO_PROMPT: Final = "a calm lo-fi beat for a rainy afternoon"
#: How long the demo's synchronous create is held open, as the gateway holds it
#: while the provider generates (tens of seconds for real).
DEMO_GENERATION_SECONDS: Final = 1.0
DEMO_JOBS: Final = (
    (DEFAULT_MODEL, "answers at once: the gateway generates inside the create request"),
    (QUEUED_MODEL, "queues: the job is polled until it completes, then its clips downloaded"),
)


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
        """One line on stderr (or one JSON object), exit 2: never the usage block,
        which scrolls the one thing that matters off the screen."""
        console = Console(json_mode=self.json_errors, quiet=True)
        if not self.json_errors:
            message = f"{self.prog}: {message} (see {self.prog} --help)"
        console.error(message, code=Exit.USAGE, details={"type": "UsageError"})
        raise SystemExit(Exit.USAGE)


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


def _check_text(text: str) -> str:
    """``text`` if it can be sent; argv bytes that are not valid text in the
    terminal's encoding arrive as lone surrogates (``surrogateescape``), which
    no request can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        encoding = sys.getfilesystemencoding()
        raise argparse.ArgumentTypeError(
            f"not valid text in the terminal's encoding ({encoding}): {text!r:.80}"
        ) from None
    return text


def _text(what: str) -> Callable[[str], str]:
    """An argument type: text that can be sent, and not empty or blank."""

    def check(text: str) -> str:
        _check_text(text)
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{what} must not be empty or blank")
        return text

    check.__name__ = what  # argparse names the type in some messages
    return check


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
        type=_text("the base URL"),
        metavar="URL",
        help=f"the API's base URL (default: ${BASE_URL_ENV}, else ${BASE_URL_ENVS[1]}, "
        "else https://api.phaseo.app/v1)",
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
        description="Generate music with the Phaseo Gateway (formerly AI Stats Gateway), "
        "wait for it, save it.",
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
            "each audio gets a name of its own; files already there under the same "
            "names are replaced",
        )

    gen = command(
        "generate",
        "start a music generation job; save its audio when it is done at once "
        "(synchronous models) or, with --wait, once it completes",
    )
    gen.add_argument(
        "prompt", metavar="PROMPT", type=_text("the prompt"), help="what the music should be"
    )
    gen.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        type=_text("the model"),
        help=f"default: {DEFAULT_MODEL}; also google/lyria-3-clip-preview, "
        "google/lyria-3-pro-preview, minimax/music-2.6, minimax/music-3.0",
    )
    gen.add_argument("--duration", type=_positive_int, metavar="N", help="length in seconds")
    gen.add_argument(
        "--format",
        choices=[f.value for f in AudioFormat],
        help="audio format (" + ", ".join(f.value for f in AudioFormat) + "; "
        "ElevenLabs refuses aac, MiniMax takes mp3 and wav)",
    )
    gen.add_argument(
        "--wait",
        action="store_true",
        help="if the job is queued, wait for it; then save its audio",
    )
    out_option(gen, default=None, shown="the current directory")
    timeout_option(gen)

    status = command("status", "show a job's current status and clips")
    status.add_argument("job_id", metavar="JOB_ID", type=_job_id)

    wait = command("wait", "wait until a job ends; exit 0 when it completed")
    wait.add_argument("job_id", metavar="JOB_ID", type=_job_id)
    timeout_option(wait)

    download = command("download", "save every audio of a completed job (inline or URL)")
    download.add_argument("job_id", metavar="JOB_ID", type=_job_id)
    out_option(download, default=".", shown="the current directory")

    demo = command(
        "demo",
        "the whole flow against a local fake gateway: a job answered at once and a "
        "queued one; no API key, no network (needs the testing extra)",
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
    creating: bool = False  # a create request is in flight: a paid job may exist

    def client(self, *, api_key: str | None = None, base_url: str | None = None) -> MusicClient:
        key = api_key if api_key is not None else (env_api_key() or "").strip()
        if not key:
            raise CliError(
                f"no API key: set {API_KEY_ENVS[0]} (or {API_KEY_ENVS[1]}; "
                "`ai-stats-music demo` runs without one)",
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


def _see_through(run: _Run, start: Callable[..., MusicJob], policy: PollPolicy | None) -> MusicJob:
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
    suffix = path.suffix.lower()
    return next((kind for kind, ext in _BY_CONTENT_TYPE.items() if ext == suffix), None)


def _save_all(run: _Run, client: MusicClient, job: MusicJob) -> list[dict[str, Any]]:
    """Save every audio of a completed job in ``--out``, each under a name of its own.

    ``client.download_all`` picks the names (equal titles become ``Song.mp3``,
    ``Song (2).mp3``...), so no audio of this command overwrites another. A
    completed job with no audio at all is an error of its own (exit 7): the
    job was paid for, and an exit 0 with no file would hide that.
    """
    audios = job.audio
    if not audios:
        raise CliError(
            f"job {job.id} completed but its answer carries no audio: nothing was saved "
            f"(see it with: ai-stats-music status {job.id})",
            Exit.NO_AUDIO,
            job_id=job.id,
            job=job.to_dict(),
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


def _files_lines(files: list[dict[str, Any]]) -> list[str]:
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


def _generate_flow(
    run: _Run, client: MusicClient, *, policy: PollPolicy | None, wait: bool
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
        return job, _save_all(run, client, job)
    run.creating = True
    done = _see_through(run, functools.partial(client.create_and_wait, **request), policy)
    return done, _save_all(run, client, done)


def _summary(job: MusicJob, files: list[dict[str, Any]]) -> list[str]:
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


def cmd_generate(run: _Run) -> Exit:
    with run.client() as client:
        job, files = _generate_flow(run, client, policy=None, wait=run.args.wait)
    if files is None:
        human = [
            f"created job {job.id} ({job.status})",
            f"wait for it: ai-stats-music wait {job.id}",
        ]
        if run.args.out is not None:
            run.console.warn(
                f"job {job.id} is {job.status}: nothing saved yet; once it completes: "
                f"ai-stats-music download {job.id} --out {run.args.out}"
            )
        run.console.result(_job_payload(job), human, [job.id])
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
        run.job_ended = True
        files = _save_all(run, client, job)
    run.console.result(_job_payload(job, files), _files_lines(files), _files_lines(files))
    return Exit.OK


#: Proxy variables httpx reads (with trust_env) and the one that turns them off.
_NO_PROXY: Final = ("NO_PROXY", "no_proxy")


@contextlib.contextmanager
def _no_proxies() -> Iterator[None]:
    """No proxy for any request made inside: the demo's gateway is on loopback,
    and ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (which httpx honours, as
    curl does) would send its requests, and its audio downloads, to a proxy
    that cannot reach this machine's 127.0.0.1. ``NO_PROXY=*`` is the one
    setting every pool the client opens reads, the download pool included."""
    saved = {name: os.environ.get(name) for name in _NO_PROXY}
    for name in _NO_PROXY:
        os.environ[name] = "*"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cmd_demo(run: _Run) -> Exit:
    """Two jobs against the embedded fake gateway: one a synchronous provider
    answers at once (inline audio, saved), one queued and polled (Suno's flow,
    clips downloaded from URLs). The gateway is on loopback, reached with no
    proxy whatever the environment says."""
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
    # Suno queues its jobs (the 2025 flow, which the gateway's status route still
    # serves, with Suno's task ids); today's gateway routes it nowhere, so the
    # demo's gateway is told to.
    gateway = FakeGateway(
        default_script=script,
        queued=("suno/",),
        job_ids="task",
        generation_seconds=DEMO_GENERATION_SECONDS,
    )
    done: list[tuple[MusicJob, list[dict[str, Any]]]] = []
    # Each context is entered before the next is made: the client after the server.
    with (
        _no_proxies(),
        gateway.serve(),
        run.client(api_key=gateway.api_key, base_url=gateway.base_url) as client,
    ):
        for model, what in DEMO_JOBS:
            run.args.prompt, run.args.model = DEMO_PROMPT, model
            run.args.duration, run.args.format = 12, None
            run.job_id, run.job_ended = None, False
            console.note("")
            console.note(f"{model} {what}")
            console.note(
                f'$ ai-stats-music generate "{DEMO_PROMPT}" --model {model} --duration 12 --wait'
            )
            job, files = _generate_flow(run, client, policy=DEMO_POLICY, wait=True)
            assert files is not None
            done.append((job, files))
    human: list[str] = []
    for (job, files), (model, _) in zip(done, DEMO_JOBS, strict=True):
        human += [f"{model}:", *_summary(job, files), ""]
    human += [
        "That was the fake gateway. With a key, the same against the real API:",
        f"  export {API_KEY_ENV}=...",
        '  ai-stats-music generate "your prompt" --out songs',
    ]
    payload = {"jobs": [_job_payload(job, files) for job, files in done]}
    console.result(payload, human, [path for _, files in done for path in _files_lines(files)])
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
        details["polls"] = exc.polls
        details["failed_polls"] = exc.failed_polls
        last = exc.last_error
        details["last_error"] = (
            None if last is None else {"type": type(last).__name__, "message": str(last)}
        )
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
    try:
        args = build_parser(json_errors="--json" in argv).parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while starting: nothing was sent yet
        console = Console(json_mode="--json" in argv, quiet=True)
        message = "interrupted while starting up: nothing was sent"
        console.error(message, code=Exit.INTERRUPTED, details={"type": "Interrupted"})
        return Exit.INTERRUPTED
    console = Console(
        json_mode=getattr(args, "json", False),
        quiet=getattr(args, "quiet", False),
        secret=(env_api_key() or "").strip() or None,
    )
    run = _Run(args=args, console=console)
    try:
        return int(COMMANDS[args.command](run))
    except KeyboardInterrupt:
        return _interrupted(run)
    except BrokenPipeError:  # `ai-stats-music ... | head`: the reader left; not an error
        _silence_stdout()
        return Exit.OK
    except Exception as exc:
        code, details = _classify(exc)
        if code is Exit.INTERNAL and os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        console.error(_message(exc, run), code=code, details=details)
        return code


def _interrupted(run: _Run) -> Exit:
    """Ctrl-C: say what it leaves behind -- a job that goes on, one that ended,
    or, when the create request was in flight, a job that may exist (and may
    be charged for) although no id came back to find it by."""
    details: dict[str, Any] = {"type": "Interrupted"}
    if run.job_id is not None:
        details["job_id"] = run.job_id
    if run.job_id is not None and run.job_ended:
        hint = f"; job {run.job_id} had ended: ai-stats-music download {run.job_id}"
    elif run.job_id is not None:
        hint = f"; the job goes on: ai-stats-music status {run.job_id}"
    elif run.creating:
        details["job_may_exist"] = True
        hint = (
            " while the create request was in flight: a paid job may exist, but no id "
            "came back (check the gateway's usage before generating again)"
        )
    else:
        hint = ""
    run.console.error(f"interrupted{hint}", code=Exit.INTERRUPTED, details=details)
    return Exit.INTERRUPTED


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
