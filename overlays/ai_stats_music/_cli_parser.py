"""The ``ai-stats-music`` argument parser: its commands, options and help.

Every argument is checked as it is parsed (a job id by the client's own
guard, text that a request can carry, positive numbers), so that a wrong
command line is a usage error (exit 2) before anything is sent; the usage
errors themselves are one line, or one JSON object under ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Final, NoReturn

from ._checks import check_job_id
from ._cli_display import Console
from ._cli_exits import DEBUG_ENV, Exit
from ._config import API_KEY_ENV, API_KEY_ENVS, BASE_URL_ENV, BASE_URL_ENVS
from ._options import AudioFormat
from ._version import __version__

__all__ = ["DEFAULT_MODEL", "EPILOG", "build_parser"]

#: An active model that answers at once (the gateway waits for it inside the
#: create request); Suno is not routable today, so it is no default anywhere.
DEFAULT_MODEL: Final = "eleven-labs/music"


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
