"""``AsyncMusicClient``: the asynchronous client of the music API.

``MusicClient``'s methods, awaitable, over the same shared logic
(``BaseMusicClient``, ``_attempts``, ``_wait``, ``_wait_many``); here are the async parts
(sending, sleeping, closing) and the public signatures, written out so that
``help()``, IDEs and type checkers see them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from ._attempts import Call, Done, Request, TimeoutTypes, status_error_of
from ._base_client import BaseMusicClient, _formats, checked_jobs
from ._checks import bind_event_loop, job_id_of
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
from ._pool import AsyncForward, Pool, check_given, new_async_downloads, new_async_pool
from ._redact import scrub
from ._retry import RetryPolicy
from ._settings import Settings
from ._wait import wait_async
from ._wait_many import wait_many_async
from ._watch import OnUpdate, WaitResult

if TYPE_CHECKING:
    from ._audio import MusicAudio
    from ._download import AllProgress, Progress

__all__ = ["AsyncMusicClient"]

_T = TypeVar("_T")


class AsyncMusicClient(BaseMusicClient):
    """Asynchronous client of the music API: :class:`MusicClient`'s methods, awaitable,
    with the same settings (``http_client`` and ``download_client`` are
    ``httpx.AsyncClient`` here)."""

    _api: Pool[httpx.AsyncClient]
    _downloads: Pool[httpx.AsyncClient]

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
        check_given(
            http_client, download_client, httpx.AsyncClient, "MusicClient takes an httpx.Client"
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
            functools.partial(new_async_pool, limits),
            functools.partial(new_async_downloads, download_client),
            http_client,
        )
        if sleep is None:
            import anyio

            sleep = anyio.sleep
        self._sleep: Callable[[float], Awaitable[object]] = sleep

    def _http(self) -> httpx.AsyncClient:
        return self._api.get(self)

    @property
    def raw(self) -> AuthenticatedClient:
        """The generated client (see :attr:`MusicClient.raw`); use its ``asyncio`` functions."""
        self._check_open()
        if self._raw is None:
            http = httpx.AsyncClient(transport=AsyncForward(self._http), **self._raw_settings())
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

    async def _call(self, request: Request[_T]) -> _T:
        bind_event_loop(self)
        tries = self._attempts(request)
        while True:
            kwargs = tries.next_try()
            try:
                with budget(kwargs["timeout"].read):
                    response = await self._http().request(**kwargs)
            except httpx.HTTPError as exc:
                answer = status_error_of(exc)
                if answer is not None:
                    await answer.aread()
                delay = tries.raised(exc, answer)
            else:
                outcome = tries.received(response)
                if isinstance(outcome, Done):
                    return outcome.value
                delay = outcome
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
        return await self._call(self._create_request(body, format, call))

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
        request = self._get_request(
            job_id,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )
        return await self._call(request)

    def _poller(
        self, call: Call, formats: Mapping[str, str | None]
    ) -> Callable[[str], Awaitable[tuple[MusicJob, float | None]]]:
        async def poll_once(job_id: str) -> tuple[MusicJob, float | None]:
            return await self._call(self._status_request(call, formats, job_id))

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
        jobs = checked_jobs(jobs)
        policy, call = self._wait_call(
            poll,
            deadline,
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
                    scrub(result.error, self._settings.api_key)
                yield result

    async def aclose(self) -> None:
        """Close this client; the connection pools too if it opened them (see
        :meth:`MusicClient.close`)."""
        for http in self._pools_to_close():
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
