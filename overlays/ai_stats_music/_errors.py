"""The errors the client raises.

One hierarchy, in the spirit of openai-python, so that a caller can catch as
broadly or as narrowly as it needs::

    AIStatsError
    ├── APIError
    │   ├── APIStatusError            (any non-success HTTP answer)
    │   │   ├── BadRequestError       400 (and 422)
    │   │   ├── AuthenticationError   401
    │   │   ├── InsufficientFundsError 402
    │   │   ├── PermissionDeniedError 403
    │   │   ├── NotFoundError         404
    │   │   ├── RateLimitError        429
    │   │   ├── FeatureDisabledError  501 (never retried; not a ServerError)
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
    "FeatureDisabledError",
    "InsufficientFundsError",
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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (and ``copy``) every error whole, whatever its ``__init__`` takes.

        Task queues (Celery, Temporal, multiprocessing) pickle exceptions, and
        the default rebuilds one as ``cls(*args)``, which fails for errors with
        keyword-only fields. The copy has the same type, message and fields; a
        cause that is itself one of these errors (a ``MusicJobTimeout``'s last
        failure) comes along. ``request`` and ``response`` come as bare copies:
        method, URL, status, headers and body of the answer, but no request
        headers -- those of an API request hold the key, which must not end up
        in a pickle sitting in a result store.
        """
        state = dict(self.__dict__)
        for name, value in state.items():
            if isinstance(value, httpx.Request):
                state[name] = _bare_request(value)
            elif isinstance(value, httpx.Response):
                state[name] = _bare_response(value)
        cause = self.__cause__ if isinstance(self.__cause__, AIStatsError) else None
        return (_rebuild, (type(self), self.args, state, cause))


def _rebuild(
    cls: type[AIStatsError],
    args: tuple[Any, ...],
    state: dict[str, Any],
    cause: AIStatsError | None,
) -> AIStatsError:
    """The error :meth:`AIStatsError.__reduce__` describes, without calling ``__init__``."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    if cause is not None:
        error.__cause__ = cause
    return error


def _bare_request(request: httpx.Request) -> httpx.Request:
    """The request's method and URL only: its headers (the key) stay behind."""
    return httpx.Request(request.method, request.url)


def _bare_response(response: httpx.Response) -> httpx.Response:
    """The answer's status, headers and body, tied to a bare copy of its request."""
    try:
        content = response.content
    except httpx.ResponseNotRead:  # a streamed answer never read: its body is unknown
        content = b""
    try:
        request: httpx.Request | None = _bare_request(response.request)
    except RuntimeError:  # a response built without a request
        request = None
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        # The body is given as read (decoded): its old encoding and length no longer apply.
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(response.status_code, headers=headers, content=content, request=request)


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

    ``body`` is the parsed JSON body when there is one, else the text, else
    ``None``. The gateway's error envelope is read into attributes, whichever
    of its shapes came (``{"error": "validation_error", "reason": ...}``, the
    normalised envelope with ``message`` / ``description`` / ``details``, or an
    executor's ``{"error": {"type": ..., "message": ...}}``):

    - ``error_code``: the string ``error``, else the nested object's ``code``
      or ``type``;
    - ``reason``: the ``reason`` (top level, else inside ``error``), else the
      nested ``error.message``;
    - ``request_id``: the body's ``request_id``, else ``generation_id``, else
      the ``X-Request-Id`` header -- what the gateway's support asks for, and
      on a failed create possibly the id of the job itself (the gateway's job
      id is its request id);
    - ``retry_after_seconds``: the body's own hint of when to try again, which
      the retries honour like a ``Retry-After`` header when no header came.

    The message names the request, the status, the code and every distinct
    text the body carries, each cut short, so that it can be logged whole.
    """

    status_code: int
    response: httpx.Response
    body: Any
    error_code: str | None
    reason: str | None
    request_id: str | None
    retry_after_seconds: float | None

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
        self.request_id = _request_id(body, response)
        self.retry_after_seconds = _number_field(body, "retry_after_seconds")


class BadRequestError(APIStatusError):
    """400: the request was refused, usually a validation error (see ``reason``)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such job (or operation)."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's wait, in seconds
    (the ``Retry-After`` header, else the body's ``retry_after_seconds``)."""

    retry_after: float | None

    def __init__(
        self, message: str, *, response: httpx.Response, body: Any, job_id: str | None = None
    ) -> None:
        super().__init__(message, response=response, body=body, job_id=job_id)
        header = parse_retry_after(response.headers.get("retry-after"))
        self.retry_after = header if header is not None else self.retry_after_seconds


class InsufficientFundsError(APIStatusError):
    """402: the workspace's balance cannot pay for this request; nothing was started.

    ``min_usd`` is the balance the gateway asks for, in US dollars, when it
    says (its ``insufficient_funds`` answer carries it). Never retried: asking
    again costs nothing but will not change the answer until funds are added.
    """

    min_usd: float | None

    def __init__(
        self, message: str, *, response: httpx.Response, body: Any, job_id: str | None = None
    ) -> None:
        super().__init__(message, response=response, body=body, job_id=job_id)
        self.min_usd = _number_field(body, "min_usd")


class ServerError(APIStatusError):
    """5xx: the gateway or a provider behind it failed (retried on status reads)."""


class FeatureDisabledError(APIStatusError):
    """501: the gateway has switched this feature off (``not_implemented``).

    The gateway answered every music request this way from May to August
    2026. It is deliberately *not* a :class:`ServerError`: code that catches
    ``ServerError`` to try again must not retry an answer that will not change
    for weeks. The client never retries it -- neither a create nor a status
    read -- a wait ends at once on it, and a create that got it made no job
    (``job_may_exist`` is False).
    """


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


#: How much of the code, of each text and of all texts together a message shows.
_CODE_PREVIEW = 120
_TEXT_PREVIEW = 300
_TEXTS_PREVIEW = 600
#: The ``details`` entries read for the message (the rest are in ``body``).
_MAX_DETAILS = 5


def _string(value: Any) -> str | None:
    """A non-blank string, stripped; anything else (None, numbers, objects) is none."""
    if isinstance(value, str):
        text = value.strip()
        if text:
            return text
    return None


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """``error_code`` and ``reason`` from any of the envelope's shapes."""
    if not isinstance(body, dict):
        return None, None
    error, reason = body.get("error"), _string(body.get("reason"))
    if isinstance(error, dict):  # {"error": {"code"/"type": ..., "message"/"reason": ...}}
        code = _string(error.get("code")) or _string(error.get("type"))
        reason = reason or _string(error.get("reason")) or _string(error.get("message"))
        return code, reason
    return _string(error), reason


def _request_id(body: Any, response: httpx.Response) -> str | None:
    if isinstance(body, dict):
        found = _string(body.get("request_id")) or _string(body.get("generation_id"))
        if found is not None:
            return found
    return _string(response.headers.get("x-request-id"))


def _number_field(body: Any, name: str) -> float | None:
    """A finite, non-negative number the body gives under ``name`` (a number or its text)."""
    if not isinstance(body, dict):
        return None
    value = body.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _texts(body: Any) -> list[str]:
    """Every human text the envelope carries, in order, each once.

    The gateway puts its words in whichever of these it has: ``message``,
    ``description``, ``reason``, the nested ``error``'s ``message`` /
    ``description`` / ``reason``, ``upstream_error``'s ``message`` /
    ``description``, and ``details[].message``. Any may be missing, null or of
    the wrong type; only non-blank strings count.
    """
    if not isinstance(body, dict):
        return []
    found: list[Any] = [body.get("message"), body.get("description"), body.get("reason")]
    for name in ("error", "upstream_error"):
        nested = body.get(name)
        if isinstance(nested, dict):
            found += [nested.get("message"), nested.get("description"), nested.get("reason")]
    details = body.get("details")
    if isinstance(details, list):
        for detail in details[:_MAX_DETAILS]:
            found.append(detail.get("message") if isinstance(detail, dict) else detail)
    texts: list[str] = []
    for value in found:
        text = _string(value)
        if text is not None and text not in texts:
            texts.append(text)
    return texts


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _detail(body: Any, code: str | None) -> str:
    """What the message says after the status: the code, then the texts."""
    texts = [_cut(t, _TEXT_PREVIEW) for t in _texts(body) if t != code]
    said = _cut("; ".join(texts), _TEXTS_PREVIEW) if texts else ""
    code = code and _cut(code, _CODE_PREVIEW)
    if code and said:
        return f": {code}: {said}"
    if code or said:
        return f": {code or said}"
    if isinstance(body, str) and body.strip():
        return f": {body.strip()[:_BODY_PREVIEW]!r}"
    return ""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientFundsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
    501: FeatureDisabledError,
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
    code, _ = _error_fields(body)
    request = response.request
    what = f"{request.method} {request.url.copy_with(query=None)}"
    message = f"{what} answered HTTP {response.status_code}{_detail(body, code)}"
    if job_id is not None and response.status_code == 404:
        message += f" (job {job_id!r} not found)"
    error = cls(message, response=response, body=body, job_id=job_id)
    if error.request_id is not None:
        error.message += f" (request id {_cut(error.request_id, _CODE_PREVIEW)!r})"
        error.args = (error.message,)
    return error


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
