"""One API call, ready to send, and the bookkeeping of its tries.

``Call`` is a call's request options (the client's, with what the caller gave
filled in); ``Request`` is the call itself (httpx arguments, how the answer is
read); ``Attempts`` counts its tries and turns each outcome into the result, a
delay before the next try, or the error raised. The sync and async clients
drive the same ``Attempts``: only sending and sleeping are theirs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypeAlias, TypedDict, TypeVar

import attrs
import httpx

from ._checks import check_headers, check_max_retries, check_query, check_timeout
from ._errors import APIError, MalformedResponseError
from ._failures import note_create_failure, status_error, transport_error
from ._log import log, log_response
from ._not_given import NotGiven
from ._redact import scrub
from ._retry import DEFAULT_MAX_RETRIES, RetryPolicy

__all__ = [
    "LAST_POLL_TIMEOUT",
    "NO_RETRY",
    "Attempts",
    "Call",
    "Done",
    "Request",
    "RequestOptions",
    "TimeoutTypes",
    "as_timeout",
    "call_of",
    "request_of",
    "retry_of",
    "status_error_of",
]

_T = TypeVar("_T")

#: What a timeout may be: seconds, an ``httpx.Timeout`` (per phase), or
#: ``None`` for no bound.
TimeoutTypes: TypeAlias = float | httpx.Timeout | None

#: The last poll of a wait is made at its deadline; it gets this long to be
#: answered (at most), so that a wait ends at most this long after its deadline.
LAST_POLL_TIMEOUT: Final = 1.0

#: A wait's status reads are not retried by default: the wait itself tries again.
NO_RETRY: Final = RetryPolicy(max_retries=0)


class RequestOptions(TypedDict):
    """The request options every API method takes, as the caller gave them."""

    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, str] | None
    timeout: TimeoutTypes | NotGiven
    max_retries: int | NotGiven


@attrs.frozen(kw_only=True)
class Call:
    """One call's request options, checked, with the client's filled in."""

    headers: Mapping[str, Any]
    query: Mapping[str, Any]
    timeout: httpx.Timeout
    retry: RetryPolicy
    deadline: float | None = None  # for the waits, on ``clock``
    clock: Callable[[], float] = time.monotonic


@attrs.frozen(kw_only=True)
class Request(Generic[_T]):
    """One API call: the arguments of httpx's ``request`` (the client's settings
    applied), how a successful answer is read, and the call's options."""

    kwargs: dict[str, Any]
    parse: Callable[[httpx.Response], _T]
    creating: bool
    job_id: str | None
    call: Call


@attrs.frozen
class Done(Generic[_T]):
    """The result of a call that succeeded (a delay is a plain float)."""

    value: _T


def as_timeout(timeout: TimeoutTypes) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _cap(timeout: httpx.Timeout, left: float) -> httpx.Timeout:
    """``timeout`` with no phase longer than ``left`` seconds."""

    def cap(value: float | None) -> float:
        return left if value is None or value > left else value

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )


def status_error_of(exc: BaseException) -> httpx.Response | None:
    """The answer of an ``httpx.HTTPStatusError`` raised by an event hook
    (``raise_for_status``): it is an answer, not a connection failure."""
    return exc.response if isinstance(exc, httpx.HTTPStatusError) else None


class Attempts(Generic[_T]):
    """Counts the tries of one call and turns each outcome into its result, a
    delay before the next try, or a raise."""

    __slots__ = ("_api_key", "_n", "_request", "_rng")

    def __init__(self, request: Request[_T], *, rng: random.Random, api_key: str) -> None:
        self._request = request
        self._rng = rng
        self._api_key = api_key
        self._n = 0

    def next_try(self) -> dict[str, Any]:
        """The httpx arguments of the next try: its timeout is capped by the
        time left before the wait's deadline, so that no request outlives it
        (the last poll, at the deadline, gets at most ``LAST_POLL_TIMEOUT``)."""
        kwargs, call = self._request.kwargs, self._request.call
        if call.deadline is not None:
            left = call.deadline - call.clock()
            floor = min(LAST_POLL_TIMEOUT, call.timeout.read or LAST_POLL_TIMEOUT)
            kwargs["timeout"] = _cap(call.timeout, max(left, floor))
        return kwargs

    def failed(self, error: APIError) -> float:
        """The delay before the next try, or raise ``error`` when giving up."""
        request, retry = self._request, self._request.call.retry
        delay = retry.delay(error, attempt=self._n, creating=request.creating, rng=self._rng)
        deadline = request.call.deadline
        if delay is not None and deadline is not None and request.call.clock() + delay >= deadline:
            delay = None  # a retry would start after the wait's deadline
        if delay is None:
            if request.creating:
                note_create_failure(error)
            raise scrub(error, self._api_key) from None
        self._n += 1
        log.debug(
            "retry %d of %d in %.2f s after %s",
            self._n,
            retry.max_retries,
            delay,
            type(error).__name__,
        )
        return delay

    def raised(self, exc: httpx.HTTPError, answer: httpx.Response | None) -> float:
        """After httpx raised: ``answer`` is the (read) answer of an event hook's
        ``HTTPStatusError``, else the request failed on the way."""
        if answer is not None:
            return self.failed(status_error(answer, job_id=self._request.job_id))
        request = exc.request if isinstance(exc, httpx.RequestError) else None
        return self.failed(transport_error(exc, request=request, job_id=self._request.job_id))

    def received(self, response: httpx.Response) -> Done[_T] | float:
        """The result of an answer, or the delay before trying again."""
        log_response(response)
        if not response.is_success:
            return self.failed(status_error(response, job_id=self._request.job_id))
        try:
            return Done(self._request.parse(response))
        except MalformedResponseError as exc:
            return self.failed(exc)


def call_of(
    given: RequestOptions,
    *,
    headers: dict[str, str],
    timeout: httpx.Timeout,
    retry: RetryPolicy,
    base_retry: RetryPolicy,
    clock: Callable[[], float],
) -> Call:
    """A call's options: what the caller ``given`` (checked here, before anything
    is sent), else ``timeout`` and ``retry``; extra headers go over ``headers``,
    and a ``max_retries`` given keeps ``base_retry``'s delays."""
    extra = check_headers(given["extra_headers"], "extra_headers")
    given_timeout, max_retries = given["timeout"], given["max_retries"]
    if not isinstance(given_timeout, NotGiven):
        check_timeout(given_timeout)
        timeout = as_timeout(given_timeout)
    if not isinstance(max_retries, NotGiven):
        retry = attrs.evolve(base_retry, max_retries=check_max_retries(max_retries))
    return Call(
        headers={**headers, **extra} if extra else headers,
        query=check_query(given["extra_query"]),
        timeout=timeout,
        retry=retry,
        clock=clock,
    )


def request_of(
    kwargs: dict[str, Any],
    parse: Callable[[httpx.Response], _T],
    *,
    base_url: str,
    pool_headers: Mapping[str, str] | None,
    creating: bool,
    job_id: str | None,
    call: Call,
) -> Request[_T]:
    """The call that ``kwargs`` (from ``_answers``) make, with ``call``'s options
    applied; ``pool_headers`` are those the pool sends by default."""
    # An absolute URL spares httpx a merge with its base URL on every
    # request (and a client passed in may have another base URL, or none).
    kwargs["url"] = base_url + kwargs["url"]
    sent = kwargs.get("headers")
    if sent:
        kwargs["headers"] = {**sent, **call.headers}
    elif call.headers is not pool_headers:
        kwargs["headers"] = call.headers
    # else: the pool's default headers are exactly this call's (the owner's,
    # with no extra_headers): nothing to merge into the request.
    if call.query:
        kwargs["params"] = call.query
    # The key is ours: an auth set on an http client passed in is never used.
    kwargs["auth"] = None
    kwargs["timeout"] = call.timeout
    return Request(kwargs=kwargs, parse=parse, creating=creating, job_id=job_id, call=call)


def retry_of(
    retry: RetryPolicy | None, max_retries: int | NotGiven, *, base: RetryPolicy | None = None
) -> RetryPolicy:
    """The retry policy from ``retry=`` and ``max_retries=``: ``max_retries``
    alone sets the count (of ``base``'s delays, else the defaults), ``retry``
    the whole policy; both may be given only when they agree."""
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy, not {type(retry).__name__}")
    if isinstance(max_retries, NotGiven):
        return retry or base or RetryPolicy(max_retries=DEFAULT_MAX_RETRIES)
    count = check_max_retries(max_retries)
    if retry is None:
        return (
            RetryPolicy(max_retries=count)
            if base is None
            else attrs.evolve(base, max_retries=count)
        )
    if retry.max_retries != count:
        raise ValueError(
            f"max_retries={count} contradicts retry=RetryPolicy(max_retries="
            f"{retry.max_retries}, ...): give one of them"
        )
    return retry
