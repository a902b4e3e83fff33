"""Saving audio to disk: whole, or not at all.

Audio comes as a URL on a CDN, another origin than the API's, or inline in
the answer (base64, or a ``data:`` URI). Downloads go through a client of
their own that carries no credentials and none of the caller's headers, and
follows redirects itself (to http(s) URLs only); inline audio is decoded and
written through the same file machinery, under the same naming rules.

What a download decides is written once, without I/O, in :class:`Plan`: the
URL to fetch next, what an answer means (a redirect to follow, an error, the
body), where the file goes (:func:`resolve_destination`: only a regular file
is ever replaced), its name, and the byte count against ``Content-Length``.
The file side is :class:`PartFile`: a temporary file beside the destination,
renamed into place only once complete. The sync and async drivers at the
bottom only move bytes between the two.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import secrets
import stat
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, TypeAlias, TypeVar
from urllib.parse import parse_qsl, unquote

import httpx

from ._audio import MusicAudio, audio_from_clip
from ._errors import AIStatsError, APIError, DownloadError
from ._failures import status_error, transport_error
from ._job_parts import MusicClip
from ._models import MusicJob
from ._redact import redact

__all__ = [
    "MAX_REDIRECTS",
    "AllProgress",
    "DownloadTimeout",
    "NameBook",
    "PartFile",
    "Plan",
    "Progress",
    "Source",
    "check_url",
    "display_url",
    "download_all_async",
    "download_all_sync",
    "download_async",
    "download_sync",
    "extension_for",
    "filename_for",
    "new_async_client",
    "new_sync_client",
    "resolve_destination",
    "safe_stem",
]

_E = TypeVar("_E", bound=AIStatsError)

Progress: TypeAlias = Callable[[int, int | None], object]
"""``progress(done_bytes, total_bytes_or_None)``: called once the answer's headers
arrive (with 0) and after each chunk written."""

AllProgress: TypeAlias = Callable[[MusicAudio, int, int | None], object]
"""``progress(audio, done_bytes, total_bytes_or_None)``, for ``download_all``: the
:data:`Progress` of each audio in turn, with the audio it is about."""

DownloadTimeout: TypeAlias = float | httpx.Timeout | None

Source: TypeAlias = MusicAudio | MusicClip | str

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


def _url_secrets(url: httpx.URL | None) -> list[str]:
    """The parts of ``url`` a message must not show, should a server echo them."""
    if url is None:
        return []
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


def extension_for(
    url: httpx.URL | None, content_type: str | None, fallback: str | None = None
) -> str:
    """The file extension: from a known audio ``content_type`` (the answer's
    ``Content-Type``, or what inline audio is), else from the URL's path, else
    from the ``fallback`` content type (the requested format), else ``.mp3``
    (what the gateway's providers serve by default)."""
    for media in (content_type, None, fallback):
        if media is None:
            if url is not None:
                suffix = posixpath.splitext(unquote(url.path))[1].lower()
                if suffix in _EXTENSIONS:
                    return suffix
            continue
        known = _BY_CONTENT_TYPE.get(media.split(";", 1)[0].strip().lower())
        if known is not None:
            return known
    return _DEFAULT_EXTENSION


def _url_stem(url: httpx.URL) -> str:
    return posixpath.splitext(posixpath.basename(unquote(url.path)))[0]


def _stem_for(
    title: str | None, clip: MusicClip | None, job_id: str | None, url: httpx.URL | None
) -> str:
    """The title, else the clip's id, else the job's id, else the clip's index,
    else the URL's file name, made safe; else ``audio``."""
    candidates: list[str] = [title or ""]
    if clip is not None:
        candidates.append(clip.id or "")
    if job_id:
        candidates.append(job_id)
    if clip is not None and clip.index is not None:
        candidates.append(f"clip-{clip.index}")
    if url is not None:
        candidates.append(_url_stem(url))
    return next((s for s in map(safe_stem, candidates) if s), "audio")


def filename_for(clip: MusicClip | None, url: httpx.URL, content_type: str | None) -> str:
    """The name of a clip's file in a directory: its title, else its id, else its
    index (else the URL's file name), made safe, plus the extension."""
    title = None if clip is None else clip.title
    return _stem_for(title, clip, None, url) + extension_for(url, content_type)


class NameBook:
    """The names already given in one directory by one ``download_all``.

    :meth:`claim` hands out ``Song.mp3``, then ``Song (2).mp3``, ``Song (3).mp3``
    ... never a name given before, compared case-insensitively (macOS and
    Windows file systems are): so equal titles, titles equal only in their
    first 120 bytes, and a title that is another's numbered name (``Song (2)``)
    all get names of their own. The number goes after the cut, so it survives.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, stem: str, extension: str) -> str:
        n = 1
        while True:
            suffix = "" if n == 1 else f" ({n})"
            room = _NAME_MAX_BYTES - len(suffix.encode())
            cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
            name = (cut or "audio") + suffix + extension
            key = unicodedata.normalize("NFC", name).casefold()
            if key not in self._taken:
                self._taken.add(key)
                return name
            n += 1


def _inside(directory: Path, name: str) -> Path:
    """``directory / name``, after checking that it is a file directly inside ``directory``."""
    bad = name in ("", ".", "..") or "/" in name or "\0" in name
    bad = bad or os.sep in name or (os.altsep is not None and os.altsep in name)
    target = directory / name
    if bad or (directory.resolve() / name).parent != directory.resolve():
        raise ValueError(f"refusing to write outside {directory}: {name!r}")
    return target


# -- where the file goes ------------------------------------------------------------------


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _stat(path: Path, *, follow: bool, shown: str) -> os.stat_result | None:
    """``path``'s status, or None when nothing is there; a symlink loop is an error."""
    try:
        return os.stat(path, follow_symlinks=follow)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # an ancestor is a file: _check_parent says which
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "too many levels of symbolic links", shown) from None
        raise


def _refuse(path: Path, mode: int, shown: str) -> OSError:
    """The error for a destination that is not a regular file (nothing was touched)."""
    what = f"refusing to replace {_kind(mode)}: a download only ever replaces a regular file"
    if stat.S_ISDIR(mode):
        return IsADirectoryError(errno.EISDIR, what, shown)
    return FileExistsError(errno.EEXIST, what, shown)


def _check_parent(path: Path, shown: str) -> None:
    """A new file at ``path`` needs its parent to be an existing directory: say which is not."""
    parent = path.parent
    found = _stat(parent, follow=True, shown=str(parent))
    if found is not None and stat.S_ISDIR(found.st_mode):
        return
    if found is not None:
        raise NotADirectoryError(
            errno.ENOTDIR, f"the parent {str(parent)!r} is {_kind(found.st_mode)}", shown
        )
    for ancestor in parent.parents:  # missing, or under something that is not a directory
        above = _stat(ancestor, follow=True, shown=str(ancestor))
        if above is None:
            continue
        if not stat.S_ISDIR(above.st_mode):
            raise NotADirectoryError(
                errno.ENOTDIR,
                f"the directory {str(parent)!r} cannot exist: {str(ancestor)!r} is "
                f"{_kind(above.st_mode)}",
                shown,
            )
        break
    raise FileNotFoundError(errno.ENOENT, f"the directory {str(parent)!r} does not exist", shown)


def resolve_destination(dest: str | os.PathLike[str]) -> tuple[Path | None, Path | None]:
    """Where a download of ``dest`` goes: ``(directory, None)`` to name the file
    inside a directory, or ``(None, file)`` to write exactly ``file``.

    * An existing directory (or a symlink to one), or any ``dest`` ending in a
      path separator (which must then be an existing directory), is a directory.
    * A symlink stays a symlink: the file written is its target (resolved
      through every link, written beside the target, as ``cp`` and
      ``curl -o`` do); a dangling link creates its target.
    * An existing regular file is replaced; anything else there (a FIFO, a
      socket, a device) is refused, untouched: ``FileExistsError``.
    * A new file needs its parent: ``FileNotFoundError`` when the parent is
      missing, ``NotADirectoryError`` when it (or an ancestor) is a file, each
      naming which.
    """
    raw = os.fspath(dest)
    if not isinstance(raw, str):
        raise TypeError(f"dest must be a str or a path, not {type(raw).__name__}")
    if not raw:
        raise ValueError("dest is empty: give a directory or a file path")
    path = Path(raw)
    if raw.endswith(os.sep) or (os.altsep is not None and raw.endswith(os.altsep)):
        found = _stat(path, follow=True, shown=raw)
        if found is None:
            raise FileNotFoundError(
                errno.ENOENT, "no such directory (a destination ending in a separator is one)", raw
            )
        if not stat.S_ISDIR(found.st_mode):
            raise NotADirectoryError(
                errno.ENOTDIR,
                f"a destination ending in a separator is a directory, but this is "
                f"{_kind(found.st_mode)}",
                raw,
            )
        return path, None
    here = _stat(path, follow=False, shown=raw)
    if here is None:
        _check_parent(path, raw)
        return None, path
    if stat.S_ISLNK(here.st_mode):
        target = _stat(path, follow=True, shown=raw)
        if target is not None and stat.S_ISDIR(target.st_mode):
            return path, None
        resolved = Path(os.path.realpath(path))
        if target is None:
            _check_parent(resolved, raw)
        elif not stat.S_ISREG(target.st_mode):
            raise _refuse(resolved, target.st_mode, raw)
        return None, resolved
    if stat.S_ISDIR(here.st_mode):
        return path, None
    if not stat.S_ISREG(here.st_mode):
        raise _refuse(path, here.st_mode, raw)
    return None, path


def _check_replaceable(target: Path, *, named: bool) -> None:
    """Just before a file is created or renamed over ``target``: only nothing, or a
    regular file, may be there. ``named``: the caller named this path (a symlink
    there was resolved already); else the name was made up in a directory, where a
    symlink is refused rather than followed (a title must not pick where it writes)."""
    found = _stat(target, follow=False, shown=str(target))
    if found is None or stat.S_ISREG(found.st_mode):
        return
    if stat.S_ISLNK(found.st_mode) and not named:
        raise FileExistsError(
            errno.EEXIST,
            "refusing to write through a symbolic link the file name was made up for "
            "(give the link itself as the destination to write at its target)",
            str(target),
        )
    raise _refuse(target, found.st_mode, str(target))


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
                stem = _stem_for(None, None, None, self._url)
            else:
                stem = _stem_for(audio.title, audio.clip, audio.job_id, self._url)
            extension = extension_for(
                self._url, content_type, None if audio is None else audio.content_type
            )
            name = stem + extension if self._names is None else self._names.claim(stem, extension)
            target = _inside(self._directory, name)
            named = False
        _check_replaceable(target, named=named)
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
        _check_replaceable(part.target, named=self._named)
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
    pool: Callable[[], httpx.Client],
    source: Source,
    dest: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    timeout: DownloadTimeout,
    names: NameBook | None = None,
) -> Path:
    """Save ``source`` to ``dest`` (see ``MusicClient.download``); ``pool()`` gives
    the download client, asked for only when there is something to fetch."""
    plan = Plan(source, dest, progress=progress, names=names)
    if plan.inline is not None:
        part = plan.write_inline()
        try:
            plan.report_inline()
            return plan.commit(part)
        finally:
            part.discard()
    http = pool()
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
                    return plan.commit(part)
                finally:
                    part.discard()
        except httpx.HTTPError as exc:
            raise plan.transport_failure(exc) from exc
        except httpx.InvalidURL as exc:  # httpx parses a redirect's Location on its own
            raise plan.bad_location(exc) from None


async def download_async(
    pool: Callable[[], httpx.AsyncClient],
    source: Source,
    dest: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    timeout: DownloadTimeout,
    names: NameBook | None = None,
) -> Path:
    """The async twin of :func:`download_sync`.

    Chunks are written from the event loop (a write of one chunk to the page
    cache takes microseconds); the final ``fsync``, which can take longer, runs
    in a thread, as does all of saving inline audio (decoding megabytes of
    base64 included). Cancelled meanwhile, the download waits for that thread
    to return, removes the temporary file, and lets the cancellation through.
    """
    plan = Plan(source, dest, progress=progress, names=names)
    if plan.inline is not None:
        parts: list[PartFile] = []
        try:
            await _in_thread(lambda: parts.append(plan.write_inline()))
            plan.report_inline()
            return plan.commit(parts[0])
        finally:
            for written in parts:
                written.discard()
    http = pool()
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
                    return plan.commit(part)
                finally:
                    part.discard()
        except httpx.HTTPError as exc:
            raise plan.transport_failure(exc) from exc
        except httpx.InvalidURL as exc:  # httpx parses a redirect's Location on its own
            raise plan.bad_location(exc) from None


def _directory_for_all(job: object, dest_dir: str | os.PathLike[str]) -> str:
    """``dest_dir`` as a path that can only mean a directory (an existing one)."""
    if not isinstance(job, MusicJob):
        raise TypeError(f"download_all takes a MusicJob, not {type(job).__name__}")
    raw = os.fspath(dest_dir)
    if not isinstance(raw, str) or not raw:
        raise ValueError("dest_dir must be a non-empty str or path")
    found = _stat(Path(raw), follow=True, shown=raw)
    if found is None:
        raise FileNotFoundError(
            errno.ENOENT, "no such directory (download_all saves into an existing one)", raw
        )
    if not stat.S_ISDIR(found.st_mode):
        raise NotADirectoryError(
            errno.ENOTDIR,
            f"download_all saves into a directory, but this is {_kind(found.st_mode)}",
            raw,
        )
    # A trailing separator: should the directory vanish midway, the next file
    # fails rather than being written under the directory's name.
    return raw if raw.endswith(os.sep) else raw + os.sep


def _partial_failure(
    exc: BaseException, job: MusicJob, audio: MusicAudio, saved: Sequence[Path]
) -> None:
    """Say on ``exc`` what a failed ``download_all`` left: the files saved before it stay."""
    if isinstance(exc, AIStatsError) and exc.job_id is None:
        exc.job_id = job.id
    kept = ", ".join(str(p) for p in saved) or "none"
    exc.add_note(
        f"download_all of job {job.id!r:.200} stopped at audio {audio.index} ({audio.field}): "
        f"{len(saved)} of {len(job.audio)} saved before it, and kept: {kept}"
    )


def _progress_of(progress: AllProgress | None, audio: MusicAudio) -> Progress | None:
    if progress is None:
        return None
    return lambda done, total: progress(audio, done, total)


def download_all_sync(
    pool: Callable[[], httpx.Client],
    job: MusicJob,
    dest_dir: str | os.PathLike[str],
    *,
    progress: AllProgress | None = None,
    timeout: DownloadTimeout,
) -> list[Path]:
    """Save every audio of ``job`` in ``dest_dir`` (see ``MusicClient.download_all``)."""
    directory = _directory_for_all(job, dest_dir)
    names = NameBook()
    saved: list[Path] = []
    for audio in job.audio:
        try:
            path = download_sync(
                pool,
                audio,
                directory,
                progress=_progress_of(progress, audio),
                timeout=timeout,
                names=names,
            )
        except BaseException as exc:
            _partial_failure(exc, job, audio, saved)
            raise
        saved.append(path)
    return saved


async def download_all_async(
    pool: Callable[[], httpx.AsyncClient],
    job: MusicJob,
    dest_dir: str | os.PathLike[str],
    *,
    progress: AllProgress | None = None,
    timeout: DownloadTimeout,
) -> list[Path]:
    """The async twin of :func:`download_all_sync` (one audio at a time, in order)."""
    directory = _directory_for_all(job, dest_dir)
    names = NameBook()
    saved: list[Path] = []
    for audio in job.audio:
        try:
            path = await download_async(
                pool,
                audio,
                directory,
                progress=_progress_of(progress, audio),
                timeout=timeout,
                names=names,
            )
        except BaseException as exc:
            _partial_failure(exc, job, audio, saved)
            raise
        saved.append(path)
    return saved


async def _in_thread(func: Callable[[], None]) -> None:
    """Run ``func`` in a thread; if cancelled, still wait for it to return first,
    so that nothing touches its file while it runs (AnyIO: asyncio or trio)."""
    import anyio
    import anyio.lowlevel

    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(func)
    await anyio.lowlevel.checkpoint()  # a cancellation that came meanwhile: now
