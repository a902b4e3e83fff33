"""The two requests the clients send and the answers they read back.

``create_kwargs`` and ``status_kwargs`` are the generated operations' own
request arguments (so a regenerated spec changes them in one place);
``parse_job`` reads a success answer into a :class:`~ai_stats_music.MusicJob`
or a :class:`~ai_stats_music.MalformedResponseError` naming what is wrong, and
``poll_hint`` reads the server's word on when to poll next. No I/O: the sync
and async clients send and receive, and share all of this.
"""

from __future__ import annotations

import json
from typing import Any, Final

import httpx

from . import _gen
from ._checks import check_sendable
from ._envelope import parse_retry_after
from ._errors import MalformedResponseError
from ._models import JobContext, MusicJob

#: Header a gateway may send on a status answer to say when to poll next
#: (``Retry-After`` on a 200 is read the same way).
POLL_HINT_HEADERS: Final = ("retry-after", "x-poll-after")


def create_kwargs(body: _gen.MusicGenerateRequest) -> dict[str, Any]:
    """The generated create's request arguments; text no request can carry is refused."""
    kwargs = _gen.generate_music._get_kwargs(body=body)
    check_sendable(kwargs.get("json"), "")
    return kwargs


def status_kwargs(job_id: str) -> dict[str, Any]:
    """The generated status read's request arguments (``job_id`` checked already)."""
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
