"""The media the audio origin serves: WAV tones streamed on the fly, a tiny PNG."""

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

__all__ = ["PNG", "SAMPLE_RATE", "WAV_HEADER_SIZE", "frames_for", "wav_chunks", "wav_size"]

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
