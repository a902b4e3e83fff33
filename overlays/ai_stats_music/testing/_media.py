"""The media the fake serves: WAV tones streamed on the fly, small MP3/OGG/WAV files, a tiny PNG."""

from __future__ import annotations

import functools
import io
import math
import struct
import sys
import wave
import zlib
from array import array
from collections.abc import Generator
from typing import Final

__all__ = [
    "AUDIO_TYPES",
    "PNG",
    "SAMPLE_RATE",
    "WAV_HEADER_SIZE",
    "audio_bytes",
    "frames_for",
    "wav_chunks",
    "wav_size",
]

SAMPLE_RATE: Final = 8000
SAMPLE_WIDTH: Final = 2  # bytes: 16-bit PCM
CHANNELS: Final = 1
WAV_HEADER_SIZE: Final = 44
# Tones whose period is a whole number of samples at 8 kHz, so that a chunk of
# whole periods repeats seamlessly: the stream is the same bytes object again
# and again, whatever the clip's size.
_TONES: Final = (400, 500, 800, 1000)
_CHUNK_TARGET: Final = 64 * 1024


def frames_for(duration: float, audio_size: int | None) -> int:
    """How many frames a clip's WAV holds: ``audio_size`` bytes, else ``duration`` s."""
    if audio_size is not None:
        return max(0, (audio_size - WAV_HEADER_SIZE) // (SAMPLE_WIDTH * CHANNELS))
    return max(0, round(duration * SAMPLE_RATE))


def wav_size(frames: int) -> int:
    """The size in bytes of the WAV file of ``frames`` frames."""
    return WAV_HEADER_SIZE + frames * SAMPLE_WIDTH * CHANNELS


@functools.cache
def _tone_chunk(tone: int) -> bytes:
    freq = _TONES[tone % len(_TONES)]
    period = SAMPLE_RATE // freq
    amplitude = 0.3 * 32767
    samples = array(
        "h", (round(amplitude * math.sin(2 * math.pi * i / period)) for i in range(period))
    )
    if sys.byteorder == "big":  # WAV is little-endian
        samples.byteswap()
    one = samples.tobytes()
    return one * max(1, _CHUNK_TARGET // len(one))


def wav_chunks(frames: int, tone: int = 0) -> Generator[bytes, None, None]:
    """The WAV file of a ``frames``-frame sine tone, in chunks of about 64 KiB.

    Written by :mod:`wave` into a small buffer that is emptied after each chunk,
    so that a clip of any size streams in constant memory. Deterministic: the
    same arguments give the same bytes.
    """
    buf = io.BytesIO()
    chunk = _tone_chunk(tone)
    remaining = frames * SAMPLE_WIDTH * CHANNELS
    # Every frame announced is written before the writer closes, so closing does
    # not rewrite the header; if the download is abandoned, it patches the
    # scratch buffer only.
    with wave.open(buf, "wb") as writer:
        writer.setnchannels(CHANNELS)
        writer.setsampwidth(SAMPLE_WIDTH)
        writer.setframerate(SAMPLE_RATE)
        writer.setnframes(frames)
        if remaining == 0:
            writer.writeframesraw(b"")  # the header alone
            yield _drain(buf)
        while remaining > 0:
            piece = chunk if remaining >= len(chunk) else chunk[:remaining]
            writer.writeframesraw(piece)
            remaining -= len(piece)
            yield _drain(buf)


def _drain(buf: io.BytesIO) -> bytes:
    data = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return data


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x1f\x6f\xb4")  # filter 0, one blue-ish pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG: Final = _png_1x1()
"""A valid 1x1 PNG: every clip's ``image_url``."""


AUDIO_TYPES: Final = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}
"""The content type of each format the fake can produce."""

# An ID3v2.4 tag (10-byte header, empty body), then MPEG-1 Layer III frames:
# 128 kbit/s, 44.1 kHz, no padding, 417 bytes each (sync 0xFFF, then 0xFB 0x90).
_ID3: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00"
_MP3_FRAME: Final = b"\xff\xfb\x90\x64" + bytes(417 - 4)


def _ogg_page(payload: bytes, sequence: int, *, first: bool, last: bool) -> bytes:
    """One Ogg page (RFC 3533) around ``payload``, with a real CRC."""
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    flags = (0x02 if first else 0) | (0x04 if last else 0)
    header = (
        b"OggS\x00"
        + bytes([flags])
        + struct.pack("<qII", 0, 0x46414B45, sequence)  # granule, serial "FAKE", page no.
        + b"\x00\x00\x00\x00"  # CRC, filled in below
        + bytes([len(segments)])
        + bytes(segments)
    )
    page = header + payload
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


@functools.cache
def _ogg_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return tuple(table)


def _ogg_crc(data: bytes) -> int:
    table, crc = _ogg_table(), 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _fit(data: bytes, size: int, filler: bytes) -> bytes:
    missing = max(0, size - len(data))
    return (data + filler * (missing // len(filler) + 1))[:size]


@functools.lru_cache(maxsize=16)
def audio_bytes(fmt: str, size: int, tone: int = 0) -> bytes:
    """A whole audio file of about ``size`` bytes in ``fmt`` (``wav``, ``mp3``, ``ogg``).

    Real enough for what a client looks at: the magic numbers (``RIFF....WAVE``
    with a consistent header, ``ID3`` then MPEG frame syncs, ``OggS`` pages)
    and the size. Deterministic, and cached (the same job's audio is asked for
    at create and at every status read).
    """
    if fmt == "wav":
        return b"".join(wav_chunks(frames_for(0, max(size, WAV_HEADER_SIZE)), tone))
    if fmt == "mp3":
        return _fit(_ID3, max(size, len(_ID3) + 4), _MP3_FRAME)
    if fmt == "ogg":
        head = _ogg_page(b"\x01vorbis-fake", 0, first=True, last=False)
        body_size = max(0, size - len(head) - 28 - (size // 255 + 1))
        return head + _ogg_page(bytes(body_size), 1, first=False, last=True)
    raise ValueError(f"the fake cannot make {fmt!r} audio (wav, mp3, ogg)")
