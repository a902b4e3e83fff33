"""What the sync and async clients share: building requests, reading answers,
mapping failures to typed errors, and deciding retries. No I/O happens here, so
the two clients cannot drift apart and all of it is testable without a socket.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import os
import random
from collections.abc import Mapping
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
    FeatureDisabledError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    parse_retry_after,
)
from ._log import log as log
from ._log import log_response as log_response  # the clients' hook, imported from here
from ._log import remember_secret, scrub_key
from ._models import JobContext, MusicJob

DEFAULT_BASE_URL: Final = "https://api.phaseo.app/v1"
API_KEY_ENV: Final = "AI_STATS_API_KEY"
BASE_URL_ENV: Final = "AI_STATS_BASE_URL"
#: Where the key and the base URL are looked for, in this order: this client's
#: own variables first (existing users), then those of the gateway's own SDK
#: (``phaseo``), so that a machine set up for one works with the other.
API_KEY_ENVS: Final = (API_KEY_ENV, "PHASEO_API_KEY")
BASE_URL_ENVS: Final = (BASE_URL_ENV, "PHASEO_BASE_URL")
#: Status reads (and downloads): the gateway answers them from its store at once.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
#: Seconds a create may take to answer by default. The gateway holds a create
#: open while the music is generated (tens of seconds with every active
#: provider) and its own queue route gives up at about 60 s with a 504 that
#: names the request. Three times that lets the gateway's answer -- the job,
#: or an error carrying an id -- come back first, as it should, and leaves room
#: for long songs; a client timeout, which leaves no id at all, is the last
#: resort.
DEFAULT_CREATE_READ_TIMEOUT: Final = 180.0
#: The create's timeout: ``DEFAULT_CREATE_READ_TIMEOUT`` for the answer, 10 s to
#: connect, and no bound on waiting for a free connection of the pool: a
#: create waiting there has provably not been sent, and with creates holding
#: connections for tens of seconds, hundreds of them at once must queue rather
#: than fail (see ``create_timeout``).
DEFAULT_CREATE_TIMEOUT: Final = httpx.Timeout(
    connect=10.0, read=DEFAULT_CREATE_READ_TIMEOUT, write=30.0, pool=None
)
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


def _from_env(names: tuple[str, ...]) -> str | None:
    """The first of these environment variables that is set to something not blank."""
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip():
            return value
    return None


def env_api_key() -> str | None:
    """The API key from the environment: ``$AI_STATS_API_KEY``, else ``$PHASEO_API_KEY``."""
    return _from_env(API_KEY_ENVS)


#: The shortest key accepted. Every message, log line and CLI output has the key
#: cut out of it (:func:`scrub`), and so has any start of it of this length or
#: more (previews cut an echoed key anywhere): with a key of a letter or two,
#: that would blank that letter everywhere (``generate`` -> ``g***n***rat***``).
#: The gateway's keys are tens of characters long.
MIN_API_KEY_CHARS: Final = 8


def resolve_api_key(api_key: str | None) -> _Secret:
    key = api_key if api_key is not None else env_api_key()
    if key is not None and not isinstance(key, str):
        raise AIStatsError(f"the API key must be a string, not {type(key).__name__}")
    if key is None or not key.strip():
        raise AIStatsError(
            f"no API key: pass api_key=... or set the {API_KEY_ENVS[0]} (or "
            f"{API_KEY_ENVS[1]}) environment variable"
        )
    if any(c in key for c in "\r\n\0"):
        raise AIStatsError("the API key must be a single-line string")
    if not key.isascii():
        # HTTP header values are bytes: httpx would fail on the first request
        # with a bare UnicodeEncodeError (which prints the character).
        raise AIStatsError(
            "the API key must be ASCII text (it goes in an HTTP header); this one has "
            "other characters: was it copied with a typographic quote or a space?"
        )
    key = key.strip()
    if len(key) < MIN_API_KEY_CHARS:
        # Never quoted: even a wrong key may be a real one's start.
        raise AIStatsError(
            f"the API key is too short ({len(key)} characters; at least "
            f"{MIN_API_KEY_CHARS} are needed): a key that short is not one the gateway "
            "issues, and removing it from error messages would mangle ordinary words"
        )
    remember_secret(key)  # out of every log record from now on
    return _Secret(key)


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
    url = base_url or _from_env(BASE_URL_ENVS) or DEFAULT_BASE_URL
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


def _running_loop() -> object:
    """The event loop running this coroutine: asyncio's loop, or trio's run (its token)."""
    import asyncio
    import sys

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        trio = sys.modules.get("trio")
        if trio is None:
            raise
        return trio.lowlevel.current_trio_token()


def bind_event_loop(client: object) -> None:
    """Tie an async client to the event loop of its first request; refuse any other.

    httpx's connection pool belongs to the loop it first connected in: used
    from a second ``asyncio.run``, it fails deep inside httpcore (``Event loop
    is closed``, or a hang), after a create may already have been sent. This
    check runs before every request, so the mistake is a clear error before
    anything is sent.
    """
    loop = _running_loop()
    bound = client.__dict__.setdefault("_event_loop", loop)
    if bound is not loop:
        raise AIStatsError(
            f"this {type(client).__name__} was first used in another event loop (another "
            "asyncio.run or trio.run), and its connection pool cannot move between loops; "
            "nothing was sent. Make one client per event loop, for example inside the "
            "function that asyncio.run runs, with `async with AsyncMusicClient() as client:`"
        )


def job_id_of(job_or_id: MusicJob | str) -> str:
    return check_job_id(job_or_id.id if isinstance(job_or_id, MusicJob) else job_or_id)


def create_timeout_of(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """The httpx timeout of a create, from what a caller gave as ``create_timeout``.

    A number bounds connecting, sending and the wait for the answer, but not
    the wait for a free connection of the pool: that one never reached the
    server and is never a failure of the create. ``None`` bounds nothing. An
    ``httpx.Timeout`` is used as given (its ``pool`` included: a ``PoolTimeout``
    is then an error that says the create was not sent, and is retried).
    """
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is None:
        return httpx.Timeout(None)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(
            f"create_timeout must be seconds, an httpx.Timeout or None, not {timeout!r}"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"create_timeout must be a positive number of seconds, not {timeout!r}")
    return httpx.Timeout(float(timeout), pool=None)


def check_timeout(value: object, name: str = "timeout") -> None:
    """Refuse, before anything is sent, a timeout that is not seconds, an
    ``httpx.Timeout`` or ``None``: positive and finite, and never a ``bool``
    (``True`` is 1 to Python, not a number of seconds to a reader)."""
    if value is None:
        return
    if isinstance(value, httpx.Timeout):
        for part in ("connect", "read", "write", "pool"):
            check_timeout(getattr(value, part), f"{name}.{part}")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be seconds, an httpx.Timeout or None, not {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")


def check_max_retries(value: object) -> int:
    """A retry count: a non-negative ``int``, never a ``bool`` or a float."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_retries must be a whole number, not {value!r}")
    if value < 0:
        raise ValueError(f"max_retries must be 0 or more, not {value!r}")
    return value


def check_headers(headers: object, name: str, *, allow_auth: bool = False) -> dict[str, str]:
    """Header names and values as text that can go on the wire, checked up front.

    ``Authorization`` is refused (unless ``allow_auth``): the API key is the
    client's (``api_key=``, or ``with_options(api_key=...)``), and a header
    that silently replaced it would send a request signed by someone else.
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise TypeError(f"{name} must be a mapping of header names to values")
    checked: dict[str, str] = {}
    for key, value in headers.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"{name}: header names and values must be strings, not {key!r}")
        if not key.isascii() or not value.isascii() or any(c in key + value for c in "\r\n\0"):
            raise ValueError(f"{name}: header {key!r:.60} must be single-line ASCII text")
        if not allow_auth and key.lower() == "authorization":
            raise ValueError(
                f"{name} must not set Authorization: the API key is the client's "
                "(pass api_key=, or use client.with_options(api_key=...))"
            )
        checked[key] = value
    return checked


def check_query(query: object) -> dict[str, str]:
    """``extra_query``: text parameters added to the request's URL."""
    if query is None:
        return {}
    if not isinstance(query, Mapping):
        raise TypeError("extra_query must be a mapping of parameter names to values")
    for key, value in query.items():
        if not isinstance(key, str) or not isinstance(value, str | int | float):
            raise TypeError(f"extra_query: parameter {key!r:.60} must be text or a number")
    return dict(query)


def create_kwargs(body: _gen.MusicGenerateRequest) -> dict[str, Any]:
    kwargs = _gen.generate_music._get_kwargs(body=body)
    check_sendable(kwargs.get("json"), "")
    return kwargs


def check_sendable(value: object, where: str) -> None:
    """Refuse text that no request can carry, naming where it is in the body.

    A lone surrogate (``"\\ud800"``, what a bad decode with ``surrogateescape``
    leaves) is not Unicode text: httpx would fail to encode it deep inside the
    send with a bare ``UnicodeEncodeError``, or, with an older httpx, send it as
    an escape the gateway may read as something else. A ``ValueError`` naming
    the field says what to fix, before anything is sent -- as a job id gets.
    """
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"{where or 'the request'} is not valid Unicode text (it holds a lone "
                    f"surrogate) and cannot be sent: {value!r:.80}"
                ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            check_sendable(key, f"the key {name!r:.80}")
            check_sendable(item, name)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_sendable(item, f"{where}[{i}]")


def status_kwargs(job_id: str) -> dict[str, Any]:
    return _gen.get_music_generation._get_kwargs(music_id=job_id)


def parse_job(
    response: httpx.Response,
    *,
    job_id: str | None = None,
    requested_format: str | None = None,
) -> MusicJob:
    """The job in a success answer, or ``MalformedResponseError`` naming what is wrong.

    The job's :class:`JobContext` gets the answer's ``X-Request-Id`` and the
    ``format`` that was asked for on create (facts that are not in the body).
    """
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
        job = MusicJob.from_dict(
            data,
            context=JobContext(
                requested_format=requested_format,
                request_id=response.headers.get("x-request-id"),
            ),
        )
    except MalformedResponseError as exc:
        exc.response = exc.response or response
        exc.request = exc.request or response.request
        # The job asked for, not whatever id a garbled answer carries: the
        # caller's error must name the job it is waiting for.
        exc.job_id = job_id or exc.job_id
        raise
    if job_id is not None and job.id != job_id and job.native_response_id != job_id:
        # An answer about another job (a cache or proxy that mixed answers up,
        # a gateway bug): taking it would report another job's audio, or its
        # failure, as this one's. Retried like any garbled answer.
        raise MalformedResponseError(
            f"the status answer for job {job_id!r:.200} is about another job: its id is "
            f"{job.id!r:.200}"
            + (
                f" (nativeResponseId {job.native_response_id!r:.200})"
                if job.native_response_id is not None
                else ""
            ),
            field="id",
            response=response,
            job_id=job_id,
        )
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
    if isinstance(exc, httpx.PoolTimeout):
        return APITimeoutError(
            f"{what} was not sent: no connection of the client's pool came free in time "
            "(PoolTimeout; see limits= and the pool timeout)",
            request=request,
            may_have_reached_server=False,
            job_id=job_id,
        )
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

    Give it to a client as ``retry=`` (constructor or ``with_options``) to
    change the delays; ``max_retries=`` is the simple knob for the count alone
    (given with ``retry=``, it must agree with it). A per-call ``max_retries``
    changes the count and keeps the client's delays.

    Status reads are idempotent: retried on connection errors, timeouts, 429,
    5xx and malformed answers -- but never on a 501 (the feature is switched
    off, :class:`FeatureDisabledError`, which asking again will not change).
    Creating a job is paid work: it is retried only when the request provably
    did not reach the server (no connection or no free connection in the pool,
    a 429 that says when to come back, a 503 with a ``Retry-After`` header),
    never after a read timeout, a 500 or a connection dropped once the body
    was sent. The server's wait is its ``Retry-After`` header, else the error
    envelope's ``retry_after_seconds``.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25

    def __attrs_post_init__(self) -> None:
        check_max_retries(self.max_retries)
        for name in ("initial_delay", "max_delay", "jitter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"RetryPolicy.{name} must be a number, not {value!r}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"RetryPolicy.{name} must be a finite number >= 0, not {value!r}")
        if self.jitter > 1:
            raise ValueError(f"RetryPolicy.jitter must be between 0 and 1, not {self.jitter!r}")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds before try ``attempt + 1`` when the server said nothing:
        exponential up to ``max_delay``, shortened by jitter so that clients
        failing together do not retry in lockstep."""
        base = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return base * (1.0 - self.jitter * rng.random())

    def delay(
        self, error: APIError, *, attempt: int, creating: bool, rng: random.Random
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up with ``error``."""
        seconds = self._delay(error, attempt=attempt, creating=creating, rng=rng)
        if log.isEnabledFor(logging.INFO):
            what = _cut_line(error.message)
            if seconds is None:
                tried = f"after {attempt + 1} tries" if attempt else "not retried"
                log.info("%s: %s (%s)", type(error).__name__, what, tried)
            else:
                log.info(
                    "%s: %s (retry %d of %d in %.2f s)",
                    type(error).__name__,
                    what,
                    attempt + 1,
                    self.max_retries,
                    seconds,
                )
        return seconds

    def _delay(
        self, error: APIError, *, attempt: int, creating: bool, rng: random.Random
    ) -> float | None:
        if attempt >= self.max_retries:
            return None
        server_wait = retry_after_of(error)
        if creating:
            if isinstance(error, APIConnectionError) and not error.may_have_reached_server:
                return self.backoff(attempt, rng)
            if isinstance(error, APIStatusError) and (
                (error.status_code == 429 and server_wait is not None)
                # A 503 is trusted to mean "not processed" only with the
                # header HTTP defines for it, not a hint in the body.
                or (error.status_code == 503 and _header_wait(error) is not None)
            ):
                assert server_wait is not None  # the header is read first
                return min(server_wait, MAX_SERVER_WAIT)
            return None
        if not is_transient(error):
            return None
        if server_wait is not None:
            return min(server_wait, MAX_SERVER_WAIT)
        return self.backoff(attempt, rng)


def _cut_line(text: str, limit: int = 300) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def is_transient(error: AIStatsError) -> bool:
    """Whether a failed status read is worth trying again (the same answer for waiting)."""
    if isinstance(
        error, APIConnectionError | RateLimitError | ServerError | MalformedResponseError
    ):
        return True
    return isinstance(error, APIStatusError) and error.status_code in (408, 409, 425)


def _header_wait(error: APIStatusError) -> float | None:
    return parse_retry_after(error.response.headers.get("retry-after"))


def retry_after_of(error: AIStatsError) -> float | None:
    """The server's word on when to try again: the ``Retry-After`` header, else
    the envelope's ``retry_after_seconds``."""
    if isinstance(error, APIStatusError):
        header = _header_wait(error)
        return header if header is not None else error.retry_after_seconds
    return None


_NOT_RETRIED: Final = "it was not retried, to avoid paying twice"


def note_create_failure(error: APIError) -> APIError:
    """Say, on a failed create, whether a job may exist although no id came back.

    A 501 (:class:`FeatureDisabledError`) made no job: the feature is off.
    """
    if isinstance(error, FeatureDisabledError):
        error.job_may_exist = False
        return error
    if (isinstance(error, APIConnectionError) and error.may_have_reached_server) or isinstance(
        error, ServerError | MalformedResponseError
    ):
        error.job_may_exist = True
        if error.job_id is not None:  # an answer that named the job but could not be read
            error.message += (
                f" -- the gateway answered with job id {error.job_id!r:.200}, so the job may "
                f"exist: wait for it with that id; {_NOT_RETRIED}"
            )
        elif isinstance(error, APIStatusError) and error.request_id is not None:
            # The gateway's job id is its request id: the job, if one was
            # stored, can be found under it.
            error.message += (
                " -- the request reached the gateway, so a job may exist under its request id "
                f"{error.request_id!r:.200}: try client.wait({error.request_id!r:.200}) "
                f"(a NotFoundError there means none was stored); {_NOT_RETRIED}"
            )
        elif isinstance(error, APITimeoutError):
            error.message += (
                " -- the gateway holds a create open while it generates the music, and no "
                "answer came within the create timeout: a paid job may exist, but no id came "
                "back, and nothing can find it later (the gateway has no operation that lists "
                f"jobs); {_NOT_RETRIED}. If generations take longer, raise create_timeout"
            )
        else:
            error.message += (
                " -- the request may have reached the gateway, so a job may exist although "
                f"no id came back; {_NOT_RETRIED}"
            )
        error.args = (error.message,)
    return error


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret and secret in text else text


def scrub(error: AIStatsError, secret: str) -> AIStatsError:
    """Remove the key from an error's message (a server may echo headers back).

    Messages quote only the start of a body, so an echoed key may be cut short
    in one: its first 8 characters or more are removed as well as the whole
    (``_log.scrub_key``, which log records go through too).
    """
    message = scrub_key(error.message, secret)
    if message != error.message:
        error.message = message
        error.args = (message,)
    return error
