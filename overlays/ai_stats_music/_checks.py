"""Guards on what a caller passes, run before anything is sent.

A job id that would not reach the server as one path segment, a timeout that
is not seconds, a header that would replace the key, text no request can
carry, an async client moved to another event loop: each is refused here with
a ``TypeError``, ``ValueError`` or :class:`~ai_stats_music.AIStatsError` that
names what to fix, because the same mistake found by httpx (or the gateway)
would surface late, as a bare error, perhaps after a paid create was sent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

import httpx

from ._errors import AIStatsError
from ._models import MusicJob

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
    """The checked id of a job, or of an id given as text."""
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
