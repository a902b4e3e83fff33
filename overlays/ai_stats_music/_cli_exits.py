"""How the command line ends: its exit codes, and which failure gets which.

Every failure is an exception until :func:`~._cli.main` turns it into one
``error:`` line (or a JSON object) and one of the documented codes of
:class:`Exit`: :func:`classify` picks the code and the JSON details,
:func:`failure_message` the line. :class:`CliError` is a failure the command
line finds itself (no API key, a job not ready, a job with no audio).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

from ._errors import (
    AIStatsError,
    APIError,
    APIStatusError,
    AuthenticationError,
    PermissionDeniedError,
)
from ._job_errors import MusicJobFailed, MusicJobTimeout

if TYPE_CHECKING:
    from ._models import MusicJob

__all__ = ["DEBUG_ENV", "CliError", "Exit", "classify", "failure_message"]

DEBUG_ENV: Final = "AI_STATS_MUSIC_DEBUG"


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


class CliError(Exception):
    """A failure the command line reports itself, with its exit code."""

    def __init__(self, message: str, code: Exit, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details

    @classmethod
    def about_job(cls, job: MusicJob, message: str, code: Exit) -> CliError:
        """A failure about ``job``: its JSON details carry the job's id and the whole job."""
        return cls(message, code, job_id=job.id, job=job.to_dict())


def classify(exc: BaseException) -> tuple[Exit, dict[str, Any]]:
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


def failure_message(exc: BaseException) -> str:
    """The one line that says what went wrong (the API key is redacted by the console)."""
    if isinstance(exc, MusicJobTimeout):
        return f"{exc} (ai-stats-music wait {exc.job_id})"
    if isinstance(exc, OSError) and not isinstance(exc, AIStatsError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot write{where}: {exc.strerror or exc}"
    if isinstance(exc, AIStatsError | CliError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)"
