"""What the sync and async clients share: building requests, reading answers,
mapping failures to typed errors, and deciding retries. No I/O happens here, so
the two clients cannot drift apart and all of it is testable without a socket.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import random
from typing import Any, Final
from urllib.parse import quote

import attrs
import httpx

from . import _gen
from ._errors import (
    AIStatsError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    parse_retry_after,
)
from ._models import MusicJob

log = logging.getLogger("ai_stats_music")

DEFAULT_BASE_URL: Final = "https://api.phaseo.app/v1"
API_KEY_ENV: Final = "AI_STATS_API_KEY"
BASE_URL_ENV: Final = "AI_STATS_BASE_URL"
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RETRIES: Final = 2
#: The longest a single call sleeps on a server's Retry-After before giving up on it.
MAX_SERVER_WAIT: Final = 60.0
#: Header a gateway may send on a status answer to say when to poll next
#: (``Retry-After`` on a 200 is read the same way).
POLL_HINT_HEADERS: Final = ("retry-after", "x-poll-after")


class _Secret(str):
    """A string whose repr never shows its value (the API key in generated objects)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def resolve_api_key(api_key: str | None) -> _Secret:
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is not None and not isinstance(key, str):
        raise AIStatsError(f"the API key must be a string, not {type(key).__name__}")
    if key is None or not key.strip():
        raise AIStatsError(
            f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable"
        )
    if any(c in key for c in "\r\n\0"):
        raise AIStatsError("the API key must be a single-line string")
    return _Secret(key.strip())


def _is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``: names that never leave the machine.

    Not ``*.localhost``: only some resolvers keep those on the machine (RFC 6761
    asks them to); others send the name to a DNS server, which may answer with
    any address, and the key would follow it in clear.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, *, allow_insecure_http: bool) -> str:
    """The base URL to use; plain http to another host than loopback is refused.

    The key travels in every request's Authorization header, so over plain http
    it would cross the network in clear: that takes ``allow_insecure_http=True``.
    The URL is read by httpx, the parser that sends the requests: a URL that two
    parsers read differently cannot pass the check as one host and be sent to
    another.
    """
    url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        parts = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"base_url is not a valid URL ({exc})") from None
    if parts.userinfo:
        raise ValueError("base_url must not carry credentials")
    if parts.scheme not in ("http", "https") or not parts.host:
        raise ValueError(f"base_url must be an http(s) URL with a host, not {url!r}")
    if "?" in url or "#" in url:
        raise ValueError(
            f"base_url must not have a query or a fragment (operation paths are appended "
            f"to it), not {url!r}"
        )
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.host):
        raise ValueError(
            f"base_url {url!r} is plain http to a host that is not loopback: the API key "
            "would cross the network in clear. Use https, or pass allow_insecure_http=True."
        )
    return url.rstrip("/")


#: The longest job id, percent-encoded, that is sent (servers take request lines of about 8 KB).
MAX_JOB_ID_CHARS: Final = 8192


def check_job_id(job_id: object) -> str:
    """Refuse what would not reach the server as exactly one path segment.

    The generated operation quotes the id (``/`` becomes ``%2F``), but httpx then
    resolves dot segments: ``..`` would call ``GET /v1/music`` and ``.`` or an
    empty id ``GET /v1/music/generate``. Those are refused before any request,
    as are ids no URL can carry: text that is not valid Unicode, and ids longer
    than 8192 characters once percent-encoded.
    """
    if not isinstance(job_id, str):
        raise ValueError(f"job id must be a string, not {type(job_id).__name__}")
    if job_id in ("", ".", ".."):
        raise ValueError(f"invalid job id {job_id!r}: it must be a non-empty id, not . or ..")
    if not job_id.isascii():
        try:
            job_id.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no URL can carry it
            raise ValueError(
                f"invalid job id {job_id!r:.80}: it is not valid Unicode text"
            ) from None
    if len(job_id) > MAX_JOB_ID_CHARS // 12 and len(quote(job_id, safe="")) > MAX_JOB_ID_CHARS:
        raise ValueError(
            f"invalid job id {job_id!r:.40}...: {len(job_id)} characters, longer in a URL "
            f"than the {MAX_JOB_ID_CHARS} a server takes (httpx refuses 64 KB)"
        )
    return job_id


def job_id_of(job_or_id: MusicJob | str) -> str:
    return check_job_id(job_or_id.id if isinstance(job_or_id, MusicJob) else job_or_id)


def create_kwargs(body: _gen.MusicGenerateRequest) -> dict[str, Any]:
    return _gen.generate_music._get_kwargs(body=body)


def status_kwargs(job_id: str) -> dict[str, Any]:
    return _gen.get_music_generation._get_kwargs(music_id=job_id)


def parse_job(response: httpx.Response, *, job_id: str | None = None) -> MusicJob:
    """The job in a success answer, or ``MalformedResponseError`` naming what is wrong."""
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        # RecursionError: JSON nested deeper than the interpreter's recursion
        # limit (a few kilobytes of "[[[[" do it), which no answer has reason to be.
        what = "JSON nested too deeply" if isinstance(exc, RecursionError) else "not JSON"
        preview = response.content[:120].decode("utf-8", "replace")
        raise MalformedResponseError(
            f"answer of HTTP {response.status_code} is {what}: {preview!r}",
            response=response,
            job_id=job_id,
        ) from None
    try:
        job = MusicJob.from_dict(data)
    except MalformedResponseError as exc:
        exc.response = exc.response or response
        exc.request = exc.request or response.request
        # The job asked for, not whatever id a garbled answer carries: the
        # caller's error must name the job it is waiting for.
        exc.job_id = job_id or exc.job_id
        raise
    return job


def poll_hint(response: httpx.Response) -> float | None:
    """The server's word on when to poll next, if it gave one."""
    headers = response.headers
    for name in POLL_HINT_HEADERS:
        value = headers.get(name)
        if value is not None:
            return parse_retry_after(value)
    return None


def transport_error(
    exc: httpx.HTTPError, *, request: httpx.Request | None, job_id: str | None
) -> APIConnectionError:
    """The typed error for a request that got no answer.

    ``may_have_reached_server`` is False only when the request provably never
    left: no connection could be made, or none was free in the pool.
    """
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    what = f"{request.method} {request.url.copy_with(query=None)}" if request else "request"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{what} timed out ({type(exc).__name__})",
            request=request,
            may_have_reached_server=not never_sent,
            job_id=job_id,
        )
    return APIConnectionError(
        f"{what} failed: {type(exc).__name__}: {exc}",
        request=request,
        may_have_reached_server=not never_sent,
        job_id=job_id,
    )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When a single request is tried again (not the waiting: see ``PollPolicy``).

    Status reads are idempotent: retried on connection errors, timeouts, 429,
    5xx and malformed answers. Creating a job is paid work: it is retried only
    when the request provably did not reach the server (no connection, or a
    429/503 that says when to come back), never after a read timeout, a 500 or a
    connection dropped once the body was sent.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        base = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return base * (1.0 - self.jitter * rng.random())

    def delay(
        self, error: APIError, *, attempt: int, creating: bool, rng: random.Random
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up with ``error``."""
        if attempt >= self.max_retries:
            return None
        server_wait = retry_after_of(error)
        if creating:
            if isinstance(error, APIConnectionError) and not error.may_have_reached_server:
                return self.backoff(attempt, rng)
            if (
                isinstance(error, APIStatusError)
                and error.status_code in (429, 503)
                and server_wait is not None
            ):
                return min(server_wait, MAX_SERVER_WAIT)
            return None
        if not is_transient(error):
            return None
        if server_wait is not None:
            return min(server_wait, MAX_SERVER_WAIT)
        return self.backoff(attempt, rng)


def is_transient(error: AIStatsError) -> bool:
    """Whether a failed status read is worth trying again (the same answer for waiting)."""
    if isinstance(
        error, APIConnectionError | RateLimitError | ServerError | MalformedResponseError
    ):
        return True
    return isinstance(error, APIStatusError) and error.status_code in (408, 409, 425)


def retry_after_of(error: AIStatsError) -> float | None:
    if isinstance(error, RateLimitError):
        return error.retry_after
    if isinstance(error, APIStatusError):
        return parse_retry_after(error.response.headers.get("retry-after"))
    return None


def note_create_failure(error: APIError) -> APIError:
    """Say, on a failed create, whether a job may exist although no id came back."""
    if (isinstance(error, APIConnectionError) and error.may_have_reached_server) or isinstance(
        error, ServerError | MalformedResponseError
    ):
        error.job_may_exist = True
        if error.job_id is not None:  # an answer that named the job but could not be read
            error.message += (
                f" -- the gateway answered with job id {error.job_id!r:.200}, so the job may "
                "exist: wait for it with that id; it was not retried, to avoid paying twice"
            )
        else:
            error.message += (
                " -- the request may have reached the gateway, so a job may exist although "
                "no id came back; it was not retried, to avoid paying twice"
            )
        error.args = (error.message,)
    return error


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret and secret in text else text


#: The shortest start of the key that :func:`scrub` removes (shorter ones say nothing).
_KEY_PREFIX_MIN: Final = 8


def scrub(error: AIStatsError, secret: str) -> AIStatsError:
    """Remove the key from an error's message (a server may echo headers back).

    Messages quote only the start of a body, so an echoed key may be cut short
    in one: its first 8 characters or more are removed as well as the whole.
    """
    if not secret:
        return error
    message = redact(error.message, secret)
    for end in range(len(secret) - 1, _KEY_PREFIX_MIN - 1, -1):
        if secret[:end] in message:
            message = message.replace(secret[:end], "***")
    if message != error.message:
        error.message = message
        error.args = (message,)
    return error
