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
    └── MusicJobError-s from waiting: MusicJobFailed, MusicJobTimeout (in ``_job_errors``)

Every error that concerns a known job carries ``job_id``, so a job that was
paid for is never lost in an exception. No message or repr contains the API key:
errors are built from status codes, bodies and URLs, never from request headers.

This module holds the classes only. The errors made from answers and transport
failures are built in ``_failures``; the fields a status error reads from its
body come from ``_envelope``; the errors about a job's outcome, which need the
job model, are in ``_job_errors``, so that the models can raise
``MalformedResponseError`` without an import cycle.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from ._envelope import error_fields, number_field, parse_retry_after, request_id_of

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
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
]


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
        self.error_code, self.reason = error_fields(body)
        self.request_id = request_id_of(body, response)
        self.retry_after_seconds = number_field(body, "retry_after_seconds")


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
        self.min_usd = number_field(body, "min_usd")


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


#: The class of each status with one of its own; any other 5xx is a
#: :class:`ServerError`, any other status an :class:`APIStatusError`.
STATUS_CLASSES: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientFundsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
    501: FeatureDisabledError,
}
