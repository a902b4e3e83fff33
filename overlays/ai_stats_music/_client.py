"""``MusicClient`` and ``AsyncMusicClient``: the same methods, sync and async.

Both are thin I/O drivers around ``_core`` (requests, answers, errors,
retries) and ``_wait`` / ``_wait_many`` (waiting): the logic is written once. Settings live
on each client object and are applied to every request it sends, so that a
copy made by ``with_options`` (or an ``http_client`` passed in) can share one
connection pool without sharing its settings.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import threading
import time
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, Self, TypeAlias, TypeVar

import attrs
import httpx

from . import _gen
from ._core import (
    DEFAULT_CREATE_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    RetryPolicy,
    _Secret,
    bind_event_loop,
    check_headers,
    check_job_id,
    check_max_retries,
    check_query,
    check_timeout,
    create_kwargs,
    create_timeout_of,
    job_id_of,
    log,
    log_response,
    note_create_failure,
    parse_job,
    poll_hint,
    resolve_api_key,
    resolve_base_url,
    scrub,
    status_kwargs,
    transport_error,
)
from ._deadline import budget, install
from ._errors import AIStatsError, APIError, MalformedResponseError, status_error
from ._gen import AuthenticatedClient
from ._models import MusicClip, MusicJob
from ._options import (
    AudioFormat,
    DebugOptions,
    ElevenLabsOptions,
    ProviderRouting,
    SunoOptions,
    build_request,
)
from ._poll_policy import DEFAULT_POLICY, PollPolicy
from ._version import __version__
from ._wait import wait_async, wait_sync
from ._wait_many import wait_many_async, wait_many_sync
from ._watch import OnUpdate, WaitArgs, WaitResult

if TYPE_CHECKING:
    # Downloads come at the end of a job's life: ``_download`` is imported on
    # first use, not with the package (import time).
    from ._audio import MusicAudio
    from ._download import AllProgress, Progress

__all__ = [
    "NOT_GIVEN",
    "AsyncMusicClient",
    "BaseMusicClient",
    "MusicClient",
    "NotGiven",
    "TimeoutTypes",
]

_T = TypeVar("_T")
_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)

#: What a timeout may be: seconds, an ``httpx.Timeout`` (per phase), or
#: ``None`` for no bound.
TimeoutTypes: TypeAlias = float | httpx.Timeout | None


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument left out, which is not ``None``.

    ``timeout=None`` means "no bound"; leaving ``timeout`` out means "the
    client's". A sentinel tells the two apart; it is falsy and pickles as
    itself.
    """

    __slots__ = ()
    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: The default of every per-call option: "use the client's setting".
NOT_GIVEN: Final = NotGiven()

USER_AGENT: Final = f"ai-stats-music/{__version__} python-httpx/{httpx.__version__}"

#: One pool per client, for creates and status reads alike: at most 64
#: connections to the gateway at once (``limits=`` changes it). ``wait_many``'s
#: reads fit easily (see its ``concurrency``); creates beyond 64 at once queue
#: for a connection -- unsent, and without a deadline -- and go out as earlier
#: ones are answered.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=64, max_keepalive_connections=64)
#: The last poll of a wait is made at its deadline; it gets this long to be
#: answered (at most), so that a wait ends at most this long after its deadline.
LAST_POLL_TIMEOUT: Final = 1.0
_DOWNLOAD_HEADERS: Final = {"Accept-Encoding": "identity", "User-Agent": USER_AGENT}


def _closed_error(client: object) -> AIStatsError:
    return AIStatsError(
        f"this {type(client).__name__} is closed: make a new client (or use it in a "
        "'with' block only)"
    )


class _Pool(Generic[_H]):
    """The connections a client and its copies (``with_options``) share.

    The client that opened the pool owns it: closing that client closes the
    pool, and its copies then say they are closed; closing a copy closes only
    the copy. An httpx client passed in is used as is and never closed. A pool
    of our own is opened on first use and again in a child process after
    ``os.fork()``: connections are not fork-safe, so a child never uses the
    parent's (it leaves them to the parent, unclosed).
    """

    __slots__ = ("_given", "_http", "_lock", "_make", "_pid", "closed")

    def __init__(self, make: Callable[[], _H], given: _H | None) -> None:
        self._make: Callable[[], _H] = make
        self._given: _H | None = given
        self._http: _H | None = given
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.closed = False

    @property
    def owned(self) -> bool:
        return self._given is None

    def get(self, client: object) -> _H:
        if self.closed:
            raise _closed_error(client)
        http = self._http
        if http is not None and (self._given is not None or self._pid == os.getpid()):
            return http
        with self._lock:
            if self.closed:
                raise _closed_error(client)
            if self._http is None or self._pid != os.getpid():
                self._http = self._make()
                self._pid = os.getpid()
            return self._http

    def take(self) -> _H | None:
        """Mark the pool closed; the httpx client to close, if it is ours and this process's."""
        with self._lock:
            self.closed = True
            http, self._http = self._http, None
        if self._given is not None or self._pid != os.getpid():
            return None
        return http


class _Forward(httpx.BaseTransport):
    """A transport that sends through a pool: ``raw``'s client and downloads
    through a user's client go through it, with their own settings."""

    def __init__(self, pool: Callable[[], httpx.Client]) -> None:
        self._pool = pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool().send(request, stream=True, auth=None, follow_redirects=False)


class _AsyncForward(httpx.AsyncBaseTransport):
    """The async twin of :class:`_Forward`."""

    def __init__(self, pool: Callable[[], httpx.AsyncClient]) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool().send(request, stream=True, auth=None, follow_redirects=False)


def _refuse_auth(http_client: httpx.Client | httpx.AsyncClient | None, name: str) -> None:
    # httpx keeps a client's auth in ``_auth`` (``auth`` is its property).
    if http_client is not None and http_client.auth is not None:
        raise ValueError(
            f"{name} has an auth set: this client sends the API key itself, and an auth "
            "of the http client would replace it silently. Pass an http client without auth."
        )


@attrs.frozen(kw_only=True)
class _Call:
    """One call's request options, checked, with the client's filled in."""

    headers: Mapping[str, Any]
    query: Mapping[str, Any]
    timeout: httpx.Timeout
    retry: RetryPolicy
    deadline: float | None = None  # for the waits, on ``clock``
    clock: Callable[[], float] = time.monotonic


def _as_timeout(timeout: TimeoutTypes) -> httpx.Timeout:
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


class _Attempts:
    """Counts the tries of one call and turns each failure into a delay or a raise."""

    __slots__ = ("_client", "_clock", "_creating", "_deadline", "_job_id", "_n", "_retry")

    def __init__(
        self, client: BaseMusicClient, *, creating: bool, job_id: str | None, call: _Call
    ) -> None:
        self._client = client
        self._creating = creating
        self._job_id = job_id
        self._retry = call.retry
        self._deadline = call.deadline
        self._clock = call.clock
        self._n = 0

    def failed(self, error: APIError) -> float:
        """The delay before the next try, or raise ``error`` when giving up."""
        delay = self._retry.delay(
            error, attempt=self._n, creating=self._creating, rng=self._client._rng
        )
        if (
            delay is not None
            and self._deadline is not None
            and self._clock() + delay >= self._deadline
        ):
            delay = None  # a retry would start after the wait's deadline
        if delay is None:
            if self._creating:
                note_create_failure(error)
            raise scrub(error, self._client._api_key) from None
        self._n += 1
        log.debug(
            "retry %d of %d in %.2f s after %s",
            self._n,
            self._retry.max_retries,
            delay,
            type(error).__name__,
        )
        return delay

    def raised(self, exc: httpx.HTTPError) -> float:
        request = exc.request if isinstance(exc, httpx.RequestError) else None
        return self.failed(transport_error(exc, request=request, job_id=self._job_id))

    def answered(self, response: httpx.Response) -> float:
        return self.failed(status_error(response, job_id=self._job_id))


def _status_error_of(exc: BaseException) -> httpx.Response | None:
    """The answer of an ``httpx.HTTPStatusError`` raised by an event hook
    (``raise_for_status``): it is an answer, not a connection failure."""
    return exc.response if isinstance(exc, httpx.HTTPStatusError) else None


class BaseMusicClient:
    """What :class:`MusicClient` and :class:`AsyncMusicClient` share: their
    settings (read-only properties) and the logic written once for both.

    Public so that code taking either client can say so
    (``isinstance(c, BaseMusicClient)``, an annotation) and read its settings;
    it is not made directly: construct one of the two clients.
    """

    def __init__(self) -> None:
        raise TypeError("BaseMusicClient is not made directly: use MusicClient or AsyncMusicClient")

    _sleep: Callable[[float], Any]
    _raw: _gen.AuthenticatedClient | None
    _owner: bool  # whether closing this client closes the pools (not a copy's)
    #: The headers the pool's httpx client sends by default (the owner's), or None
    #: for an http_client passed in: a call whose headers are these sends none.
    _pool_headers: dict[str, str] | None

    def _configure(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes,
        create_timeout: TimeoutTypes,
        max_retries: int | NotGiven,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
        allow_insecure_http: bool,
        poll_policy: PollPolicy | None,
        clock: Callable[[], float],
    ) -> None:
        check_timeout(timeout)
        check_timeout(create_timeout, "create_timeout")
        self._retry = _retry_of(retry, max_retries)
        if poll_policy is not None and not isinstance(poll_policy, PollPolicy):
            raise TypeError(f"poll_policy must be a PollPolicy, not {type(poll_policy).__name__}")
        own_headers = check_headers(headers, "headers")
        self._api_key = resolve_api_key(api_key)
        self._allow_insecure_http = allow_insecure_http
        self._base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self._poll_policy = DEFAULT_POLICY if poll_policy is None else poll_policy
        self._clock = clock
        self._timeout = _as_timeout(timeout)
        self._create_timeout = create_timeout_of(create_timeout)
        self._rng = random.Random()
        self._user_headers = MappingProxyType(own_headers)
        # The whole header value as a _Secret, whose repr is '***'.
        self._auth = _Secret(f"Bearer {self._api_key}")
        self._headers: dict[str, str] = {
            "User-Agent": USER_AGENT,
            **own_headers,
            "Authorization": self._auth,
        }
        self._raw = None
        self._closed = False

    # -- settings (read-only: a change is a new client, see with_options) ----------

    @property
    def base_url(self) -> str:
        """The gateway's base URL every request goes to (read-only)."""
        return self._base_url

    @property
    def max_retries(self) -> int:
        """How often a failed request is tried again by default (read-only;
        ``retry.max_retries``)."""
        return self._retry.max_retries

    @property
    def retry(self) -> RetryPolicy:
        """When and how soon a failed request is tried again (read-only)."""
        return self._retry

    @property
    def poll_policy(self) -> PollPolicy:
        """How waits poll by default (read-only)."""
        return self._poll_policy

    @property
    def timeout(self) -> httpx.Timeout:
        """The request timeout of status reads and downloads (read-only)."""
        return self._timeout

    @property
    def create_timeout(self) -> httpx.Timeout:
        """The request timeout of a create (read-only)."""
        return self._create_timeout

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers given to this client, sent with every API request (read-only;
        the key is not among them)."""
        return self._user_headers

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`close` was called on this client (or on the one it was copied from)."""
        return self._closed or self._pool.closed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _copy(
        self,
        *,
        api_key: str | NotGiven,
        base_url: str | NotGiven,
        timeout: TimeoutTypes | NotGiven,
        create_timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        retry: RetryPolicy | NotGiven,
        headers: Mapping[str, str] | NotGiven,
        poll_policy: PollPolicy | NotGiven,
        allow_insecure_http: bool | NotGiven,
    ) -> Self:
        """A copy with some settings changed, over the same pools (see ``with_options``)."""
        self._check_open()
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._owner = False

        def given(value: _T | NotGiven, current: _T) -> _T:
            return current if isinstance(value, NotGiven) else value

        copy._configure(
            api_key=given(api_key, str(self._api_key)),
            base_url=given(base_url, self._base_url),
            timeout=given(timeout, self._timeout),
            create_timeout=given(create_timeout, self._create_timeout),
            # A count alone keeps this client's delays; a policy replaces both.
            max_retries=NOT_GIVEN,
            retry=_retry_of(
                None if isinstance(retry, NotGiven) else retry, max_retries, base=self._retry
            ),
            headers={**self._user_headers, **given(headers, {})},
            allow_insecure_http=given(allow_insecure_http, self._allow_insecure_http),
            poll_policy=given(poll_policy, self._poll_policy),
            clock=self._clock,
        )
        return copy

    @property
    def _pool(self) -> _Pool[Any]:
        raise NotImplementedError

    def _check_open(self) -> None:
        if self._closed or self._pool.closed:
            raise _closed_error(self)

    def _raw_settings(self) -> dict[str, Any]:
        """The settings of ``raw``'s httpx client, which sends through the shared pool."""
        return {
            "base_url": self._base_url,
            "headers": self._headers,
            "timeout": self._timeout,
            "follow_redirects": False,
        }

    def _new_raw(self, http: httpx.Client | httpx.AsyncClient) -> _gen.AuthenticatedClient:
        raw = _gen.AuthenticatedClient(
            base_url=self._base_url,
            token=self._auth,
            prefix="",
            headers=dict(self._headers),
            timeout=self._timeout,
            follow_redirects=False,
        )
        if isinstance(http, httpx.Client):
            raw.set_httpx_client(http)
        else:
            raw.set_async_httpx_client(http)
        return raw

    # -- per-call options ------------------------------------------------------------

    def _options(
        self,
        *,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, str] | None,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        default_timeout: httpx.Timeout | None = None,
        default_retry: RetryPolicy | None = None,
    ) -> _Call:
        """This call's options, checked before anything is sent; what is not
        given is the client's."""
        self._check_open()
        headers = self._headers
        extra = check_headers(extra_headers, "extra_headers")
        if extra:
            headers = {**headers, **extra}
        if isinstance(timeout, NotGiven):
            request_timeout = self._timeout if default_timeout is None else default_timeout
        else:
            check_timeout(timeout)
            request_timeout = _as_timeout(timeout)
        if isinstance(max_retries, NotGiven):
            retry = self._retry if default_retry is None else default_retry
        else:
            retry = attrs.evolve(self._retry, max_retries=check_max_retries(max_retries))
        return _Call(
            headers=headers,
            query=check_query(extra_query),
            timeout=request_timeout,
            retry=retry,
            clock=self._clock,
        )

    def _kwargs(self, kwargs: dict[str, Any], call: _Call) -> dict[str, Any]:
        # An absolute URL spares httpx a merge with its base URL on every
        # request (and a client passed in may have another base URL, or none).
        kwargs["url"] = self._base_url + kwargs["url"]
        sent = kwargs.get("headers")
        if sent:
            kwargs["headers"] = {**sent, **call.headers}
        elif call.headers is not self._pool_headers:
            kwargs["headers"] = call.headers
        # else: the pool's default headers are exactly this call's (the owner's,
        # with no extra_headers): nothing to merge into the request.
        if call.query:
            kwargs["params"] = call.query
        # The key is ours: an auth set on an http client passed in is never used.
        kwargs["auth"] = None
        kwargs["timeout"] = call.timeout
        return kwargs

    def _timeout_now(self, kwargs: dict[str, Any], call: _Call) -> None:
        """Cap this try's timeout by the time left before the wait's deadline:
        no request outlives it (the last poll, at the deadline, gets at most
        ``LAST_POLL_TIMEOUT``)."""
        if call.deadline is not None:
            left = call.deadline - call.clock()
            floor = min(LAST_POLL_TIMEOUT, call.timeout.read or LAST_POLL_TIMEOUT)
            kwargs["timeout"] = _cap(call.timeout, max(left, floor))

    def _create_call(
        self,
        *,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, str] | None,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
    ) -> _Call:
        # A create's timeout is its own (the generation happens inside the
        # request), never the status reads' shorter one.
        if not isinstance(timeout, NotGiven):
            check_timeout(timeout)
            timeout = create_timeout_of(timeout)
        return self._options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            default_timeout=self._create_timeout,
        )

    def _wait_call(
        self,
        policy: PollPolicy,
        *,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, str] | None,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        clock: Callable[[], float] | None = None,
    ) -> _Call:
        """The options of a wait's status reads: each is capped by the time
        left before the deadline, and retried only when ``max_retries`` is
        given (by default the wait itself tries again, on its schedule)."""
        clock = self._clock if clock is None else clock
        call = self._options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            default_retry=_NO_RETRY,
        )
        if policy.timeout is None:
            return call
        return attrs.evolve(call, deadline=clock() + policy.timeout, clock=clock)

    def _policy(self, poll: PollPolicy | None, deadline: float | NotGiven | None) -> PollPolicy:
        policy = self._poll_policy if poll is None else poll
        if not isinstance(deadline, NotGiven) and deadline != policy.timeout:
            if deadline is not None:
                check_timeout(deadline, "deadline")
            policy = attrs.evolve(policy, timeout=deadline)
        return policy

    def _download_timeout(self, timeout: TimeoutTypes | NotGiven) -> TimeoutTypes:
        self._check_open()
        if isinstance(timeout, NotGiven):
            return self._timeout
        check_timeout(timeout)
        return timeout

    def _wait_args(
        self, policy: PollPolicy, on_update: OnUpdate | None, *, just_created: bool = False
    ) -> WaitArgs[Any]:
        """How the wait drivers wait, the same for both clients (``Any``: the
        sync client's sleep is a function, the async client's a coroutine)."""
        return WaitArgs(
            policy=policy,
            just_created=just_created,
            on_update=on_update,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )

    @contextlib.contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Take the key out of any error a wait raises: a job's error text or an
        unknown status comes from the server, which may echo what it was sent."""
        try:
            yield
        except AIStatsError as exc:
            scrub(exc, self._api_key)
            raise

    def _parse_created(self, fmt: str | None) -> Callable[[httpx.Response], MusicJob]:
        def parse(response: httpx.Response) -> MusicJob:
            job = parse_job(response, requested_format=fmt)
            log.debug("created music job %s (status %s)", job.id, job.status)
            return job

        return parse


_NO_RETRY: Final = RetryPolicy(max_retries=0)


def _retry_of(
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


def _format_of(format: AudioFormat | str | None) -> str | None:
    return format.value if isinstance(format, AudioFormat) else format


def _formats(jobs: Iterable[MusicJob | str]) -> dict[str, str | None]:
    """The format asked for on create, per job, for the jobs waited on."""
    return {
        job.id: job.context.requested_format
        for job in jobs
        if isinstance(job, MusicJob) and job.context.requested_format is not None
    }


def _parse_status(
    job_id: str, fmt: str | None
) -> Callable[[httpx.Response], tuple[MusicJob, float | None]]:
    def parse(response: httpx.Response) -> tuple[MusicJob, float | None]:
        return parse_job(response, job_id=job_id, requested_format=fmt), poll_hint(response)

    return parse


def _new_sync_pool(limits: httpx.Limits | None, headers: Mapping[str, str]) -> httpx.Client:
    # A plain httpx client: proxies and certificates from the environment
    # apply, as they would to any httpx client. Its default headers are the
    # owning client's (key included), so that the owner's requests carry none
    # of their own: merging headers into every request costs about 5 % of a
    # status read's CPU (bench, overhead). install: each request's timeout
    # bounds the whole request (see _deadline).
    limits = DEFAULT_LIMITS if limits is None else limits
    return install(httpx.Client(follow_redirects=False, limits=limits, headers=headers))


def _new_async_pool(limits: httpx.Limits | None, headers: Mapping[str, str]) -> httpx.AsyncClient:
    limits = DEFAULT_LIMITS if limits is None else limits
    return install(httpx.AsyncClient(follow_redirects=False, limits=limits, headers=headers))


class MusicClient(BaseMusicClient):
    """Synchronous client of the music API.

    ``api_key`` defaults to ``$AI_STATS_API_KEY``, else ``$PHASEO_API_KEY`` (the
    variable of the gateway's own SDK); ``base_url`` to ``$AI_STATS_BASE_URL``,
    else ``$PHASEO_BASE_URL``, else ``https://api.phaseo.app/v1``.

    Names mean one thing everywhere: ``timeout`` is a request timeout,
    ``deadline`` a wait's overall deadline. ``create_timeout`` is the request
    timeout of a create (default 180 s for the answer, no bound on waiting for
    a free connection): the gateway holds the request open while the music is
    generated, tens of seconds, and gives up itself at about 60 s with a 504
    that names the request, so the client waits longer than the gateway does.
    A number bounds connecting, sending and the answer; an ``httpx.Timeout``
    is used as given. ``timeout`` is the request timeout of each status read
    and download (default 30 s; 10 s to connect), which the gateway answers at
    once. A request's timeout bounds the whole request once it is on a
    connection (sending it and reading all of its answer take at most the
    ``read`` value), not each read; the wait for a free connection does not
    count. ``max_retries`` applies to each call (see :class:`RetryPolicy`: job
    creation is only retried when it provably did not reach the server);
    ``retry`` gives the whole policy (delays too), and must agree with
    ``max_retries`` when both are given.
    ``headers`` go with every API request (never ``Authorization``: the key is
    ``api_key``; never to the audio origin). Settings are read-only;
    :meth:`with_options` makes a copy with others.

    ``limits`` sizes the connection pool shared by creates and status reads
    (default 64 connections). Pass ``http_client`` to send through your own
    ``httpx.Client`` (proxies, TLS, transport, event hooks): this client's key,
    headers and timeouts still apply to every request, it must have no
    ``auth``, and it is not closed by :meth:`close`. Downloads never go through
    it (it may carry credentials of yours): pass ``download_client`` to fetch
    audio through another one of yours, used without its headers or auth.
    ``sleep`` and ``clock`` are injectable for tests that run in virtual time.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        create_timeout: TimeoutTypes = DEFAULT_CREATE_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.Client | None = None,
        download_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        poll_policy: PollPolicy | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise TypeError(
                "http_client must be an httpx.Client (AsyncMusicClient takes an AsyncClient)"
            )
        if download_client is not None and not isinstance(download_client, httpx.Client):
            raise TypeError("download_client must be an httpx.Client")
        _refuse_auth(http_client, "http_client")
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            create_timeout=create_timeout,
            max_retries=max_retries,
            retry=retry,
            headers=headers,
            allow_insecure_http=allow_insecure_http,
            poll_policy=poll_policy,
            clock=clock,
        )
        # The pool's default headers are this client's (see _kwargs); a copy
        # (with_options) has headers of its own and sends them per request.
        pool_headers = self._pool_headers = None if http_client is not None else self._headers
        self._api: _Pool[httpx.Client] = _Pool(
            lambda: _new_sync_pool(limits, pool_headers or {}), http_client
        )
        self._downloads: _Pool[httpx.Client] = _Pool(
            lambda: _new_sync_downloads(download_client), None
        )
        self._owner = True
        self._sleep = sleep

    @property
    def _pool(self) -> _Pool[httpx.Client]:
        return self._api

    def _http(self) -> httpx.Client:
        return self._api.get(self)

    @property
    def raw(self) -> AuthenticatedClient:
        """The generated client, for operations the overlay does not wrap.

        Use it with ``ai_stats_gateway.api.gateway.*`` functions; it shares this
        client's connection pool, key, headers and timeout.
        """
        self._check_open()
        if self._raw is None:
            self._raw = self._new_raw(
                httpx.Client(transport=_Forward(self._http), **self._raw_settings())
            )
        return self._raw

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        create_timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        poll_policy: PollPolicy | NotGiven = NOT_GIVEN,
        allow_insecure_http: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A new client with these settings changed, sharing this one's connection pools.

        The original is unchanged. ``headers`` are added to this client's (a
        name given again replaces its value). Closing the copy closes only the
        copy; closing the original closes the pools, and the copies with it.
        """
        return self._copy(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            create_timeout=create_timeout,
            max_retries=max_retries,
            retry=retry,
            headers=headers,
            poll_policy=poll_policy,
            allow_insecure_http=allow_insecure_http,
        )

    # -- plumbing ---------------------------------------------------------------

    def _call(
        self,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], _T],
        *,
        creating: bool,
        job_id: str | None,
        call: _Call,
    ) -> _T:
        attempts = _Attempts(self, creating=creating, job_id=job_id, call=call)
        self._kwargs(kwargs, call)
        while True:
            self._timeout_now(kwargs, call)  # on each try: a deadline's time left shrinks
            try:
                with budget(kwargs["timeout"].read):  # the whole request, not each read
                    response = self._http().request(**kwargs)
            except httpx.HTTPError as exc:
                answer = _status_error_of(exc)
                if answer is None:
                    delay = attempts.raised(exc)
                else:
                    answer.read()
                    delay = attempts.answered(answer)
            else:
                log_response(response)
                if response.is_success:
                    try:
                        return parse(response)
                    except MalformedResponseError as exc:
                        delay = attempts.failed(exc)
                else:
                    delay = attempts.answered(response)
            self._sleep(delay)

    # -- operations -----------------------------------------------------------

    def create(
        self,
        *,
        model: str,
        prompt: str | None = None,
        duration: int | None = None,
        format: AudioFormat | str | None = None,
        provider: ProviderRouting | Mapping[str, Any] | None = None,
        suno: SunoOptions | Mapping[str, Any] | None = None,
        elevenlabs: ElevenLabsOptions | Mapping[str, Any] | None = None,
        echo_upstream_request: bool | None = None,
        debug: DebugOptions | Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """Start a music generation job and return it as the gateway answers.

        Every active provider is synchronous: the gateway holds the request
        open while the music is generated and answers with the job already
        ``completed`` (or ``failed``), its audio inside; a queued provider
        answers at once with the job ``queued`` or ``in_progress``. A ``failed``
        answer is returned, not raised (``create_and_wait`` raises it).

        ``model`` names the model (``"suno/v4.5plus"``...); ``suno``,
        ``elevenlabs``, ``provider`` and ``debug`` take the option classes or
        mappings keyed as the gateway names the fields; ``extra_body`` sends
        fields newer than this client. Options are checked before sending (the
        Suno rules raise ``ValueError`` naming the missing field).

        The request options, here as on every method that sends a request:
        ``extra_headers`` (added to the client's; ``Authorization`` is refused:
        the key is the client's), ``extra_query`` (URL parameters), ``timeout``
        (this request's timeout; here default: the client's
        ``create_timeout``, 180 s) and ``max_retries`` (default: the client's).
        A failure that may have created a job anyway says so
        (``error.job_may_exist``, and the message says what can be done); it is
        never retried. A 501 (:class:`FeatureDisabledError`) or a 402
        (:class:`InsufficientFundsError`) made no job. The answer's
        ``X-Request-Id`` is ``job.context.request_id``.
        """
        call = self._create_call(
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        body = build_request(
            model=model,
            prompt=prompt,
            duration=duration,
            format=format,
            provider=provider,
            suno=suno,
            elevenlabs=elevenlabs,
            echo_upstream_request=echo_upstream_request,
            debug=debug,
            extra_body=extra_body,
        )
        return self._call(
            create_kwargs(body),
            self._parse_created(_format_of(format)),
            creating=True,
            job_id=None,
            call=call,
        )

    def get(
        self,
        job_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """The job's current status (retried on transient failures).

        The request options are :meth:`create`'s (``timeout`` default: the
        client's ``timeout``).
        """
        check_job_id(job_id)
        call = self._options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._call(
            status_kwargs(job_id),
            functools.partial(parse_job, job_id=job_id),
            creating=False,
            job_id=job_id,
            call=call,
        )

    def _poller(
        self, call: _Call, formats: Mapping[str, str | None]
    ) -> Callable[[str], tuple[MusicJob, float | None]]:
        """One status read and the server's poll hint, for the waiter (which retries)."""

        def poll_once(job_id: str) -> tuple[MusicJob, float | None]:
            return self._call(
                status_kwargs(job_id),
                _parse_status(job_id, formats.get(job_id)),
                creating=False,
                job_id=job_id,
                call=call,
            )

        return poll_once

    def download(
        self,
        source: MusicAudio | MusicClip | str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Path:
        """Save one audio to ``dest``; return the file's path.

        ``source`` is a :class:`MusicAudio` (an item of ``job.audio``), a
        :class:`MusicClip` (its ``audio_base64``, else ``audio_url``, else
        ``stream_audio_url``) or a URL string (http(s), or a ``data:`` URI).
        Inline audio is decoded and written with no request; a URL is fetched.

        ``dest`` is a directory -- an existing one, or any path ending in a
        separator (then it must exist) -- in which the file is named after the
        clip's title (else its id, else the job's id, else its index), made safe
        as a file name so that it never lands outside ``dest``, with the
        extension of the audio's content type (the answer's ``Content-Type``,
        else the URL's, else what inline bytes are, else the requested format;
        ``.mp3`` when nothing says); or a file path whose directory exists. Only
        a regular file is ever replaced, atomically (readers see the old file or
        the new one, never a mix); a FIFO, socket or device there is refused
        untouched (``FileExistsError``). A symlink stays a symlink: the file
        lands at its target. A symlink at a name made up in a directory is
        refused, not followed.

        The audio goes to a temporary file beside the destination, flushed to
        disk and renamed into place only when whole (for a URL: as long as its
        ``Content-Length`` says). After any failure, an interrupt included,
        nothing new is left at ``dest`` and the temporary file is gone. Memory
        use does not grow with a downloaded file.

        The requests carry neither the API key nor any header given to this
        client: the audio lives on another origin (a CDN), and goes through a
        connection pool of its own (or the client's ``download_client``). So
        downloads take no ``extra_headers`` or ``extra_query`` (those are for
        the API), and no ``max_retries``: a download is not retried. Redirects
        are followed to http(s) URLs only, at most 10 of them.
        ``progress(done_bytes, total_bytes)`` is called when the body starts
        and after each chunk (``total_bytes`` is ``None`` without a
        ``Content-Length``). ``timeout`` (default: the client's) bounds each
        network operation, not the whole download.

        Raises ``ValueError`` for a URL that is not http(s) or ``data:`` (or a
        clip without audio); ``FileNotFoundError`` / ``NotADirectoryError``
        naming the missing directory or the file in the way;
        ``FileExistsError`` / ``IsADirectoryError`` for a destination that is
        not a regular file; :class:`MalformedResponseError` for inline audio
        that is not valid base64 or a ``data:`` URI that lies (see
        ``MusicAudio.data``); :class:`DownloadError` for a length mismatch or a
        redirect it will not follow; :class:`APIStatusError` subclasses for an
        error status; :class:`APIConnectionError` / :class:`APITimeoutError`
        when the network fails; ``OSError`` when the file cannot be written.
        Messages leave out the URL's query string, which signs a CDN URL.
        """
        from ._download import download_sync

        return download_sync(
            self._downloader,
            source,
            dest,
            progress=progress,
            timeout=self._download_timeout(timeout),
        )

    def download_all(
        self,
        job: MusicJob,
        dest_dir: str | os.PathLike[str],
        *,
        progress: AllProgress | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> list[Path]:
        """Save every audio of ``job`` (``job.audio``, in order) in ``dest_dir``; return the paths.

        ``dest_dir`` must be an existing directory (``FileNotFoundError``
        otherwise: create it first). Each audio is saved as :meth:`download`
        saves it into a directory, under a name no other audio of this call
        gets: equal titles, titles equal in their first 120 bytes, and a title
        that is another's numbered name become ``Song.mp3``, ``Song (2).mp3``,
        ``Song (3).mp3``..., the number kept past the length cut, names compared
        case-insensitively. Names depend only on the job, so calling again
        saves to the same paths (existing regular files are replaced).

        One audio at a time. When one fails, the call stops and raises that
        error, unchanged in type (with the job's id as ``job_id``); the files
        saved before it stay, and a note on the error (``exc.__notes__``) lists
        them. A job without audio gives ``[]``.
        ``progress(audio, done_bytes, total_bytes)`` reports each in turn.
        Request options as :meth:`download`'s.
        """
        from ._download import download_all_sync

        return download_all_sync(
            self._downloader,
            job,
            dest_dir,
            progress=progress,
            timeout=self._download_timeout(timeout),
        )

    def _downloader(self) -> httpx.Client:
        self._check_open()
        return self._downloads.get(self)

    # -- waiting ----------------------------------------------------------------

    def wait(
        self,
        job: MusicJob | str,
        *,
        deadline: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """Poll until the job ends; return it completed.

        ``job`` is a job or just its id, so a job created elsewhere (another
        process, a restarted worker) can be waited for here. A job given
        already ended (a synchronous provider's create answer) is returned, or
        raised as :class:`MusicJobFailed`, without any request. ``deadline`` is
        the overall deadline in seconds (default: the poll policy's, 600 s;
        ``None`` waits for ever): no status read outlives it (the last poll,
        made at the deadline, gets at most a second). ``poll`` replaces the
        client's :class:`PollPolicy`. ``on_update(job)`` is called once per
        change of status. Raises :class:`MusicJobFailed`,
        :class:`MusicJobTimeout`, or the permanent error (401, 403, 404...)
        that ended the wait, each carrying ``job_id``; transient failures are
        tried again on the poll schedule until the deadline.

        Request options as :meth:`get`'s, for each status read; ``max_retries``
        (default 0: the wait itself tries again) retries a failed read at once.
        """
        policy = self._policy(poll, deadline)
        call = self._wait_call(
            policy,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        fetch = self._poller(call, _formats([job]))
        job_id_of(job)  # refuse a bad id before the wait starts
        with self._scrubbing():
            return wait_sync(fetch, job, self._wait_args(policy, on_update))

    def create_and_wait(
        self,
        *,
        model: str,
        prompt: str | None = None,
        duration: int | None = None,
        format: AudioFormat | str | None = None,
        provider: ProviderRouting | Mapping[str, Any] | None = None,
        suno: SunoOptions | Mapping[str, Any] | None = None,
        elevenlabs: ElevenLabsOptions | Mapping[str, Any] | None = None,
        echo_upstream_request: bool | None = None,
        debug: DebugOptions | Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        create_timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """:meth:`create`, then :meth:`wait`: the finished job.

        A create answered ``completed`` (every synchronous provider) is
        returned as it came, with no status request; one answered ``failed``
        raises :class:`MusicJobFailed` carrying it. Only a queued job is
        polled. ``create_timeout`` is the create's request timeout (default:
        the client's), ``timeout`` each status read's, ``deadline`` the wait's
        (counted from the create's answer, so that a job that was paid for is
        never abandoned mid-create). ``extra_headers``, ``extra_query`` and
        ``max_retries`` apply to the create and to each status read. Every
        error raised after the job was created carries its ``job_id``: wait for
        it again with that id.
        """
        created = self.create(
            model=model,
            prompt=prompt,
            duration=duration,
            format=format,
            provider=provider,
            suno=suno,
            elevenlabs=elevenlabs,
            echo_upstream_request=echo_upstream_request,
            debug=debug,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=create_timeout,
            max_retries=max_retries,
        )
        policy = self._policy(poll, deadline)
        call = self._wait_call(
            policy,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        job_id_of(created)  # refuse a bad id before the wait starts
        with self._scrubbing():
            return wait_sync(
                self._poller(call, _formats([created])),
                created,
                self._wait_args(policy, on_update, just_created=True),
            )

    def wait_many(
        self,
        jobs: Iterable[MusicJob | str],
        *,
        concurrency: int = 8,
        deadline: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Generator[WaitResult, None, None]:
        """Wait for many jobs; yield a :class:`WaitResult` for each as it ends,
        in the order they end (see :meth:`AsyncMusicClient.wait_many`).

        Status reads go through this client's connection pool from at most
        ``concurrency`` threads; ``on_update`` runs in the calling thread. Use
        ``with contextlib.closing(client.wait_many(ids))`` so that leaving the
        loop early stops the waits at once. The waits sleep with the client's
        ``sleep`` and read its ``clock`` (a virtual clock drives them).
        ``deadline`` and the request options are :meth:`wait`'s, for every job.
        """
        jobs = list(jobs)
        for job in jobs:
            job_id_of(job)
        policy = self._policy(poll, deadline)
        call = self._wait_call(
            policy,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        results = wait_many_sync(
            self._poller(call, _formats(jobs)),
            jobs,
            self._wait_args(policy, on_update),
            concurrency=concurrency,
        )
        return self._scrubbed_results(results)

    def _scrubbed_results(
        self, results: Generator[WaitResult, None, None]
    ) -> Generator[WaitResult, None, None]:
        with contextlib.closing(results):
            for result in results:
                if result.error is not None:
                    scrub(result.error, self._api_key)
                yield result

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close this client; the connection pools too if it opened them.

        A copy made by :meth:`with_options` leaves the pools to the original.
        An ``http_client`` or ``download_client`` passed in is never closed.
        Using a closed client raises :class:`AIStatsError` ("... is closed").
        """
        self._closed = True
        if not self._owner:
            return
        for pool in (self._downloads, self._api):
            http = pool.take()
            if http is not None:
                http.close()

    def __enter__(self) -> Self:
        """Use the client in a ``with`` block: it is closed at the end."""
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client (see :meth:`close`)."""
        self.close()


class AsyncMusicClient(BaseMusicClient):
    """Asynchronous client of the music API: :class:`MusicClient`'s methods, awaitable,
    with the same settings (``http_client`` and ``download_client`` are
    ``httpx.AsyncClient`` here)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        create_timeout: TimeoutTypes = DEFAULT_CREATE_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.AsyncClient | None = None,
        download_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        poll_policy: PollPolicy | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError(
                "http_client must be an httpx.AsyncClient (MusicClient takes an httpx.Client)"
            )
        if download_client is not None and not isinstance(download_client, httpx.AsyncClient):
            raise TypeError("download_client must be an httpx.AsyncClient")
        _refuse_auth(http_client, "http_client")
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            create_timeout=create_timeout,
            max_retries=max_retries,
            retry=retry,
            headers=headers,
            allow_insecure_http=allow_insecure_http,
            poll_policy=poll_policy,
            clock=clock,
        )
        pool_headers = self._pool_headers = None if http_client is not None else self._headers
        self._api: _Pool[httpx.AsyncClient] = _Pool(
            lambda: _new_async_pool(limits, pool_headers or {}), http_client
        )
        self._downloads: _Pool[httpx.AsyncClient] = _Pool(
            lambda: _new_async_downloads(download_client), None
        )
        self._owner = True
        if sleep is None:
            import anyio

            sleep = anyio.sleep
        self._sleep: Callable[[float], Awaitable[object]] = sleep

    @property
    def _pool(self) -> _Pool[httpx.AsyncClient]:
        return self._api

    def _http(self) -> httpx.AsyncClient:
        return self._api.get(self)

    @property
    def raw(self) -> AuthenticatedClient:
        """The generated client (see :attr:`MusicClient.raw`); use its ``asyncio`` functions."""
        self._check_open()
        if self._raw is None:
            self._raw = self._new_raw(
                httpx.AsyncClient(transport=_AsyncForward(self._http), **self._raw_settings())
            )
        return self._raw

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        create_timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        poll_policy: PollPolicy | NotGiven = NOT_GIVEN,
        allow_insecure_http: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A new client with these settings changed (see :meth:`MusicClient.with_options`)."""
        return self._copy(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            create_timeout=create_timeout,
            max_retries=max_retries,
            retry=retry,
            headers=headers,
            poll_policy=poll_policy,
            allow_insecure_http=allow_insecure_http,
        )

    async def _call(
        self,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], _T],
        *,
        creating: bool,
        job_id: str | None,
        call: _Call,
    ) -> _T:
        bind_event_loop(self)
        attempts = _Attempts(self, creating=creating, job_id=job_id, call=call)
        self._kwargs(kwargs, call)
        while True:
            self._timeout_now(kwargs, call)
            try:
                with budget(kwargs["timeout"].read):
                    response = await self._http().request(**kwargs)
            except httpx.HTTPError as exc:
                answer = _status_error_of(exc)
                if answer is None:
                    delay = attempts.raised(exc)
                else:
                    await answer.aread()
                    delay = attempts.answered(answer)
            else:
                log_response(response)
                if response.is_success:
                    try:
                        return parse(response)
                    except MalformedResponseError as exc:
                        delay = attempts.failed(exc)
                else:
                    delay = attempts.answered(response)
            await self._sleep(delay)

    async def create(
        self,
        *,
        model: str,
        prompt: str | None = None,
        duration: int | None = None,
        format: AudioFormat | str | None = None,
        provider: ProviderRouting | Mapping[str, Any] | None = None,
        suno: SunoOptions | Mapping[str, Any] | None = None,
        elevenlabs: ElevenLabsOptions | Mapping[str, Any] | None = None,
        echo_upstream_request: bool | None = None,
        debug: DebugOptions | Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """Start a music generation job (see :meth:`MusicClient.create`)."""
        call = self._create_call(
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        body = build_request(
            model=model,
            prompt=prompt,
            duration=duration,
            format=format,
            provider=provider,
            suno=suno,
            elevenlabs=elevenlabs,
            echo_upstream_request=echo_upstream_request,
            debug=debug,
            extra_body=extra_body,
        )
        return await self._call(
            create_kwargs(body),
            self._parse_created(_format_of(format)),
            creating=True,
            job_id=None,
            call=call,
        )

    async def get(
        self,
        job_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """The job's current status (see :meth:`MusicClient.get`)."""
        check_job_id(job_id)
        call = self._options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await self._call(
            status_kwargs(job_id),
            functools.partial(parse_job, job_id=job_id),
            creating=False,
            job_id=job_id,
            call=call,
        )

    def _poller(
        self, call: _Call, formats: Mapping[str, str | None]
    ) -> Callable[[str], Awaitable[tuple[MusicJob, float | None]]]:
        async def poll_once(job_id: str) -> tuple[MusicJob, float | None]:
            return await self._call(
                status_kwargs(job_id),
                _parse_status(job_id, formats.get(job_id)),
                creating=False,
                job_id=job_id,
                call=call,
            )

        return poll_once

    async def download(
        self,
        source: MusicAudio | MusicClip | str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Path:
        """Save one audio to ``dest`` (see :meth:`MusicClient.download`).

        Cancelling the awaiting task stops the download and removes the
        temporary file; nothing new is left at ``dest``. Inline audio is decoded
        and written in a thread, off the event loop.
        """
        from ._download import download_async

        return await download_async(
            self._downloader,
            source,
            dest,
            progress=progress,
            timeout=self._download_timeout(timeout),
        )

    async def download_all(
        self,
        job: MusicJob,
        dest_dir: str | os.PathLike[str],
        *,
        progress: AllProgress | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> list[Path]:
        """Save every audio of ``job`` in ``dest_dir`` (see :meth:`MusicClient.download_all`)."""
        from ._download import download_all_async

        return await download_all_async(
            self._downloader,
            job,
            dest_dir,
            progress=progress,
            timeout=self._download_timeout(timeout),
        )

    def _downloader(self) -> httpx.AsyncClient:
        self._check_open()
        return self._downloads.get(self)

    async def wait(
        self,
        job: MusicJob | str,
        *,
        deadline: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """Poll until the job ends (see :meth:`MusicClient.wait`).

        Cancelling the awaiting task stops the wait at once and raises
        ``CancelledError``.
        """
        policy = self._policy(poll, deadline)
        call = self._wait_call(
            policy,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        fetch = self._poller(call, _formats([job]))
        job_id_of(job)  # refuse a bad id before the wait starts
        with self._scrubbing():
            return await wait_async(fetch, job, self._wait_args(policy, on_update))

    async def create_and_wait(
        self,
        *,
        model: str,
        prompt: str | None = None,
        duration: int | None = None,
        format: AudioFormat | str | None = None,
        provider: ProviderRouting | Mapping[str, Any] | None = None,
        suno: SunoOptions | Mapping[str, Any] | None = None,
        elevenlabs: ElevenLabsOptions | Mapping[str, Any] | None = None,
        echo_upstream_request: bool | None = None,
        debug: DebugOptions | Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        create_timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> MusicJob:
        """:meth:`create`, then :meth:`wait` (see :meth:`MusicClient.create_and_wait`)."""
        created = await self.create(
            model=model,
            prompt=prompt,
            duration=duration,
            format=format,
            provider=provider,
            suno=suno,
            elevenlabs=elevenlabs,
            echo_upstream_request=echo_upstream_request,
            debug=debug,
            extra_body=extra_body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=create_timeout,
            max_retries=max_retries,
        )
        policy = self._policy(poll, deadline)
        call = self._wait_call(
            policy,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        job_id_of(created)  # refuse a bad id before the wait starts
        with self._scrubbing():
            return await wait_async(
                self._poller(call, _formats([created])),
                created,
                self._wait_args(policy, on_update, just_created=True),
            )

    def wait_many(
        self,
        jobs: Iterable[MusicJob | str],
        *,
        concurrency: int = 8,
        deadline: float | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> AsyncGenerator[WaitResult, None]:
        """Wait for many jobs over this client's one connection pool; yield a
        :class:`WaitResult` for each as it ends, in the order they end.

        ``concurrency`` bounds the status reads in flight (not the jobs waited
        on: a sleeping wait costs nothing). A job given as a :class:`MusicJob`
        that has already ended (a synchronous provider's create answer) yields
        its result at once, without a request. One job's failure is its
        result's ``error`` and does not stop the others. ``deadline`` is each
        job's deadline, counted from this call; the request options are
        :meth:`wait`'s. Use ``async with contextlib.aclosing(client.wait_many(ids))``
        so that leaving the loop early cancels the waits at once.
        """
        jobs = list(jobs)
        for job in jobs:
            job_id_of(job)  # refuse a bad id here, before any wait starts
        policy = self._policy(poll, deadline)
        call = self._wait_call(
            policy,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        results = wait_many_async(
            self._poller(call, _formats(jobs)),
            jobs,
            self._wait_args(policy, on_update),
            concurrency=concurrency,
        )
        return self._scrubbed_results(results)

    async def _scrubbed_results(
        self, results: AsyncGenerator[WaitResult, None]
    ) -> AsyncGenerator[WaitResult, None]:
        async with contextlib.aclosing(results):
            async for result in results:
                if result.error is not None:
                    scrub(result.error, self._api_key)
                yield result

    async def aclose(self) -> None:
        """Close this client; the connection pools too if it opened them (see
        :meth:`MusicClient.close`)."""
        self._closed = True
        if not self._owner:
            return
        for pool in (self._downloads, self._api):
            http = pool.take()
            if http is not None:
                await http.aclose()

    async def __aenter__(self) -> Self:
        """Use the client in an ``async with`` block: it is closed at the end."""
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client (see :meth:`aclose`)."""
        await self.aclose()


def _new_sync_downloads(given: httpx.Client | None) -> httpx.Client:
    if given is not None:
        # The user's transport, proxies and TLS settings; never its headers
        # or auth (which may carry credentials meant for elsewhere).
        return httpx.Client(
            transport=_Forward(lambda: given), follow_redirects=False, headers=_DOWNLOAD_HEADERS
        )
    from ._download import new_sync_client

    return new_sync_client(user_agent=USER_AGENT)


def _new_async_downloads(given: httpx.AsyncClient | None) -> httpx.AsyncClient:
    if given is not None:
        return httpx.AsyncClient(
            transport=_AsyncForward(lambda: given),
            follow_redirects=False,
            headers=_DOWNLOAD_HEADERS,
        )
    from ._download import new_async_client

    return new_async_client(user_agent=USER_AGENT)
