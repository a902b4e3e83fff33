"""The errors about a job's outcome that waiting raises: it failed, or it ran out of time.

They carry the job itself (``MusicJobFailed.job``, ``MusicJobTimeout.last_job``),
so they import the job model; kept apart from the other errors (``_errors``),
which the models themselves raise, there is no import cycle between errors and
models, not even for the type checker.
"""

from __future__ import annotations

from typing import Any

from ._errors import AIStatsError
from ._models import MusicJob

__all__ = ["MusicJobFailed", "MusicJobTimeout"]


class MusicJobFailed(AIStatsError):
    """The job ended in status ``failed``; ``job`` is the job, ``error`` its details."""

    job: MusicJob

    def __init__(self, job: MusicJob) -> None:
        details = f": {job.error}" if job.error is not None else ""
        super().__init__(f"music job {job.id!r} failed{details}", job_id=job.id)
        self.job = job

    @property
    def error(self) -> Any:
        return self.job.error


class MusicJobTimeout(AIStatsError):
    """The wait's deadline passed before the job ended. The job may still
    finish: wait again with ``job_id`` (``last_job`` is the last status seen).

    ``polls`` is how many status reads the wait made and ``failed_polls`` how
    many of them failed (refused, dropped, 5xx...); ``last_error`` is the last
    failure (also the ``__cause__`` when the very last read failed). A wait
    that ran out on nothing but failures is not a slow job: the message says
    so and names the last failure, so that a dead network is not mistaken for
    a long generation.
    """

    job_id: str
    last_job: MusicJob | None
    timeout: float | None
    polls: int
    failed_polls: int
    last_error: AIStatsError | None

    def __init__(
        self,
        job_id: str,
        *,
        last_job: MusicJob | None,
        timeout: float | None,
        polls: int = 0,
        failed_polls: int = 0,
        last_error: AIStatsError | None = None,
    ) -> None:
        status = f" (last status {str(last_job.status)!r})" if last_job is not None else ""
        failures = ""
        if failed_polls:
            said = "" if last_error is None else f", the last: {_failure(last_error)}"
            if failed_polls >= polls:
                failures = f"; every status read failed ({failed_polls}{said})"
            else:
                failures = f"; {failed_polls} of {polls} status reads failed{said}"
        super().__init__(
            f"music job {job_id!r} did not finish within {timeout} s{status}{failures}; "
            "it may still finish: wait again with its id",
            job_id=job_id,
        )
        self.last_job = last_job
        self.timeout = timeout
        self.polls = polls
        self.failed_polls = failed_polls
        self.last_error = last_error


def _failure(error: AIStatsError) -> str:
    """A failure as a message quotes it: its type and the start of its text."""
    text = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{type(error).__name__}: {text}"
