"""The typed error for each way a request can fail, built in one place.

``status_error`` reads an answer with a non-success status into the
:class:`~ai_stats_music.APIStatusError` subclass of its status;
``transport_error`` turns an httpx failure (no answer at all) into
:class:`~ai_stats_music.APIConnectionError` or ``APITimeoutError``, saying
whether the request may have reached the server; ``note_create_failure`` adds
what a failed create means for the paid job. The clients and the downloads
use these alike, so a failure reads the same wherever it happened. No
message quotes a request header: the key is never in one.
"""

from __future__ import annotations

import json
from typing import Any, Final

import httpx

from ._envelope import CODE_PREVIEW, cut, detail, error_fields
from ._errors import (
    STATUS_CLASSES,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    FeatureDisabledError,
    MalformedResponseError,
    ServerError,
)

__all__ = ["note_create_failure", "status_error", "transport_error"]


def _body(response: httpx.Response) -> Any:
    """The answer's body: its JSON when it is JSON, else its text, else ``None``."""
    try:
        return json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        return response.content.decode("utf-8", "replace")


def _what(request: httpx.Request) -> str:
    """The request as a message names it: method and URL, without its query string."""
    return f"{request.method} {request.url.copy_with(query=None)}"


def status_error(response: httpx.Response, *, job_id: str | None = None) -> APIStatusError:
    """The typed error for a non-success answer (the body must have been read)."""
    body = _body(response)
    cls = STATUS_CLASSES.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else APIStatusError
    code, _ = error_fields(body)
    message = f"{_what(response.request)} answered HTTP {response.status_code}{detail(body, code)}"
    if job_id is not None and response.status_code == 404:
        message += f" (job {job_id!r} not found)"
    error = cls(message, response=response, body=body, job_id=job_id)
    if error.request_id is not None:
        error.message += f" (request id {cut(error.request_id, CODE_PREVIEW)!r})"
        error.args = (error.message,)
    return error


def transport_error(
    exc: httpx.HTTPError, *, request: httpx.Request | None, job_id: str | None
) -> APIConnectionError:
    """The typed error for a request that got no answer.

    ``may_have_reached_server`` is False only when the request provably never
    left: no connection could be made, or none was free in the pool.
    """
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    what = _what(request) if request else "request"
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
