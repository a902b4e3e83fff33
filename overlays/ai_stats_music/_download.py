"""Saving a clip's audio to disk: whole, or not at all.

The audio lives on a CDN, another origin than the API's, so downloads go
through a client of their own that carries no credentials and none of the
caller's headers, and follows redirects itself (to http(s) URLs only).

What a download decides is written once, without I/O, in :class:`Plan`: the
URL to fetch next, what an answer means (a redirect to follow, an error, the
body), the file name, and the byte count against ``Content-Length``. The file
side is :class:`PartFile`: a temporary file beside the destination, renamed
into place only once complete. The sync and async drivers at the bottom only
move bytes between the two.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeAlias, TypeVar
from urllib.parse import parse_qsl, unquote

import httpx

from ._core import redact, transport_error
from ._errors import AIStatsError, APIError, DownloadError, status_error
from ._models import MusicClip

__all__ = [
    "MAX_REDIRECTS",
    "DownloadTimeout",
    "PartFile",
    "Plan",
    "Progress",
    "check_url",
    "display_url",
    "download_async",
    "download_sync",
    "extension_for",
    "filename_for",
    "new_async_client",
    "new_sync_client",
    "safe_stem",
]

_E = TypeVar("_E", bound=AIStatsError)

Progress: TypeAlias = Callable[[int, int | None], object]
"""``progress(done_bytes, total_bytes_or_None)``: called once the answer's headers
arrive (with 0) and after each chunk written."""

DownloadTimeout: TypeAlias = float | httpx.Timeout | None

#: Redirects followed before giving up (httpx's own default is 20; a CDN needs one or two).
MAX_REDIRECTS: Final = 10
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
#: The longest file name written, in UTF-8 bytes: below every file system's limit
#: (255), with room for the extension.
_NAME_MAX_BYTES: Final = 120
_DEFAULT_EXTENSION: Final = ".mp3"
_BY_CONTENT_TYPE: Final = {
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/mpeg3": ".mp3",
    "audio/x-mpeg-3": ".mp3",
    "audio/wav": ".wav",
    "audio/wave": ".wav",
    "audio/x-wav": ".wav",
    "audio/vnd.wave": ".wav",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/aac": ".aac",
    "audio/aacp": ".aac",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
    "audio/webm": ".webm",
}
_EXTENSIONS: Final = frozenset(_BY_CONTENT_TYPE.values()) | {".oga", ".mp4", ".aif", ".aiff"}
# Characters no file system takes in a name (Windows is the strictest), or that
# would make the name a path: replaced, not dropped, so "AC/DC" stays readable.
_FORBIDDEN: Final = frozenset('<>:"/\\|?*')
_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


# -- names -------------------------------------------------------------------------------


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


def _url_secrets(url: httpx.URL) -> list[str]:
    """The parts of ``url`` a message must not show, should a server echo them."""
    found = [url.password or ""]
    query = url.query.decode("ascii", "replace")
    found.append(query)
    found.extend(value for _, value in parse_qsl(query, keep_blank_values=True))
    return [s for s in found if len(s) >= 6]


def safe_stem(text: str) -> str:
    """``text`` made into a file name that stays where it is put, on any system.

    Path separators and the characters Windows refuses become ``_``; white
    space (tabs and new lines included) becomes single spaces; other control
    and format characters (NUL, escapes, bidi overrides) are dropped; leading
    dots, dashes and spaces (hidden files, ``..``, options) and trailing dots
    and spaces go; a Windows device name (``CON``, ``nul.txt``) gets a ``_`` in
    front; the result is cut to 120 UTF-8 bytes. Letters of every script are
    kept. May return ``""``.
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if ch in _FORBIDDEN:
            out.append("_")
        elif ch.isspace():
            out.append(" ")
        elif category[0] == "C":
            continue
        else:
            out.append(ch)
    name = " ".join("".join(out).split()).lstrip(" .-").rstrip(" .")
    encoded = name.encode("utf-8")
    if len(encoded) > _NAME_MAX_BYTES:
        name = encoded[:_NAME_MAX_BYTES].decode("utf-8", "ignore").rstrip(" .")
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = "_" + name
    return name


def extension_for(url: httpx.URL, content_type: str | None) -> str:
    """The file extension: from a known audio ``Content-Type``, else from the URL's
    path, else ``.mp3`` (what the gateway's providers serve by default)."""
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        if media in _BY_CONTENT_TYPE:
            return _BY_CONTENT_TYPE[media]
    suffix = posixpath.splitext(unquote(url.path))[1].lower()
    return suffix if suffix in _EXTENSIONS else _DEFAULT_EXTENSION


def _url_stem(url: httpx.URL) -> str:
    return posixpath.splitext(posixpath.basename(unquote(url.path)))[0]


def filename_for(clip: MusicClip | None, url: httpx.URL, content_type: str | None) -> str:
    """The name of a clip's file in a directory: its title, else its id, else its
    index (else the URL's file name), made safe, plus the extension."""
    candidates: list[str] = []
    if clip is not None:
        candidates += [clip.title or "", clip.id or ""]
        if clip.index is not None:
            candidates.append(f"clip-{clip.index}")
    candidates.append(_url_stem(url))
    stem = next((s for s in map(safe_stem, candidates) if s), "audio")
    return stem + extension_for(url, content_type)


def _inside(directory: Path, name: str) -> Path:
    """``directory / name``, after checking that it is a file directly inside ``directory``."""
    bad = name in ("", ".", "..") or "/" in name or "\0" in name
    bad = bad or os.sep in name or (os.altsep is not None and os.altsep in name)
    target = directory / name
    if bad or (directory.resolve() / name).parent != directory.resolve():
        raise ValueError(f"refusing to write outside {directory}: {name!r}")
    return target


# -- the file ----------------------------------------------------------------------------


# The data is what must be on disk before the rename; fdatasync skips the
# metadata flush (mtime...) that fsync adds. Not every platform has it.
_datasync: Final = getattr(os, "fdatasync", os.fsync)


class PartFile:
    """The temporary file a download writes, in the destination's directory.

    Created with the permissions a new file gets (the umask applies), under a
    hidden, random name; :meth:`commit` renames it over the destination
    (``os.replace``, atomic on one file system), :meth:`discard` removes it.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            path = target.parent / f".{target.name[:40]}.{secrets.token_hex(4)}.part"
            try:
                fd = os.open(path, flags, 0o666)
            except FileExistsError:
                continue
            break
        self.path = path
        self._file = open(fd, "wb")  # noqa: SIM115 (closed by sync() or discard())
        self._committed = False

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def sync(self) -> None:
        """Flush the data to the disk, so that a crash after the rename cannot
        leave a short file under the final name."""
        self._file.flush()
        _datasync(self._file.fileno())
        self._file.close()

    def commit(self) -> Path:
        os.replace(self.path, self.target)
        self._committed = True
        return self.target

    def discard(self) -> None:
        if self._committed:
            return
        try:
            self._file.close()
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


# -- the plan ----------------------------------------------------------------------------


class Plan:
    """One download, without I/O: the URL to fetch, and what each answer means.

    ``dest`` is an existing directory (the file name then comes from the clip,
    see :func:`filename_for`) or a file path whose directory exists. The
    drivers send ``GET`` :attr:`url`, then call :meth:`redirected` (True: send
    again), :meth:`status_failure` on an error status, :meth:`open` on success,
    :meth:`advance` after each chunk and :meth:`finish` at the end of the body;
    :meth:`transport_failure` turns an httpx error into the error to raise.
    """

    def __init__(
        self,
        source: MusicClip | str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.clip = source if isinstance(source, MusicClip) else None
        raw: object = source
        if self.clip is not None:
            raw = self.clip.audio_url or self.clip.stream_audio_url
            if not raw:
                raise ValueError("this clip has no audio_url (is its job completed?)")
        self.url = check_url(raw)
        self._original = self.url
        path = Path(os.fspath(dest))
        if path.is_dir():
            self._directory: Path | None = path
            self._target: Path | None = None
        elif not path.parent.is_dir():
            raise FileNotFoundError(f"the directory of {str(path)!r} does not exist")
        else:
            self._directory, self._target = None, path
        self._progress = progress
        self._max_redirects = max_redirects
        self.redirects = 0
        self.expected: int | None = None
        self.received = 0
        self._started = False

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
        self.url = target
        return True

    def bad_location(self, exc: httpx.InvalidURL) -> DownloadError:
        """The error for a redirect whose ``Location`` httpx could not even parse."""
        return self._error(f"refused a redirect to an invalid URL ({exc})")

    def status_failure(self, response: httpx.Response) -> APIError:
        """The typed error for an error status (the body must have been read)."""
        return self._scrub(status_error(response))

    def open(self, response: httpx.Response) -> PartFile:
        """The body starts: settle the file name and the length, create the temporary file."""
        if self._target is not None:
            target = self._target
        else:
            assert self._directory is not None
            name = filename_for(self.clip, self.url, response.headers.get("content-type"))
            target = _inside(self._directory, name)
        self.expected = _declared_length(response)
        part = PartFile(target)
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
        for secret in {*_url_secrets(self.url), *_url_secrets(self._original)}:
            error.message = redact(error.message, secret)
        error.args = (error.message,)
        return error


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


# -- drivers -----------------------------------------------------------------------------

_HEADERS: Final = {"Accept-Encoding": "identity"}


def new_sync_client(*, user_agent: str) -> httpx.Client:
    """The client downloads go through: no credentials, no caller headers, no redirects
    followed by httpx (the plan follows them), identity encoding (so that the bytes
    counted are the bytes written). Each download passes its own timeout."""
    return httpx.Client(follow_redirects=False, headers={**_HEADERS, "User-Agent": user_agent})


def new_async_client(*, user_agent: str) -> httpx.AsyncClient:
    """The async twin of :func:`new_sync_client`."""
    return httpx.AsyncClient(follow_redirects=False, headers={**_HEADERS, "User-Agent": user_agent})


def download_sync(
    http: httpx.Client,
    source: MusicClip | str,
    dest: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    timeout: DownloadTimeout,
) -> Path:
    """Download ``source`` to ``dest`` through ``http`` (see ``MusicClient.download``)."""
    plan = Plan(source, dest, progress=progress)
    while True:
        try:
            with http.stream("GET", plan.url, timeout=timeout) as response:
                if plan.redirected(response):
                    continue
                if not response.is_success:
                    response.read()
                    raise plan.status_failure(response)
                part = plan.open(response)
                try:
                    for chunk in response.iter_bytes():
                        part.write(chunk)
                        plan.advance(response.num_bytes_downloaded)
                    plan.finish()
                    part.sync()
                    return part.commit()
                finally:
                    part.discard()
        except httpx.HTTPError as exc:
            raise plan.transport_failure(exc) from exc
        except httpx.InvalidURL as exc:  # httpx parses a redirect's Location on its own
            raise plan.bad_location(exc) from None


async def download_async(
    http: httpx.AsyncClient,
    source: MusicClip | str,
    dest: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    timeout: DownloadTimeout,
) -> Path:
    """The async twin of :func:`download_sync`.

    Chunks are written from the event loop (a write of one chunk to the page
    cache takes microseconds); the final ``fsync``, which can take longer, runs
    in a thread. Cancelled meanwhile, the download waits for that ``fsync``
    to return, removes the temporary file, and lets the cancellation through.
    """
    plan = Plan(source, dest, progress=progress)
    while True:
        try:
            async with http.stream("GET", plan.url, timeout=timeout) as response:
                if plan.redirected(response):
                    continue
                if not response.is_success:
                    await response.aread()
                    raise plan.status_failure(response)
                part = plan.open(response)
                try:
                    async for chunk in response.aiter_bytes():
                        part.write(chunk)
                        plan.advance(response.num_bytes_downloaded)
                    plan.finish()
                    await _in_thread(part.sync)
                    return part.commit()
                finally:
                    part.discard()
        except httpx.HTTPError as exc:
            raise plan.transport_failure(exc) from exc
        except httpx.InvalidURL as exc:  # httpx parses a redirect's Location on its own
            raise plan.bad_location(exc) from None


async def _in_thread(func: Callable[[], None]) -> None:
    """Run ``func`` in a thread; if cancelled, still wait for it to return first,
    so that nothing touches its file while it runs."""
    import asyncio

    task = asyncio.ensure_future(asyncio.to_thread(func))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:
                continue
        raise
