"""``MusicAudio``: one view of every audio an answer carries, whatever the provider.

The gateway hands audio over in four ways: a clip's ``audio_url`` (Suno,
queued), a top-level ``audio_url`` (MiniMax: an https URL or a ``data:`` URI
passed through), and inline base64 at the top level or in a clip (ElevenLabs,
Google Lyria, and their stored copies, which repeat it in ``output[0]``).
:func:`audio_of` turns any answer into one sequence, each audio once, and
:class:`MusicAudio` says where the bytes are and what they are.

Nothing is decoded here until asked: answers are parsed on every status read,
and inline audio runs to megabytes. Listing the audio of a job never raises;
reading ``MusicAudio.data`` (or saving it) is where bad base64 or a ``data:``
URI that lies becomes a :class:`~ai_stats_music.MalformedResponseError`.
"""

from __future__ import annotations

import binascii
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote_to_bytes

import attrs

from ._errors import MalformedResponseError
from ._job_parts import MusicClip

if TYPE_CHECKING:
    from ._models import MusicJob

__all__ = ["MusicAudio", "audio_from_clip", "audio_of", "sniff_content_type"]

#: The ``format`` values of a create request, as media types.
_FORMAT_TYPES: Final = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "opus": "audio/ogg",
}
#: Media types by family, to tell a data URI that names another format than its
#: bytes have from one that merely spells the same format differently.
_FAMILIES: Final = {
    **dict.fromkeys(
        ("audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg-3", "audio/x-mpeg", "audio/mpa"),
        "mpeg",
    ),
    **dict.fromkeys(
        ("audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave", "audio/x-pn-wav"), "wav"
    ),
    **dict.fromkeys(("audio/ogg", "audio/opus", "audio/vorbis", "audio/x-ogg"), "ogg"),
    **dict.fromkeys(("audio/flac", "audio/x-flac"), "flac"),
    # ADTS AAC and MP4/M4A (which usually holds AAC) are not told apart here.
    **dict.fromkeys(
        ("audio/aac", "audio/aacp", "audio/x-aac", "audio/mp4", "audio/x-m4a", "audio/m4a"), "aac"
    ),
}
#: Media types that say nothing about the bytes: not a lie, just no help.
_UNSPECIFIED: Final = frozenset({"", "application/octet-stream"})
#: How far into a data URI its comma may be: a media type and a few parameters.
_HEADER_MAX: Final = 1024


def sniff_content_type(head: bytes) -> str | None:
    """The audio format the first bytes announce (at least 12 are needed for WAV),
    or None when they announce none of the known ones."""
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if len(head) >= 2 and head[0] == 0xFF:
        second = head[1]
        if second & 0xF6 == 0xF0:  # 12 sync bits and layer 00: ADTS
            return "audio/aac"
        # 11 sync bits, a version other than "reserved" (01), a layer other than 00.
        if second & 0xE0 == 0xE0 and second & 0x18 != 0x08 and second & 0x06:
            return "audio/mpeg"
    return None


def _media_type(declared: str) -> str:
    return declared.split(";", 1)[0].strip().lower()


@attrs.frozen(kw_only=True, slots=False)
class _DataURI:
    """A ``data:`` URI's header, parsed without touching its (large) payload."""

    media_type: str | None  # None: the header is malformed (no comma near the start)
    base64: bool
    start: int  # where the payload begins

    @classmethod
    def parse(cls, uri: str) -> _DataURI:
        comma = uri.find(",", 5, _HEADER_MAX)
        if uri[:5].lower() != "data:" or comma < 0:
            return cls(media_type=None, base64=False, start=len(uri))
        params = uri[5:comma].split(";")
        is_b64 = len(params) > 1 and params[-1].strip().lower() == "base64"
        return cls(media_type=params[0].strip().lower(), base64=is_b64, start=comma + 1)


@attrs.frozen(kw_only=True, slots=False)
class MusicAudio:
    """One audio of a job: where its bytes are, and what is known about them.

    Exactly one of ``url`` (an audio URL, fetched by ``client.download``),
    ``audio_base64`` (inline audio as sent) and ``data_uri`` (a ``data:`` URI
    as sent) is set. ``index`` is the position in ``job.audio``; ``clip`` the
    clip it came from (None for top-level audio); ``field`` where in the answer
    it came from (``"output[0].audio_base64"``, ``"audio_url"``...), which
    errors name. ``requested_format`` is the ``format`` the job was created
    with, when the client knows it (``JobContext.requested_format``).

    :attr:`data` decodes inline audio on first use and keeps the bytes;
    ``client.download`` decodes it without keeping them.
    """

    index: int = 0
    url: str | None = None
    audio_base64: str | None = attrs.field(default=None, repr=False)
    data_uri: str | None = attrs.field(default=None, repr=False)
    title: str | None = None
    duration: float | None = None
    clip: MusicClip | None = attrs.field(default=None, repr=False)
    field: str = "audio"
    job_id: str | None = None
    requested_format: str | None = None

    def __attrs_post_init__(self) -> None:
        given = [v for v in (self.url, self.audio_base64, self.data_uri) if v is not None]
        if len(given) != 1:
            raise ValueError("a MusicAudio needs exactly one of url, audio_base64 and data_uri")
        if self.url is not None and self.url[:5].lower() == "data:":
            raise ValueError("a data: URI goes in data_uri, not url")

    @property
    def is_inline(self) -> bool:
        """True when the bytes are in the answer (no request needed to save them)."""
        return self.url is None

    @functools.cached_property
    def _header(self) -> _DataURI | None:
        return None if self.data_uri is None else _DataURI.parse(self.data_uri)

    @functools.cached_property
    def content_type(self) -> str | None:
        """The audio's media type, where known, without decoding the whole audio.

        In order: a ``data:`` URI's audio media type; else what the first bytes
        of inline audio announce (``ID3`` or an MPEG frame sync: audio/mpeg;
        ``RIFF....WAVE``: audio/wav; ``OggS``: audio/ogg; ``fLaC``: audio/flac;
        also ADTS audio/aac and MP4 ``ftyp``); else the requested format; else
        None (for a URL, the answer's ``Content-Type`` then decides when it is
        downloaded). Whether a data URI's media type is true is checked by
        :attr:`data`, not here.
        """
        header = self._header
        if header is not None and header.media_type and header.media_type.startswith("audio/"):
            return header.media_type
        if self.url is None:
            sniffed = sniff_content_type(self._head())
            if sniffed is not None:
                return sniffed
        if self.requested_format:
            return _FORMAT_TYPES.get(self.requested_format.lower())
        return None

    @functools.cached_property
    def data(self) -> bytes | None:
        """The decoded bytes of inline audio (None for a URL), decoded once.

        Raises :class:`~ai_stats_music.MalformedResponseError` (``field`` says
        where the audio came from, ``job_id`` which job) when the base64 is
        invalid (strict RFC 4648: no stray characters, correct padding) or
        decodes to nothing, or when a ``data:`` URI lies: no comma after its
        header, marked ``;base64`` but not base64, a media type that is not
        audio (none, or ``application/octet-stream``, is accepted as "not
        said"), or an audio media type that contradicts the bytes' magic
        numbers (``audio/wav`` on MP3 bytes).
        """
        return self.decode()

    def decode(self) -> bytes | None:
        """What :attr:`data` holds, decoded afresh and not kept (for saving large audio)."""
        cached = self.__dict__.get("data")
        if cached is not None or self.url is not None:
            return cached
        header = self._header
        if header is None:
            assert self.audio_base64 is not None
            data = self._b64decode(self.audio_base64)
        else:
            data = self._decode_data_uri(header)
        if not data:
            raise self._error("decodes to no bytes at all")
        return data

    # -- internals ----------------------------------------------------------------------

    def _decode_data_uri(self, header: _DataURI) -> bytes:
        uri = self.data_uri
        assert uri is not None
        declared = header.media_type
        if declared is None:
            raise self._error("is not a valid data: URI (no comma after its media type)")
        if declared not in _UNSPECIFIED and not declared.startswith("audio/"):
            raise self._error(f"is a data: URI of {declared!r:.60}, not audio")
        payload = uri[header.start :]
        if header.base64:
            if "%" in payload:  # base64 has no '%': the URI was percent-encoded on top
                payload = unquote_to_bytes(payload).decode("ascii", "replace")
            data = self._b64decode(payload)
        else:
            data = unquote_to_bytes(payload)
        sniffed = sniff_content_type(data[:12])
        family = _FAMILIES.get(declared)
        if sniffed is not None and family is not None and _FAMILIES[sniffed] != family:
            raise self._error(
                f"says {declared} but its bytes are {sniffed} (a data: URI whose "
                "media type contradicts its content)"
            )
        return data

    def _b64decode(self, text: str) -> bytes:
        try:
            # Not strict_mode=True, which decodes at half the speed (bench,
            # inline): the length check below refuses what strict mode would.
            data = binascii.a2b_base64(text)
        except ValueError as exc:  # binascii.Error, or a non-ASCII character
            raise self._error(f"is not valid base64 ({str(exc)[:80]})") from None
        # The lenient decoder skips characters outside the alphabet (and stops
        # at padding): then fewer bytes come out than the text's length says.
        size = len(text)
        padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
        if size % 4 or len(data) != size // 4 * 3 - padding:
            raise self._error(
                "is not valid base64 (characters outside its alphabet, padding inside "
                "it, or a length that is not a multiple of 4)"
            )
        return data

    def _head(self) -> bytes:
        """The first bytes of inline audio, from a prefix of its text only; b'' if unreadable."""
        header = self._header
        if header is None:
            text = self.audio_base64 or ""
        elif header.media_type is None:
            return b""
        else:
            assert self.data_uri is not None
            text = self.data_uri[header.start : header.start + 48]
            if not header.base64:
                return unquote_to_bytes(text)[:12]
            if "%" in text:
                text = unquote_to_bytes(text).decode("ascii", "replace")
        try:
            return binascii.a2b_base64(text[:16])
        except ValueError:
            return b""

    def _error(self, what: str) -> MalformedResponseError:
        job = f"job {self.job_id!r:.200}: " if self.job_id else ""
        return MalformedResponseError(
            f"{job}the audio in {self.field!r} {what}", field=self.field, job_id=self.job_id
        )


# -- building the view ---------------------------------------------------------------------


def _key(value: str, *, inline: bool) -> tuple[str, str]:
    """What makes two sources the same audio: the base64 text (however it is
    wrapped), else the URL."""
    if inline:
        return ("b64", value)
    if value[:5].lower() == "data:":
        header = _DataURI.parse(value)
        if header.base64:
            return ("b64", value[header.start :])
    return ("url", value)


def _make(
    field: str,
    value: str,
    *,
    inline: bool,
    index: int,
    clip: MusicClip | None,
    job_id: str | None,
    requested_format: str | None,
) -> MusicAudio:
    if inline:
        where = {"audio_base64": value}
    elif value[:5].lower() == "data:":
        where = {"data_uri": value}
    else:
        where = {"url": value}
    return MusicAudio(
        index=index,
        **where,
        title=None if clip is None else clip.title,
        duration=None if clip is None else clip.duration,
        clip=clip,
        field=field,
        job_id=job_id,
        requested_format=requested_format,
    )


def _sources(base: str, obj: MusicClip | MusicJob) -> list[tuple[str, str, bool]]:
    """The non-empty audio sources of a clip or of the top level, best first:
    inline audio (no request needed), then the URL, then a clip's stream URL."""
    found = []
    if obj.audio_base64:
        found.append((base + "audio_base64", obj.audio_base64, True))
    if obj.audio_url:
        found.append((base + "audio_url", obj.audio_url, False))
    if isinstance(obj, MusicClip) and obj.stream_audio_url:
        found.append((base + "stream_audio_url", obj.stream_audio_url, False))
    return found


def audio_of(job: MusicJob) -> Sequence[MusicAudio]:
    """``job.audio``: see :attr:`MusicJob.audio`.

    A clip (or the top level) with several sources is one audio; a source
    already given by an earlier clip (the same URL, or the same base64 text,
    bare or in a ``data:`` URI) makes it a repeat, left out. When the job has
    exactly one audio and it has no duration of its own, the usage's
    ``output_audio_seconds`` is its duration.
    """
    fmt = job.context.requested_format
    seen: set[tuple[str, str]] = set()
    found: list[MusicAudio] = []
    groups: list[tuple[list[tuple[str, str, bool]], MusicClip | None]] = [
        (_sources(f"output[{i}].", clip), clip) for i, clip in enumerate(job.output)
    ]
    groups.append((_sources("", job), None))
    for sources, clip in groups:
        if not sources:
            continue
        keys = {_key(value, inline=inline) for _, value, inline in sources}
        if not keys.isdisjoint(seen):
            continue
        seen |= keys
        field, value, inline = sources[0]
        found.append(
            _make(
                field,
                value,
                inline=inline,
                index=len(found),
                clip=clip,
                job_id=job.id,
                requested_format=fmt,
            )
        )
    seconds = None if job.usage is None else job.usage.output_audio_seconds
    if len(found) == 1 and found[0].duration is None and seconds is not None:
        found[0] = attrs.evolve(found[0], duration=seconds)
    return tuple(found)


def audio_from_clip(clip: MusicClip) -> MusicAudio | None:
    """The audio of a clip on its own (``client.download(clip)``), or None if it has none."""
    sources = _sources("", clip)
    if not sources:
        return None
    field, value, inline = sources[0]
    return _make(
        field, value, inline=inline, index=0, clip=clip, job_id=None, requested_format=None
    )
