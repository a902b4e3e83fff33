"""``MusicClient``: the synchronous client of the music API.

A thin driver: what each method sends and how the answer is read are decided
in ``BaseMusicClient`` (and ``_attempts``, ``_wait``, ``_wait_many``), the same for both
clients; here are the sync parts (sending, sleeping, closing) and the public
signatures and docstrings, written out so that ``help()``, IDEs and type
checkers see them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from ._attempts import Call, Done, Request, TimeoutTypes, status_error_of
from ._base_client import BaseMusicClient, _formats, checked_jobs
from ._checks import job_id_of
from ._config import DEFAULT_CREATE_TIMEOUT, DEFAULT_TIMEOUT
from ._deadline import budget
from ._gen import AuthenticatedClient
from ._job_parts import MusicClip
from ._models import MusicJob
from ._not_given import NOT_GIVEN, NotGiven
from ._options import (
    AudioFormat,
    DebugOptions,
    ElevenLabsOptions,
    ProviderRouting,
    SunoOptions,
    build_request,
)
from ._poll_policy import PollPolicy
from ._pool import Forward, Pool, check_given, new_sync_downloads, new_sync_pool
from ._redact import scrub
from ._retry import RetryPolicy
from ._settings import Settings
from ._wait import wait_sync
from ._wait_many import wait_many_sync
from ._watch import OnUpdate, WaitResult

if TYPE_CHECKING:
    # Downloads come at the end of a job's life: ``_download`` is imported on
    # first use, not with the package (import time).
    from ._audio import MusicAudio
    from ._download import AllProgress, Progress

__all__ = ["MusicClient"]

_T = TypeVar("_T")


class MusicClient(BaseMusicClient):
    """Synchronous client of the music API (the Client guide says more).

    ``api_key`` defaults to ``$AI_STATS_API_KEY``, else ``$PHASEO_API_KEY`` (the
    variable of the gateway's own SDK); ``base_url`` to ``$AI_STATS_BASE_URL``,
    else ``$PHASEO_BASE_URL``, else ``https://api.phaseo.app/v1``.

    ``timeout`` is the request timeout of each status read and download
    (default 30 s; 10 s to connect); ``create_timeout`` a create's (default
    180 s: the gateway holds a create open while the music is generated and
    gives up itself at about 60 s). A number bounds connecting, sending and
    the whole answer; an ``httpx.Timeout`` is used as given; the wait for a
    free connection does not count. ``deadline``, on the waits, is a wait's
    overall deadline. ``max_retries`` applies to each call (job creation is
    only retried when it provably did not reach the server); ``retry`` gives
    the whole :class:`RetryPolicy`, and must agree with ``max_retries``.
    ``headers`` go with every API request (never ``Authorization``: the key
    is ``api_key``; never to the audio origin). Settings are read-only:
    :meth:`with_options` makes a copy with others.

    ``limits`` sizes the connection pool (default 64 connections). Pass
    ``http_client`` to send through your own ``httpx.Client`` (proxies, TLS,
    transport, event hooks): this client's key, headers and timeouts still
    apply, it must have no ``auth``, and :meth:`close` leaves it open.
    Downloads never go through it: ``download_client`` is the one they use
    (without its headers or auth). ``sleep`` and ``clock`` are injectable
    for tests that run in virtual time.
    """

    _api: Pool[httpx.Client]
    _downloads: Pool[httpx.Client]

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
        check_given(
            http_client, download_client, httpx.Client, "AsyncMusicClient takes an AsyncClient"
        )
        self._setup(
            Settings.of(
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
        )
        self._api, self._downloads = self._open_pools(
            functools.partial(new_sync_pool, limits),
            functools.partial(new_sync_downloads, download_client),
            http_client,
        )
        self._sleep = sleep

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
            http = httpx.Client(transport=Forward(self._http), **self._raw_settings())
            self._raw = self._new_raw(http)
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

    def _call(self, request: Request[_T]) -> _T:
        tries = self._attempts(request)
        while True:
            kwargs = tries.next_try()  # on each try: a deadline's time left shrinks
            try:
                with budget(kwargs["timeout"].read):  # the whole request, not each read
                    response = self._http().request(**kwargs)
            except httpx.HTTPError as exc:
                answer = status_error_of(exc)
                if answer is not None:
                    answer.read()
                delay = tries.raised(exc, answer)
            else:
                outcome = tries.received(response)
                if isinstance(outcome, Done):
                    return outcome.value
                delay = outcome
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
        return self._call(self._create_request(body, format, call))

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
        request = self._get_request(
            job_id,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._call(request)

    def _poller(
        self, call: Call, formats: Mapping[str, str | None]
    ) -> Callable[[str], tuple[MusicJob, float | None]]:
        """One status read and the server's poll hint, for the waiter (which retries)."""
        return lambda job_id: self._call(self._status_request(call, formats, job_id))

    def download(
        self,
        source: MusicAudio | MusicClip | str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Path:
        """Save one audio to ``dest``; return the file's path (the Downloads guide says more).

        ``source`` is a :class:`MusicAudio` (an item of ``job.audio``), a
        :class:`MusicClip` or a URL string (http(s), or a ``data:`` URI); inline
        audio is decoded and written with no request. ``dest`` is a file path
        whose directory exists, or a directory (an existing one, or a path
        ending in a separator) in which the file is named after the clip's
        title, made safe so that it never lands outside ``dest``, with the
        extension of the audio's content type. Only a regular file is ever
        replaced (a FIFO, socket or device is refused: ``FileExistsError``).

        Whole or nothing: the audio goes to a temporary file beside ``dest``,
        renamed into place only when whole; after any failure, an interrupt
        included, nothing new is left at ``dest``. Downloads carry neither the
        API key nor the client's headers (the audio lives on a CDN) and go
        through a pool of their own (or the client's ``download_client``):
        no ``extra_headers``, ``extra_query`` or ``max_retries`` here, and a
        download is not retried. ``progress(done_bytes, total_bytes)`` is
        called as the body arrives (``total_bytes`` ``None`` without a
        ``Content-Length``); ``timeout`` (default: the client's) bounds each
        network operation, not the whole download.

        Raises ``ValueError`` for a URL that is not http(s) or ``data:``;
        ``OSError`` subclasses naming the destination in the way;
        :class:`MalformedResponseError` for bad inline audio;
        :class:`DownloadError` for a length mismatch or a redirect it will not
        follow (to http(s) only, 10 at most); :class:`APIStatusError`,
        :class:`APIConnectionError` or :class:`APITimeoutError` from the
        network. Messages leave out the URL's query string, which signs a CDN URL.
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

        ``dest_dir`` must be an existing directory. Each audio is saved as
        :meth:`download` saves it into a directory, under a name no other audio
        of this call gets (``Song.mp3``, ``Song (2).mp3``...); names depend only
        on the job, so calling again saves to the same paths. One audio at a
        time; when one fails, that error is raised (with ``job_id``), the files
        saved before it stay and ``exc.__notes__`` lists them. A job without
        audio gives ``[]``. ``progress(audio, done_bytes, total_bytes)``
        reports each in turn; ``timeout`` as :meth:`download`'s.
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
        policy, call = self._wait_call(
            poll,
            deadline,
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
        policy, call = self._wait_call(
            poll,
            deadline,
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
        jobs = checked_jobs(jobs)
        policy, call = self._wait_call(
            poll,
            deadline,
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
                    scrub(result.error, self._settings.api_key)
                yield result

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close this client; the connection pools too if it opened them.

        A copy made by :meth:`with_options` leaves the pools to the original.
        An ``http_client`` or ``download_client`` passed in is never closed.
        Using a closed client raises :class:`AIStatsError` ("... is closed").
        """
        for http in self._pools_to_close():
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
