"""A request's timeout bounds the whole request, not each read.

httpx's timeouts are per socket operation: a server that sends one byte every
second, under a 30 s read timeout, can hold a request for ever. Here the
clients' own connection pools read and write through a thin wrapper of
httpcore's network streams (:class:`DeadlineBackend`, installed by
:func:`install`). While a request runs, a :class:`Budget` is set in a context
variable (:func:`budget`); each read and write of the stream it runs on takes
at most the time left, and fails with httpcore's ``ReadTimeout`` /
``WriteTimeout`` -- which httpx turns into ``httpx.ReadTimeout`` /
``WriteTimeout``, the error an ordinary read timeout gives -- once none is
left.

The budget is armed by the first read or write on a connection, so the wait
for a free connection of the pool (a create may wait there as long as it
takes) and the connect (bounded by its own timeout) do not count. A context
variable follows the request on both sides: a sync request runs in its
caller's thread, an async one in its caller's task. Outside a budget (another
request of the same pool, a download's body) the wrapper passes the timeout
through unchanged, so the cost is one context-variable read per socket
operation.

The wrapper itself (``_streams``) needs httpcore, which httpx imports only
when it opens its first transport: it is imported by :func:`install`, on a
pool's first use, not with the package (import time).

It works with httpx's own transports (``HTTPTransport``, including the proxy
pools it mounts from the environment); a transport of the user's
(``http_client=``) is used as it is, with httpx's per-operation timeouts.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, TypeVar

from ._budget import CURRENT, Budget

if TYPE_CHECKING:
    import httpx

__all__ = ["Budget", "budget", "install", "installed"]


class budget:
    """``with budget(seconds):`` -- the requests sent inside take at most ``seconds``
    on their connection (``None``: no bound beyond httpx's). A class rather than
    a generator context manager: it is on every request's path. Lower case: it
    reads as a statement, like ``open``."""

    __slots__ = ("_seconds", "_token")

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> None:
        if self._seconds is not None:
            self._token = CURRENT.set(Budget(self._seconds))

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            CURRENT.reset(self._token)
            self._token = None


_H = TypeVar("_H", "httpx.Client", "httpx.AsyncClient")


def install(http: _H) -> _H:
    """Wrap the network backend of ``http``'s own transports (see ``_streams``)."""
    from ._streams import install as install_streams

    return install_streams(http)


def installed(http: httpx.Client | httpx.AsyncClient) -> bool:
    """Whether every transport of ``http`` enforces request budgets (for tests)."""
    from ._streams import installed as streams_installed

    return streams_installed(http)
