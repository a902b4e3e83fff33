"""One download decided without I/O: :class:`Plan`.

What a download decides is written once, here: the URL to fetch next, what an
answer means (a redirect to follow, an error, the body), where the file goes
(:mod:`._destination`), its name (:mod:`._filenames`), and the byte count
against ``Content-Length``; and the errors it raises, with a signed URL's
secrets taken out of their messages. The sync and async drivers
(:mod:`._download`) only move bytes between the answer and the
:class:`~._partfile.PartFile` the plan opens.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeAlias, TypeVar
from urllib.parse import parse_qsl

import httpx

from ._audio import MusicAudio, audio_from_clip
from ._destination import check_replaceable, resolve_destination
from ._errors import AIStatsError, APIError, DownloadError
from ._failures import status_error, transport_error
from ._filenames import NameBook, extension_for, inside, stem_for
from ._job_parts import MusicClip
from ._partfile import PartFile
from ._redact import redact

__all__ = ["MAX_REDIRECTS", "Plan", "Progress", "Source", "check_url", "display_url"]

_E = TypeVar("_E", bound=AIStatsError)

Progress: TypeAlias = Callable[[int, int | None], object]
"""``progress(done_bytes, total_bytes_or_None)``: called once the answer's headers
arrive (with 0) and after each chunk written."""

Source: TypeAlias = MusicAudio | MusicClip | str

#: Redirects followed before giving up (httpx's own default is 20; a CDN needs one or two).
MAX_REDIRECTS: Final = 10
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


def check_url(url: object) -> httpx.URL:
    """``url`` parsed; ``ValueError`` unless it is an absolute http(s) URL."""
    if isinstance(url, httpx.URL):
        parsed = url
    elif isinstance(url, str):
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"not a valid URL: {exc}") from None
    else:
        raise TypeError(f"expected a MusicClip or a URL string, not {type(url).__name__}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        what = f"a {parsed.scheme}: URL" if parsed.scheme else "a relative URL"
        raise ValueError(f"can only download http(s) URLs, not {what}")
    return parsed


def display_url(url: httpx.URL) -> str:
    """``url`` fit for a message: no user info, query string or fragment.

    The query string of a signed CDN URL is a credential (it grants the download).
    """
    return str(url.copy_with(query=None, fragment=None, userinfo=b""))


def _url_secrets(url: httpx.URL | None) -> list[str]:
    """The parts of ``url`` a message must not show, should a server echo them."""
    if url is None:
        return []
    found = [url.password or ""]
    query = url.query.decode("ascii", "replace")
    found.append(query)
    found.extend(value for _, value in parse_qsl(query, keep_blank_values=True))
    return [s for s in found if len(s) >= 6]


class Plan:
    """One download, without I/O: the URL to fetch, and what each answer means.

    ``source`` is a :class:`MusicAudio`, a :class:`MusicClip` (its audio, see
    :func:`~ai_stats_music._audio.audio_from_clip`) or a URL string (http(s), or
    a ``data:`` URI). ``dest`` is resolved by :func:`resolve_destination`. For a
    URL (:attr:`inline` is None), the drivers send ``GET`` :attr:`url`, then
    call :meth:`redirected` (True: send again), :meth:`status_failure` on an
    error status, :meth:`open` on success, :meth:`advance` after each chunk and
    :meth:`finish` at the end of the body, then :meth:`commit`;
    :meth:`transport_failure` turns an httpx error into the error to raise.
    For inline audio they call :meth:`write_inline`, then :meth:`commit`.
    ``names`` makes the file names of one ``download_all`` distinct.
    """

    def __init__(
        self,
        source: Source,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        max_redirects: int = MAX_REDIRECTS,
        names: NameBook | None = None,
    ) -> None:
        audio: MusicAudio | None
        if isinstance(source, MusicAudio):
            audio = source
        elif isinstance(source, MusicClip):
            audio = audio_from_clip(source)
            if audio is None:
                raise ValueError(
                    "this clip has no audio_url or audio_base64 (is its job completed?)"
                )
        elif isinstance(source, str) and source[:5].lower() == "data:":
            audio = MusicAudio(data_uri=source, field="url")
        else:
            audio = None
        self.audio = audio
        self.clip = None if audio is None else audio.clip
        #: The inline audio to write, or None for audio to fetch from :attr:`url`.
        self.inline = audio if audio is not None and audio.is_inline else None
        self._url = None if self.inline is not None else check_url(audio.url if audio else source)
        self._original = self._url
        self._directory, self._target = resolve_destination(dest)
        self._names = names
        self._progress = progress
        self._max_redirects = max_redirects
        self.redirects = 0
        self.expected: int | None = None
        self.received = 0
        self._started = False
        self._named = self._target is not None

    @property
    def url(self) -> httpx.URL:
        """The URL to get next (audio to fetch only)."""
        assert self._url is not None, "inline audio has no URL"
        return self._url

    def _file(self, content_type: str | None) -> PartFile:
        """The temporary file, beside the settled destination (checked once more)."""
        if self._target is not None:
            target = self._target
            named = True
        else:
            assert self._directory is not None
            audio = self.audio
            if audio is None:
                stem = stem_for(None, None, None, self._url)
            else:
                stem = stem_for(audio.title, audio.clip, audio.job_id, self._url)
            extension = extension_for(
                self._url, content_type, None if audio is None else audio.content_type
            )
            name = stem + extension if self._names is None else self._names.claim(stem, extension)
            target = inside(self._directory, name)
            named = False
        check_replaceable(target, named=named)
        self._named = named
        return PartFile(target)

    def write_inline(self) -> PartFile:
        """Decode the inline audio and write it whole to a synced temporary file.

        Blocking (the async driver runs it in a thread). Bad base64 or a lying
        ``data:`` URI raises ``MalformedResponseError`` before any file exists.
        """
        assert self.inline is not None
        data = self.inline.decode()
        assert data is not None
        part = self._file(self.inline.content_type)
        try:
            part.write(data)
            part.sync()
        except BaseException:
            part.discard()
            raise
        self.expected = self.received = len(data)
        return part

    def report_inline(self) -> None:
        """Tell ``progress`` the inline audio was written (start and end, as for a body)."""
        if self._progress is not None:
            self._progress(0, self.expected)
            self._progress(self.received, self.expected)

    def commit(self, part: PartFile) -> Path:
        """Rename ``part`` into place, unless something other than a regular file
        appeared there meanwhile."""
        check_replaceable(part.target, named=self._named)
        return part.commit()

    # -- answers ------------------------------------------------------------------------

    def redirected(self, response: httpx.Response) -> bool:
        """True when ``response`` redirects: :attr:`url` is then the next one to get.

        Only to http(s) URLs, never from https down to http, at most
        ``max_redirects`` times; anything else is a :class:`DownloadError`.
        """
        if response.status_code not in _REDIRECTS:
            return False
        location = response.headers.get("location")
        if not location:
            raise self._error(f"HTTP {response.status_code} redirect without a Location", response)
        try:
            target = response.url.join(location)
        except httpx.InvalidURL:
            raise self._error("redirect to an invalid URL", response) from None
        if target.scheme not in ("http", "https") or not target.host:
            what = f"{target.scheme}:" if target.scheme else "a URL without a host"
            raise self._error(
                f"refused a redirect to {what} (only http(s) redirects are followed)", response
            )
        if response.url.scheme == "https" and target.scheme == "http":
            raise self._error(
                "refused a redirect from https down to plain http (the audio, and a signed "
                "URL's next hop, would travel in clear)",
                response,
            )
        if self.redirects >= self._max_redirects:
            raise self._error(f"more than {self._max_redirects} redirects", response)
        self.redirects += 1
        self._url = target
        return True

    def bad_location(self, exc: httpx.InvalidURL) -> DownloadError:
        """The error for a redirect whose ``Location`` httpx could not even parse."""
        return self._error(f"refused a redirect to an invalid URL ({exc})")

    def status_failure(self, response: httpx.Response) -> APIError:
        """The typed error for an error status (the body must have been read)."""
        return self._scrub(status_error(response))

    def open(self, response: httpx.Response) -> PartFile:
        """The body starts: settle the file name and the length, create the temporary file."""
        self.expected = _declared_length(response)
        part = self._file(response.headers.get("content-type"))
        self._started = True
        if self._progress is not None:
            self._progress(0, self.expected)
        return part

    def advance(self, received: int) -> None:
        """``received`` bytes of the body have arrived (and been written)."""
        self.received = received
        if self.expected is not None and received > self.expected:
            raise self._mismatch("more bytes than its Content-Length declares")
        if self._progress is not None:
            self._progress(received, self.expected)

    def finish(self) -> None:
        """The body ended: it must be as long as declared."""
        if self.expected is not None and self.received != self.expected:
            raise self._mismatch("a body shorter than its Content-Length")

    def transport_failure(self, exc: httpx.HTTPError) -> AIStatsError:
        """The error to raise for ``exc``: a body cut short is a :class:`DownloadError`
        with the counts; other failures are ``APIConnectionError`` / ``APITimeoutError``."""
        request = exc.request if isinstance(exc, httpx.RequestError) else None
        if (
            self._started
            and isinstance(exc, httpx.RemoteProtocolError)
            and self.expected is not None
            and self.received < self.expected
        ):
            return self._mismatch("the connection closed early", request=request)
        if isinstance(exc, httpx.DecodingError):
            return self._error(f"the body could not be decoded ({exc})", request=request)
        error = transport_error(exc, request=request, job_id=None)
        if self._started:
            total = "?" if self.expected is None else str(self.expected)
            error.message += f" (after {self.received} of {total} bytes)"
            error.args = (error.message,)
        return self._scrub(error)

    # -- errors -------------------------------------------------------------------------

    def _mismatch(self, what: str, *, request: httpx.Request | None = None) -> DownloadError:
        message = (
            f"download of {display_url(self.url)} failed: {what} "
            f"(received {self.received} of {self.expected} bytes)"
        )
        error = DownloadError(
            message,
            url=str(self.url),
            expected_bytes=self.expected,
            received_bytes=self.received,
            request=request,
        )
        return self._scrub(error)

    def _error(
        self,
        what: str,
        response: httpx.Response | None = None,
        *,
        request: httpx.Request | None = None,
    ) -> DownloadError:
        message = f"download of {display_url(self.url)} failed: {what}"
        if request is None and response is not None:
            request = response.request
        return self._scrub(DownloadError(message, url=str(self.url), request=request))

    def _scrub(self, error: _E) -> _E:
        """``error`` with the URL's secrets (query values, password) taken out of its message."""
        for secret in {*_url_secrets(self._url), *_url_secrets(self._original)}:
            error.message = redact(error.message, secret)
        error.args = (error.message,)
        return error


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)
