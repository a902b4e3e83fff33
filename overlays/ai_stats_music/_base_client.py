"""``BaseMusicClient``: the settings and the logic both clients share.

Everything here is decided once for :class:`MusicClient` and
:class:`AsyncMusicClient`: the settings and their checks, copies
(``with_options``), each call's options, the request each method sends and
how its answer is read, the arguments of the polling drivers. The two clients
only send, sleep and close, each in its own way (``_sync_client``,
``_async_client``). Settings (``_settings``) live on each client object and are applied
to every request it sends, so that a copy (or an ``http_client`` passed in)
can share one connection pool without sharing its settings.
"""

from __future__ import annotations

import contextlib
import functools
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Self, TypeVar, Unpack

import attrs
import httpx

from . import _gen
from ._answers import create_kwargs, parse_job, poll_hint, status_kwargs
from ._attempts import (
    NO_RETRY,
    Attempts,
    Call,
    Request,
    RequestOptions,
    TimeoutTypes,
    call_of,
    request_of,
)
from ._checks import check_job_id, check_timeout, create_timeout_of, job_id_of
from ._errors import AIStatsError
from ._log import log
from ._models import MusicJob
from ._not_given import NotGiven
from ._options import AudioFormat
from ._poll_policy import PollPolicy
from ._pool import Pool, closed_error
from ._redact import scrub
from ._retry import RetryPolicy
from ._settings import SettingChanges, Settings
from ._watch import OnUpdate, WaitArgs

__all__ = ["BaseMusicClient"]

_T = TypeVar("_T")
_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)


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
    _api: Pool[Any]
    _downloads: Pool[Any]
    _settings: Settings
    _rng: random.Random
    _closed: bool  # whether close was called on this client

    def _setup(self, settings: Settings) -> None:
        self._settings = settings
        self._rng = random.Random()
        self._raw = None
        self._closed = False

    def _open_pools(
        self,
        new_api: Callable[[Mapping[str, str]], _H],
        new_downloads: Callable[[], _H],
        given: _H | None,
    ) -> tuple[Pool[_H], Pool[_H]]:
        """The API's pool (through ``given``, an ``http_client``, if any) and the downloads'."""
        # The pool's default headers are this client's (see _request); a copy
        # (with_options) has headers of its own and sends them per request.
        pool_headers = self._pool_headers = None if given is not None else self._settings.headers
        self._owner = True
        return Pool(lambda: new_api(pool_headers or {}), given), Pool(new_downloads, None)

    # -- settings (read-only: a change is a new client, see with_options) ----------

    @property
    def base_url(self) -> str:
        """The gateway's base URL every request goes to (read-only)."""
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        """How often a failed request is tried again by default (read-only;
        ``retry.max_retries``)."""
        return self._settings.retry.max_retries

    @property
    def retry(self) -> RetryPolicy:
        """When and how soon a failed request is tried again (read-only)."""
        return self._settings.retry

    @property
    def poll_policy(self) -> PollPolicy:
        """How waits poll by default (read-only)."""
        return self._settings.poll_policy

    @property
    def timeout(self) -> httpx.Timeout:
        """The request timeout of status reads and downloads (read-only)."""
        return self._settings.timeout

    @property
    def create_timeout(self) -> httpx.Timeout:
        """The request timeout of a create (read-only)."""
        return self._settings.create_timeout

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers given to this client, sent with every API request (read-only;
        the key is not among them)."""
        return self._settings.user_headers

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`close` was called on this client (or on the one it was copied from)."""
        return self._closed or self._api.closed

    @property
    def _clock(self) -> Callable[[], float]:
        return self._settings.clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._settings.base_url!r})"

    def _copy(self, **changes: Unpack[SettingChanges]) -> Self:
        """A copy with some settings changed, over the same pools (see ``with_options``)."""
        self._check_open()
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._owner = False
        copy._setup(self._settings.changed(**changes))
        return copy

    def _check_open(self) -> None:
        if self._closed or self._api.closed:
            raise closed_error(self)

    def _pools_to_close(self) -> list[Any]:
        """Mark this client closed; the httpx clients its close must close (an owner's)."""
        self._closed = True
        if not self._owner:
            return []
        return [http for pool in (self._downloads, self._api) if (http := pool.take()) is not None]

    def _raw_settings(self) -> dict[str, Any]:
        """The settings of ``raw``'s httpx client, which sends through the shared pool."""
        return {
            "base_url": self._settings.base_url,
            "headers": self._settings.headers,
            "timeout": self._settings.timeout,
            "follow_redirects": False,
        }

    def _new_raw(self, http: httpx.Client | httpx.AsyncClient) -> _gen.AuthenticatedClient:
        raw = _gen.AuthenticatedClient(
            base_url=self._settings.base_url,
            token=self._settings.auth,
            prefix="",
            headers=dict(self._settings.headers),
            timeout=self._settings.timeout,
            follow_redirects=False,
        )
        if isinstance(http, httpx.Client):
            raw.set_httpx_client(http)
        else:
            raw.set_async_httpx_client(http)
        return raw

    # -- the calls --------------------------------------------------------------------

    def _options(
        self,
        *,
        default_timeout: httpx.Timeout | None = None,
        default_retry: RetryPolicy | None = None,
        **options: Unpack[RequestOptions],
    ) -> Call:
        """This call's options, checked before anything is sent; what is not
        given is the client's (or the defaults given here)."""
        self._check_open()
        return call_of(
            options,
            headers=self._settings.headers,
            timeout=self._settings.timeout if default_timeout is None else default_timeout,
            retry=self._settings.retry if default_retry is None else default_retry,
            base_retry=self._settings.retry,
            clock=self._settings.clock,
        )

    def _request(
        self,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], _T],
        *,
        creating: bool = False,
        job_id: str | None,
        call: Call,
    ) -> Request[_T]:
        """The call ``kwargs`` (from ``_answers``) make, sent by this client."""
        return request_of(
            kwargs,
            parse,
            base_url=self._settings.base_url,
            pool_headers=self._pool_headers,
            creating=creating,
            job_id=job_id,
            call=call,
        )

    def _attempts(self, request: Request[_T]) -> Attempts[_T]:
        return Attempts(request, rng=self._rng, api_key=self._settings.api_key)

    def _create_call(self, **options: Unpack[RequestOptions]) -> Call:
        """A create's options, checked before its body is."""
        # A create's timeout is its own (the generation happens inside the
        # request), never the status reads' shorter one.
        timeout = options["timeout"]
        if not isinstance(timeout, NotGiven):
            check_timeout(timeout)
            options["timeout"] = create_timeout_of(timeout)
        return self._options(default_timeout=self._settings.create_timeout, **options)

    def _create_request(
        self, body: _gen.MusicGenerateRequest, format: AudioFormat | str | None, call: Call
    ) -> Request[MusicJob]:
        """``create``'s call: ``body`` (from ``build_request``) with its options."""
        fmt = format.value if isinstance(format, AudioFormat) else format
        parse = functools.partial(_parse_created, fmt)
        return self._request(create_kwargs(body), parse, creating=True, job_id=None, call=call)

    def _get_request(self, job_id: str, **options: Unpack[RequestOptions]) -> Request[MusicJob]:
        """``get``'s call, with its request options."""
        check_job_id(job_id)
        parse = functools.partial(parse_job, job_id=job_id)
        return self._request(
            status_kwargs(job_id), parse, job_id=job_id, call=self._options(**options)
        )

    # -- waiting ----------------------------------------------------------------------

    def _wait_call(
        self,
        poll: PollPolicy | None,
        deadline: float | NotGiven | None,
        **options: Unpack[RequestOptions],
    ) -> tuple[PollPolicy, Call]:
        """A wait's policy (``poll`` or the client's, with ``deadline``) and the
        options of its status reads (``options``, see ``_options``): each read
        is capped by the time left before the deadline, and retried only when
        ``max_retries`` is given (by default the wait itself tries again, on
        its schedule)."""
        policy = self._settings.poll_policy if poll is None else poll
        if not isinstance(deadline, NotGiven) and deadline != policy.timeout:
            if deadline is not None:
                check_timeout(deadline, "deadline")
            policy = attrs.evolve(policy, timeout=deadline)
        clock = self._settings.clock
        call = self._options(default_retry=NO_RETRY, **options)
        if policy.timeout is not None:
            call = attrs.evolve(call, deadline=clock() + policy.timeout, clock=clock)
        return policy, call

    def _status_request(
        self, call: Call, formats: Mapping[str, str | None], job_id: str
    ) -> Request[tuple[MusicJob, float | None]]:
        """One status read of a wait, with the server's poll hint."""
        parse = functools.partial(_parse_status, job_id, formats.get(job_id))
        return self._request(status_kwargs(job_id), parse, job_id=job_id, call=call)

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
            scrub(exc, self._settings.api_key)
            raise

    def _download_timeout(self, timeout: TimeoutTypes | NotGiven) -> TimeoutTypes:
        self._check_open()
        if isinstance(timeout, NotGiven):
            return self._settings.timeout
        check_timeout(timeout)
        return timeout


def _formats(jobs: Iterable[MusicJob | str]) -> dict[str, str | None]:
    """The format asked for on create, per job, for the jobs waited on."""
    return {
        job.id: job.context.requested_format
        for job in jobs
        if isinstance(job, MusicJob) and job.context.requested_format is not None
    }


def checked_jobs(jobs: Iterable[MusicJob | str]) -> list[MusicJob | str]:
    """``wait_many``'s jobs, each id checked here, before any wait starts."""
    jobs = list(jobs)
    for job in jobs:
        job_id_of(job)
    return jobs


def _parse_created(fmt: str | None, response: httpx.Response) -> MusicJob:
    job = parse_job(response, requested_format=fmt)
    log.debug("created music job %s (status %s)", job.id, job.status)
    return job


def _parse_status(
    job_id: str, fmt: str | None, response: httpx.Response
) -> tuple[MusicJob, float | None]:
    return parse_job(response, job_id=job_id, requested_format=fmt), poll_hint(response)
