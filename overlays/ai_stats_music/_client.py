"""``MusicClient`` and ``AsyncMusicClient``: the same methods, sync and async.

Both are thin I/O drivers around ``_core`` (requests, answers, errors,
retries) and ``_polling`` (waiting): the logic is written once.
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
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar, Unpack

import attrs
import httpx

from . import _gen
from ._core import (
    DEFAULT_CREATE_TIMEOUT,
    DEFAULT_TIMEOUT,
    RetryPolicy,
    _Secret,
    bind_event_loop,
    check_job_id,
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
from ._errors import AIStatsError, APIError, MalformedResponseError, status_error
from ._models import MusicClip, MusicJob
from ._options import CreateParams, build_request
from ._polling import (
    DEFAULT_POLICY,
    OnUpdate,
    PollPolicy,
    WaitResult,
    wait_async,
    wait_many_async,
    wait_many_sync,
    wait_sync,
)
from ._version import __version__

if TYPE_CHECKING:
    # Downloads come at the end of a job's life: ``_download`` is imported on
    # first use, not with the package (import time).
    from ._audio import MusicAudio
    from ._download import AllProgress, Progress

__all__ = ["AsyncMusicClient", "MusicClient"]

_T = TypeVar("_T")
TimeoutTypes = float | httpx.Timeout | None


class _NotGiven:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()

USER_AGENT: Final = f"ai-stats-music/{__version__} python-httpx/{httpx.__version__}"

#: One pool per client, for creates and status reads alike: at most 64
#: connections to the gateway at once (``limits=`` changes it). ``wait_many``'s
#: reads fit easily (see its ``concurrency``); creates beyond 64 at once queue
#: for a connection -- unsent, and without a deadline -- and go out as earlier
#: ones are answered.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=64, max_keepalive_connections=64)


class _Attempts:
    """Counts the tries of one call and turns each failure into a delay or a raise."""

    __slots__ = ("_client", "_creating", "_job_id", "_n", "_retry")

    def __init__(
        self, client: _BaseClient, *, creating: bool, job_id: str | None, retry: RetryPolicy
    ) -> None:
        self._client = client
        self._creating = creating
        self._job_id = job_id
        self._retry = retry
        self._n = 0

    def failed(self, error: APIError) -> float:
        """The delay before the next try, or raise ``error`` when giving up."""
        delay = self._retry.delay(
            error, attempt=self._n, creating=self._creating, rng=self._client._rng
        )
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


class _BaseClient:
    """Configuration and behaviour common to both clients."""

    _raw: _gen.AuthenticatedClient
    _owns_http: bool
    _sleep: Callable[[float], Any]

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes,
        create_timeout: TimeoutTypes,
        max_retries: int,
        headers: Mapping[str, str] | None,
        limits: httpx.Limits | None,
        allow_insecure_http: bool,
        poll_policy: PollPolicy | None,
        clock: Callable[[], float],
    ) -> None:
        self._api_key = resolve_api_key(api_key)
        self.poll_policy: PollPolicy = DEFAULT_POLICY if poll_policy is None else poll_policy
        self._clock = clock
        self.base_url: str = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.max_retries: int = max_retries
        self._create_timeout = create_timeout_of(create_timeout)
        self._retry = RetryPolicy(max_retries=max_retries)
        self._no_retry = RetryPolicy(max_retries=0)
        self._rng = random.Random()
        self._auth = {"Authorization": _Secret(f"Bearer {self._api_key}")}
        extra = {"User-Agent": USER_AGENT}
        extra.update((k, v) for k, v in (headers or {}).items() if k.lower() != "authorization")
        self._raw = _gen.AuthenticatedClient(
            base_url=self.base_url,
            # The whole header value as a _Secret, so that the generated client keeps
            # it (in its own headers dict) as an object whose repr is '***'.
            token=self._auth["Authorization"],
            prefix="",
            headers=extra,
            timeout=timeout
            if isinstance(timeout, httpx.Timeout) or timeout is None
            else httpx.Timeout(timeout),
            follow_redirects=False,
            httpx_args={"limits": DEFAULT_LIMITS if limits is None else limits},
        )

    @property
    def raw(self) -> _gen.AuthenticatedClient:
        """The generated client, for operations the overlay does not wrap.

        Use it with ``ai_stats_gateway.api.gateway.*`` functions; it shares this
        client's connection pool and authentication.
        """
        return self._raw

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _kwargs(self, kwargs: dict[str, Any], timeout: TimeoutTypes | _NotGiven) -> dict[str, Any]:
        # An absolute URL spares httpx a merge with its base URL on every request
        # (and a client passed in may have another base URL, or none).
        kwargs["url"] = self.base_url + kwargs["url"]
        if not self._owns_http:
            # A client passed in does not carry the key (ours has it in its
            # default headers, set by the generated client): add it per request.
            headers = kwargs.get("headers")
            kwargs["headers"] = {**headers, **self._auth} if headers else self._auth
        if not isinstance(timeout, _NotGiven):
            kwargs["timeout"] = timeout
        return kwargs

    def _create_kwargs(
        self, params: CreateParams, timeout: TimeoutTypes | _NotGiven
    ) -> dict[str, Any]:
        # Always explicit: a create's timeout is its own (the generation happens
        # inside the request), never the status reads' shorter one, nor the
        # defaults of an http_client passed in.
        create_timeout = (
            self._create_timeout if isinstance(timeout, _NotGiven) else create_timeout_of(timeout)
        )
        return self._kwargs(create_kwargs(build_request(**params)), create_timeout)

    def _wait_args(
        self,
        job: MusicJob | str,
        poll: PollPolicy | None,
        timeout: float | _NotGiven | None,
        on_update: OnUpdate | None,
        *,
        just_created: bool = False,
    ) -> dict[str, Any]:
        """The arguments of the polling drivers, the same for both clients."""
        return {
            "job_id": job_id_of(job),
            "policy": self._policy(poll, timeout),
            "last_job": job if isinstance(job, MusicJob) else None,
            "just_created": just_created,
            "on_update": on_update,
            "clock": self._clock,
            "sleep": self._sleep,
            "rng": self._rng,
        }

    def _policy(self, poll: PollPolicy | None, timeout: float | _NotGiven | None) -> PollPolicy:
        policy = self.poll_policy if poll is None else poll
        if not isinstance(timeout, _NotGiven) and timeout != policy.timeout:
            policy = attrs.evolve(policy, timeout=timeout)
        return policy

    @contextlib.contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Take the key out of any error a wait raises: a job's error text or an
        unknown status comes from the server, which may echo what it was sent."""
        try:
            yield
        except AIStatsError as exc:
            scrub(exc, self._api_key)
            raise

    def _parse_created(self, response: httpx.Response) -> MusicJob:
        job = parse_job(response)
        log.debug("created music job %s (status %s)", job.id, job.status)
        return job


def _parse_status(job_id: str) -> Callable[[httpx.Response], tuple[MusicJob, float | None]]:
    def parse(response: httpx.Response) -> tuple[MusicJob, float | None]:
        return parse_job(response, job_id=job_id), poll_hint(response)

    return parse


class MusicClient(_BaseClient):
    """Synchronous client of the music API.

    ``api_key`` defaults to ``$AI_STATS_API_KEY``, else ``$PHASEO_API_KEY`` (the
    variable of the gateway's own SDK); ``base_url`` to ``$AI_STATS_BASE_URL``,
    else ``$PHASEO_BASE_URL``, else ``https://api.phaseo.app/v1``.

    ``create_timeout`` bounds a create (default 180 s for the answer, no bound
    on waiting for a free connection): the gateway holds the request open
    while the music is generated, tens of seconds, and gives up itself at
    about 60 s with a 504 that names the request, so the client waits longer
    than the gateway does. A number bounds connecting, sending and the answer;
    an ``httpx.Timeout`` is used as given. ``timeout`` bounds each status read
    and download (default 30 s; 10 s to connect), which the gateway answers at
    once. ``max_retries`` applies to each call (see :class:`RetryPolicy`: job
    creation is only retried when it provably did not reach the server).

    ``limits`` sizes the connection pool shared by creates and status reads
    (default 64 connections): more creates at once than that wait for a
    connection, which never fails them. Pass ``http_client`` to use your own
    ``httpx.Client`` instead (its base URL and limits are then its own; it is
    not closed by :meth:`close`). ``sleep`` is injectable for tests that run in
    virtual time.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        create_timeout: TimeoutTypes = DEFAULT_CREATE_TIMEOUT,
        max_retries: int = 2,
        headers: Mapping[str, str] | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        poll_policy: PollPolicy | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            create_timeout=create_timeout,
            max_retries=max_retries,
            headers=headers,
            limits=limits,
            allow_insecure_http=allow_insecure_http,
            poll_policy=poll_policy,
            clock=clock,
        )
        self._owns_http = http_client is None
        if http_client is not None:
            self._raw.set_httpx_client(http_client)
        self._http = self._raw.get_httpx_client()
        self._sleep = sleep
        self._download_timeout = timeout
        self._downloads: httpx.Client | None = None  # created on first use
        self._downloads_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------

    def _call(
        self,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], _T],
        *,
        creating: bool,
        job_id: str | None,
        retry: RetryPolicy | None = None,
    ) -> _T:
        attempts = _Attempts(self, creating=creating, job_id=job_id, retry=retry or self._retry)
        while True:
            try:
                response = self._http.request(**kwargs)
            except httpx.HTTPError as exc:
                delay = attempts.raised(exc)
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
        self, *, timeout: TimeoutTypes | _NotGiven = NOT_GIVEN, **params: Unpack[CreateParams]
    ) -> MusicJob:
        """Start a music generation job and return it as the gateway answers.

        Every active provider is synchronous: the gateway holds the request
        open while the music is generated and answers with the job already
        ``completed`` (or ``failed``), its audio inside; a queued provider
        answers at once with the job ``queued`` or ``in_progress``. A ``failed``
        answer is returned, not raised (``create_and_wait`` raises it).

        ``timeout`` is this call's create timeout (default: the client's
        ``create_timeout``, 180 s). Options are checked before sending (the
        Suno rules raise ``ValueError`` naming the missing field);
        ``extra_body`` sends fields newer than this client. A failure that may
        have created a job anyway says so (``error.job_may_exist``, and the
        message says what can be done); it is never retried. A 501
        (:class:`FeatureDisabledError`) or a 402
        (:class:`InsufficientFundsError`) made no job.
        """
        kwargs = self._create_kwargs(params, timeout)
        return self._call(kwargs, self._parse_created, creating=True, job_id=None)

    def get(self, job_id: str, *, timeout: TimeoutTypes | _NotGiven = NOT_GIVEN) -> MusicJob:
        """The job's current status (retried on transient failures)."""
        check_job_id(job_id)
        return self._call(
            self._kwargs(status_kwargs(job_id), timeout),
            functools.partial(parse_job, job_id=job_id),
            creating=False,
            job_id=job_id,
        )

    def _poll_once(self, job_id: str) -> tuple[MusicJob, float | None]:
        """One status read and the server's poll hint, for the waiter (which retries)."""
        return self._call(
            self._kwargs(status_kwargs(job_id), NOT_GIVEN),
            _parse_status(job_id),
            creating=False,
            job_id=job_id,
            retry=self._no_retry,
        )

    def download(
        self,
        source: MusicAudio | MusicClip | str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        timeout: TimeoutTypes | _NotGiven = NOT_GIVEN,
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

        The requests carry neither the API key nor the ``headers`` given to
        this client: the audio lives on another origin (a CDN), and goes through
        a connection pool of its own. Redirects are followed to http(s) URLs
        only, at most 10 of them. ``progress(done_bytes, total_bytes)`` is called
        when the body starts and after each chunk (``total_bytes`` is ``None``
        without a ``Content-Length``). ``timeout`` (default: the client's) bounds
        each network operation, not the whole download.

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
            timeout=self._download_timeout if isinstance(timeout, _NotGiven) else timeout,
        )

    def download_all(
        self,
        job: MusicJob,
        dest_dir: str | os.PathLike[str],
        *,
        progress: AllProgress | None = None,
        timeout: TimeoutTypes | _NotGiven = NOT_GIVEN,
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
        """
        from ._download import download_all_sync

        return download_all_sync(
            self._downloader,
            job,
            dest_dir,
            progress=progress,
            timeout=self._download_timeout if isinstance(timeout, _NotGiven) else timeout,
        )

    def _downloader(self) -> httpx.Client:
        from ._download import new_sync_client

        with self._downloads_lock:
            if self._downloads is None:
                self._downloads = new_sync_client(user_agent=USER_AGENT)
            return self._downloads

    # -- waiting ----------------------------------------------------------------

    def wait(
        self,
        job: MusicJob | str,
        *,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> MusicJob:
        """Poll until the job ends; return it completed.

        ``job`` is a job or just its id, so a job created elsewhere (another
        process, a restarted worker) can be waited for here. A job given
        already ended (a synchronous provider's create answer) is returned, or
        raised as :class:`MusicJobFailed`, without any request. ``timeout`` is the
        overall deadline in seconds (default: the poll policy's, 600 s; ``None``
        waits for ever); ``poll`` replaces the client's :class:`PollPolicy`.
        ``on_update(job)`` is called once per change of status. Raises
        :class:`MusicJobFailed`, :class:`MusicJobTimeout`, or the permanent error
        (401, 403, 404...) that ended the wait, each carrying ``job_id``;
        transient failures are retried until the deadline.
        """
        with self._scrubbing():
            return wait_sync(self._poll_once, **self._wait_args(job, poll, timeout, on_update))

    def create_and_wait(
        self,
        *,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        create_timeout: TimeoutTypes | _NotGiven = NOT_GIVEN,
        **params: Unpack[CreateParams],
    ) -> MusicJob:
        """:meth:`create`, then :meth:`wait`: the finished job.

        A create answered ``completed`` (every synchronous provider) is
        returned as it came, with no status request; one answered ``failed``
        raises :class:`MusicJobFailed` carrying it. Only a queued job is
        polled. ``create_timeout`` is the create's timeout (default: the
        client's), ``timeout`` the wait's deadline. Every error raised after
        the job was created carries its ``job_id``, so a job that was paid for
        is never lost: wait for it again with that id.
        """
        created = self.create(timeout=create_timeout, **params)
        with self._scrubbing():
            return wait_sync(
                self._poll_once,
                **self._wait_args(created, poll, timeout, on_update, just_created=True),
            )

    def wait_many(
        self,
        jobs: Iterable[MusicJob | str],
        *,
        concurrency: int = 8,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> Generator[WaitResult, None, None]:
        """Wait for many jobs; yield a :class:`WaitResult` for each as it ends,
        in the order they end (see :meth:`AsyncMusicClient.wait_many`).

        Status reads go through this client's connection pool from at most
        ``concurrency`` threads; ``on_update`` runs in the calling thread. Use
        ``with contextlib.closing(client.wait_many(ids))`` so that leaving the
        loop early stops the waits at once. Virtual time (``sleep``/``clock``)
        is not supported here: use the async client for that.
        """
        jobs = list(jobs)
        for job in jobs:
            job_id_of(job)
        results = wait_many_sync(
            self._poll_once,
            jobs,
            policy=self._policy(poll, timeout),
            concurrency=concurrency,
            on_update=on_update,
            rng=self._rng,
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
        """Close the connection pools (not one passed in as ``http_client``)."""
        with self._downloads_lock:
            downloads, self._downloads = self._downloads, None
        if downloads is not None:
            downloads.close()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncMusicClient(_BaseClient):
    """Asynchronous client of the music API: :class:`MusicClient`'s methods, awaitable."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        create_timeout: TimeoutTypes = DEFAULT_CREATE_TIMEOUT,
        max_retries: int = 2,
        headers: Mapping[str, str] | None = None,
        limits: httpx.Limits | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        poll_policy: PollPolicy | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            create_timeout=create_timeout,
            max_retries=max_retries,
            headers=headers,
            limits=limits,
            allow_insecure_http=allow_insecure_http,
            poll_policy=poll_policy,
            clock=clock,
        )
        self._owns_http = http_client is None
        if http_client is not None:
            self._raw.set_async_httpx_client(http_client)
        self._http = self._raw.get_async_httpx_client()
        if sleep is None:
            import anyio

            sleep = anyio.sleep
        self._sleep: Callable[[float], Awaitable[object]] = sleep
        self._download_timeout = timeout
        self._downloads: httpx.AsyncClient | None = None  # created on first use

    async def _call(
        self,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], _T],
        *,
        creating: bool,
        job_id: str | None,
        retry: RetryPolicy | None = None,
    ) -> _T:
        bind_event_loop(self)
        attempts = _Attempts(self, creating=creating, job_id=job_id, retry=retry or self._retry)
        while True:
            try:
                response = await self._http.request(**kwargs)
            except httpx.HTTPError as exc:
                delay = attempts.raised(exc)
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
        self, *, timeout: TimeoutTypes | _NotGiven = NOT_GIVEN, **params: Unpack[CreateParams]
    ) -> MusicJob:
        """Start a music generation job (see :meth:`MusicClient.create`)."""
        kwargs = self._create_kwargs(params, timeout)
        return await self._call(kwargs, self._parse_created, creating=True, job_id=None)

    async def get(self, job_id: str, *, timeout: TimeoutTypes | _NotGiven = NOT_GIVEN) -> MusicJob:
        """The job's current status (see :meth:`MusicClient.get`)."""
        check_job_id(job_id)
        return await self._call(
            self._kwargs(status_kwargs(job_id), timeout),
            functools.partial(parse_job, job_id=job_id),
            creating=False,
            job_id=job_id,
        )

    async def _poll_once(self, job_id: str) -> tuple[MusicJob, float | None]:
        return await self._call(
            self._kwargs(status_kwargs(job_id), NOT_GIVEN),
            _parse_status(job_id),
            creating=False,
            job_id=job_id,
            retry=self._no_retry,
        )

    async def download(
        self,
        source: MusicAudio | MusicClip | str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        timeout: TimeoutTypes | _NotGiven = NOT_GIVEN,
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
            timeout=self._download_timeout if isinstance(timeout, _NotGiven) else timeout,
        )

    async def download_all(
        self,
        job: MusicJob,
        dest_dir: str | os.PathLike[str],
        *,
        progress: AllProgress | None = None,
        timeout: TimeoutTypes | _NotGiven = NOT_GIVEN,
    ) -> list[Path]:
        """Save every audio of ``job`` in ``dest_dir`` (see :meth:`MusicClient.download_all`)."""
        from ._download import download_all_async

        return await download_all_async(
            self._downloader,
            job,
            dest_dir,
            progress=progress,
            timeout=self._download_timeout if isinstance(timeout, _NotGiven) else timeout,
        )

    def _downloader(self) -> httpx.AsyncClient:
        from ._download import new_async_client

        if self._downloads is None:
            self._downloads = new_async_client(user_agent=USER_AGENT)
        return self._downloads

    async def wait(
        self,
        job: MusicJob | str,
        *,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> MusicJob:
        """Poll until the job ends (see :meth:`MusicClient.wait`).

        Cancelling the awaiting task stops the wait at once and raises
        ``CancelledError``.
        """
        with self._scrubbing():
            return await wait_async(
                self._poll_once, **self._wait_args(job, poll, timeout, on_update)
            )

    async def create_and_wait(
        self,
        *,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
        create_timeout: TimeoutTypes | _NotGiven = NOT_GIVEN,
        **params: Unpack[CreateParams],
    ) -> MusicJob:
        """:meth:`create`, then :meth:`wait` (see :meth:`MusicClient.create_and_wait`)."""
        created = await self.create(timeout=create_timeout, **params)
        with self._scrubbing():
            return await wait_async(
                self._poll_once,
                **self._wait_args(created, poll, timeout, on_update, just_created=True),
            )

    def wait_many(
        self,
        jobs: Iterable[MusicJob | str],
        *,
        concurrency: int = 8,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> AsyncGenerator[WaitResult, None]:
        """Wait for many jobs over this client's one connection pool; yield a
        :class:`WaitResult` for each as it ends, in the order they end.

        ``concurrency`` bounds the status reads in flight (not the jobs waited
        on: a sleeping wait costs nothing). A job given as a :class:`MusicJob`
        that has already ended (a synchronous provider's create answer) yields
        its result at once, without a request. One job's failure is its
        result's ``error`` and does not stop the others. ``timeout`` is each job's
        deadline. Use ``async with contextlib.aclosing(client.wait_many(ids))``
        so that leaving the loop early cancels the waits at once.
        """
        jobs = list(jobs)
        for job in jobs:
            job_id_of(job)  # refuse a bad id here, before any wait starts
        results = wait_many_async(
            self._poll_once,
            jobs,
            policy=self._policy(poll, timeout),
            concurrency=concurrency,
            on_update=on_update,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
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
        """Close the connection pools (not one passed in as ``http_client``)."""
        downloads, self._downloads = self._downloads, None
        if downloads is not None:
            await downloads.aclose()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
