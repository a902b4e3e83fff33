"""What a saved audio file is called: a safe stem, an extension, a name of its own.

A title comes from the answer, so from whoever wrote the prompt: here it is made
into a name that stays in the directory it is put in, on any file system
(:func:`safe_stem`), given the extension the audio's media type (or URL) says
(:func:`extension_for`), and, within one ``download_all``, a name no other
audio of the job was given (:class:`NameBook`). No I/O: the file system is
asked nothing here.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from pathlib import Path
from typing import Final
from urllib.parse import unquote

import httpx

from ._job_parts import MusicClip

__all__ = [
    "NameBook",
    "extension_for",
    "filename_for",
    "inside",
    "media_type_for",
    "safe_stem",
    "stem_for",
]

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


def stem_for(
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
    return stem_for(title, clip, None, url) + extension_for(url, content_type)


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


def inside(directory: Path, name: str) -> Path:
    """``directory / name``, after checking that it is a file directly inside ``directory``."""
    bad = name in ("", ".", "..") or "/" in name or "\0" in name
    bad = bad or os.sep in name or (os.altsep is not None and os.altsep in name)
    target = directory / name
    if bad or (directory.resolve() / name).parent != directory.resolve():
        raise ValueError(f"refusing to write outside {directory}: {name!r}")
    return target


def media_type_for(extension: str) -> str | None:
    """The media type a file's ``extension`` stands for (``.mp3``: ``audio/mpeg``), if any:
    the first of :func:`extension_for`'s table that gives it."""
    suffix = extension.lower()
    return next((kind for kind, ext in _BY_CONTENT_TYPE.items() if ext == suffix), None)
