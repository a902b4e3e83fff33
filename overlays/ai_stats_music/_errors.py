"""The errors the client raises.

One hierarchy, in the spirit of openai-python, so that a caller can catch as
broadly or as narrowly as it needs::

    AIStatsError
    ├── APIError
    │   ├── APIStatusError            (any non-success HTTP answer)
    │   │   ├── BadRequestError       400 (and 422)
    │   │   ├── AuthenticationError   401
    │   │   ├── PermissionDeniedError 403
    │   │   ├── NotFoundError         404
    │   │   ├── RateLimitError        429
    │   │   └── ServerError           5xx
    │   ├── APIConnectionError        (no answer: refused, reset, DNS...)
    │   │   └── APITimeoutError
    │   ├── MalformedResponseError    (an answer that cannot be parsed)
    │   └── DownloadError             (audio that could not be saved whole)
    └── MusicJobError-s from waiting: MusicJobFailed, MusicJobTimeout

Every error that concerns a known job carries ``job_id``, so a job that was
paid for is never lost in an exception. No message or repr contains the API key:
errors are built from status codes, bodies and URLs, never from request headers.
"""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._models import MusicJob

__all__ = [
    "AIStatsError",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "DownloadError",
    "MalformedResponseError",
    "MusicJobFailed",
    "MusicJobTimeout",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
]

_BODY_PREVIEW = 300


class AIStatsError(Exception):
    """Base class of every error this package raises on purpose."""

    message: str
    job_id: str | None

    def __init__(self, message: str, *, job_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.job_id = job_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIError(AIStatsError):
    """Something went wrong talking to the gateway.

    ``job_may_exist`` is True on a failed ``create`` whose request may have been
    processed (a dropped connection, a timeout, a 5xx): a job may exist although
    no id came back, and the client did not retry, to avoid paying twice.
    """

    request: httpx.Request | None
    job_may_exist: bool = False

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        job_id: str | None = None,
    ) -> None:
        super().__init__(message, job_id=job_id)
        self.request = request


class MalformedResponseError(APIError):
    """An answer that is not what the API promises: not JSON, not an object,
    or missing or mistyping a field the client depends on (``field`` names it)."""

    field: str | None
    response: httpx.Response | None

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        response: httpx.Response | None = None,
        job_id: str | None = None,
    ) -> None:
        super().__init__(
            message, request=response.request if response is not None else None, job_id=job_id
        )
        self.field = field
        self.response = response


class DownloadError(APIError):
    """A clip's audio could not be saved whole; nothing was left at the destination.

    Raised for what is neither an HTTP error status nor a plain network failure
    (those are :class:`APIStatusError` and :class:`APIConnectionError`): a body
    whose length differs from its ``Content-Length`` (``expected_bytes`` and
    ``received_bytes`` then say by how much), a redirect to a URL that is not
    http(s), too many redirects. ``url`` is the URL that failed; the message
    leaves out its query string, which on a signed CDN URL is a credential.
    """

    url: str
    expected_bytes: int | None
    received_bytes: int | None

    def __init__(
        self,
        message: str,
        *,
        url: str,
        expected_bytes: int | None = None,
        received_bytes: int | None = None,
        request: httpx.Request | None = None,
        job_id: str | None = None,
    ) -> None:
        super().__init__(message, request=request, job_id=job_id)
        self.url = url
        self.expected_bytes = expected_bytes
        self.received_bytes = received_bytes


class APIConnectionError(APIError):
    """No answer came back: the connection was refused, reset or dropped.

    ``may_have_reached_server`` is True when the request could have been
    processed (the connection broke after the body was sent), which for job
    creation means a job may exist even though no id came back.
    """

    may_have_reached_server: bool

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: httpx.Request | None = None,
        may_have_reached_server: bool = True,
        job_id: str | None = None,
    ) -> None:
        super().__init__(message, request=request, job_id=job_id)
        self.may_have_reached_server = may_have_reached_server


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        request: httpx.Request | None = None,
        may_have_reached_server: bool = True,
        job_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            request=request,
            may_have_reached_server=may_have_reached_server,
            job_id=job_id,
        )


class APIStatusError(APIError):
    """The gateway answered with a non-success status.

    ``body`` is the parsed JSON body when there is one (the gateway's
    validation answers are ``{"error": "validation_error", "reason": "..."}``:
    ``error_code`` and ``reason`` expose them), else the text, else ``None``.
    """

    status_code: int
    response: httpx.Response
    body: Any
    error_code: str | None
    reason: str | None

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        job_id: str | None = None,
    ) -> None:
        super().__init__(message, request=response.request, job_id=job_id)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.error_code, self.reason = _error_fields(body)


class BadRequestError(APIStatusError):
    """400: the request was refused, usually a validation error (see ``reason``)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such job (or operation)."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's wait, in seconds."""

    retry_after: float | None

    def __init__(
        self, message: str, *, response: httpx.Response, body: Any, job_id: str | None = None
    ) -> None:
        super().__init__(message, response=response, body=body, job_id=job_id)
        self.retry_after = parse_retry_after(response.headers.get("retry-after"))


class ServerError(APIStatusError):
    """5xx: the gateway or a provider behind it failed."""


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


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    error, reason = body.get("error"), body.get("reason")
    if isinstance(error, dict):  # {"error": {"message": ..., "code"/"type": ...}}
        reason = reason if isinstance(reason, str) else error.get("message")
        error = error.get("code", error.get("type"))
    return (
        error if isinstance(error, str) else None,
        reason if isinstance(reason, str) else None,
    )


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
}


def status_error(response: httpx.Response, *, job_id: str | None = None) -> APIStatusError:
    """The typed error for a non-success answer (the body must have been read)."""
    body: Any
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        body = response.content.decode("utf-8", "replace")
    cls = _STATUS_CLASSES.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else APIStatusError
    code, reason = _error_fields(body)
    detail = ""
    if reason or code:
        # Cut like a text body: a server may put anything in these, of any length.
        code, reason = code and code[:_BODY_PREVIEW], reason and reason[:_BODY_PREVIEW]
        detail = f": {code}: {reason}" if code and reason else f": {reason or code}"
    elif isinstance(body, str) and body.strip():
        detail = f": {body.strip()[:_BODY_PREVIEW]!r}"
    request = response.request
    what = f"{request.method} {request.url.copy_with(query=None)}"
    message = f"{what} answered HTTP {response.status_code}{detail}"
    if job_id is not None and response.status_code == 404:
        message += f" (job {job_id!r} not found)"
    return cls(message, response=response, body=body, job_id=job_id)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            import email.utils

            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
