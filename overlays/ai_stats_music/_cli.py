"""The ``ai-stats-music`` command: generate, status, wait, download, demo.

Standard library only (argparse), so the command needs no extra; ``import
ai_stats_music`` never imports this module. Each command is a function of the
parsed arguments that returns its exit code; failures are exceptions, turned
into one ``error:`` line (or a JSON object) and a documented exit code by
:func:`main`, never into a traceback.

Here: the commands and :func:`main`. The parser is in :mod:`._cli_parser`,
the steps the commands share in :mod:`._cli_steps`, the exit codes and which
failure gets which in :mod:`._cli_exits`, the output in :mod:`._cli_display`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any, Final

from ._cli_display import Console, describe_job
from ._cli_exits import DEBUG_ENV, CliError, Exit, classify, failure_message
from ._cli_parser import DEFAULT_MODEL, build_parser
from ._cli_steps import (
    Run,
    files_lines,
    generate_flow,
    job_payload,
    save_all,
    see_through,
    summary,
)
from ._config import API_KEY_ENV, API_KEY_ENVS, env_api_key
from ._errors import AIStatsError
from ._job_errors import MusicJobFailed
from ._models import MusicJob
from ._poll_policy import PollPolicy
from ._sync_client import MusicClient

__all__ = ["Exit", "main"]

#: The demo's queued job: Suno, through the fake gateway's queued flow, the
#: flow the gateway's status route still serves.
QUEUED_MODEL: Final = "suno/v4.5plus"

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


def _client(run: Run, *, api_key: str | None = None, base_url: str | None = None) -> MusicClient:
    """The command's client: the key from the environment unless given, progress
    shown while it sleeps; a missing key or a bad base URL is a configuration error."""
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
            base_url=base_url or getattr(run.args, "base_url", None),
            sleep=run.console.sleep,
        )
    except (AIStatsError, ValueError) as exc:
        raise CliError(str(exc), Exit.CONFIG, type="ConfigError") from None


def cmd_generate(run: Run) -> Exit:
    with _client(run) as client:
        job, files = generate_flow(run, client, policy=None, wait=run.args.wait)
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
        run.console.result(job_payload(job), human, [job.id])
    else:
        run.console.result(job_payload(job, files), summary(job, files), files_lines(files))
    return Exit.OK


def cmd_status(run: Run) -> Exit:
    with _client(run) as client:
        run.job_id = run.args.job_id
        job = client.get(run.args.job_id)
    run.console.result(job_payload(job), describe_job(job), [str(job.status)])
    return Exit.OK


def cmd_wait(run: Run) -> Exit:
    with _client(run) as client:
        run.job_id = run.args.job_id
        job = see_through(run, functools.partial(client.wait, run.args.job_id), None)
    run.console.result(job_payload(job), describe_job(job), [job.id])
    return Exit.OK


def cmd_download(run: Run) -> Exit:
    with _client(run) as client:
        run.job_id = run.args.job_id
        job = client.get(run.args.job_id)
        if job.is_failed:
            raise MusicJobFailed(job)
        if not job.is_completed:
            raise CliError.about_job(
                job,
                f"job {job.id} is {job.status}, not completed: nothing to download yet "
                f"(wait for it: ai-stats-music wait {job.id})",
                Exit.NOT_READY,
            )
        run.job_ended = True
        files = save_all(run, client, job)
    run.console.result(job_payload(job, files), files_lines(files), files_lines(files))
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


def cmd_demo(run: Run) -> Exit:
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
        _client(run, api_key=gateway.api_key, base_url=gateway.base_url) as client,
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
            job, files = generate_flow(run, client, policy=DEMO_POLICY, wait=True)
            assert files is not None
            done.append((job, files))
    human: list[str] = []
    for (job, files), (model, _) in zip(done, DEMO_JOBS, strict=True):
        human += [f"{model}:", *summary(job, files), ""]
    human += [
        "That was the fake gateway. With a key, the same against the real API:",
        f"  export {API_KEY_ENV}=...",
        '  ai-stats-music generate "your prompt" --out songs',
    ]
    payload = {"jobs": [job_payload(job, files) for job, files in done]}
    console.result(payload, human, [path for _, files in done for path in files_lines(files)])
    return Exit.OK


COMMANDS: Final = {
    "generate": cmd_generate,
    "status": cmd_status,
    "wait": cmd_wait,
    "download": cmd_download,
    "demo": cmd_demo,
}


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
    run = Run(args=args, console=console)
    try:
        return int(COMMANDS[args.command](run))
    except KeyboardInterrupt:
        return _interrupted(run)
    except BrokenPipeError:  # `ai-stats-music ... | head`: the reader left; not an error
        _silence_stdout()
        return Exit.OK
    except Exception as exc:
        code, details = classify(exc)
        if code is Exit.INTERNAL and os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        console.error(failure_message(exc), code=code, details=details)
        return code


def _interrupted(run: Run) -> Exit:
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
