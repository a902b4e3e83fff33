"""The library's logger, and the ``AI_STATS_LOG`` switch that shows it on stderr.

Everything the package logs goes to the ``ai_stats_music`` logger: each
request's method, URL and status (INFO), each retry decision (INFO), and
details such as the job a create made (DEBUG). Like ``OPENAI_LOG``,
``AI_STATS_LOG=debug`` (or ``info``) attaches one handler to that logger only,
writing to stderr; without it the package adds no handler, and the records go
wherever the application's logging sends them.

No record carries the API key. The URLs logged carry none (the key travels in
a header), their query strings are left out all the same (a signed audio URL's
query is a credential), and a filter on the logger takes out, from every
record, the key of every client made in this process -- a server's error text
may echo it -- and any ``Bearer`` token (the logic is ``_redact``'s, shared
with the errors and the command line).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Final, TextIO

import httpx

from ._redact import scrub_known

__all__ = ["LOG_ENV", "log", "log_response", "setup_from_env"]

LOG_ENV: Final = "AI_STATS_LOG"
#: The values of ``AI_STATS_LOG`` that turn the stderr handler on; any other is ignored.
LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
FORMAT: Final = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

log: Final = logging.getLogger("ai_stats_music")


class _Scrubber(logging.Filter):
    """Renders each record's message once, without any known key in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub_known(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to whatever ``sys.stderr`` is at the time of each record."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def setup_from_env() -> None:
    """Read ``AI_STATS_LOG`` (once, at import): a level name adds the stderr handler."""
    log.addFilter(_Scrubber())
    level = LEVELS.get(os.environ.get(LOG_ENV, "").strip().lower())
    if level is None:
        return
    handler = _Stderr()
    handler.setFormatter(logging.Formatter(FORMAT))
    log.addHandler(handler)
    log.setLevel(level)


def url_of(request: httpx.Request) -> str:
    """The URL as logged: without its query string."""
    url = request.url
    return f"{url.copy_with(query=None)}?..." if url.query else str(url)


def log_response(response: httpx.Response) -> None:
    """One INFO line per answer: method, URL, status (the hook in the clients' ``_call``)."""
    if log.isEnabledFor(logging.INFO):
        request = response.request
        log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            url_of(request),
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


setup_from_env()
