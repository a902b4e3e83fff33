"""What the command line shows: results on stdout; progress and errors on stderr.

On a terminal, progress is one line redrawn in place (``\\r`` and the ANSI
"erase line" sequence, nothing else); anywhere else it is plain lines, one per
change of status and one per file, so that logs stay readable. ``--quiet``
drops progress, ``--json`` too unless stderr is a terminal (a script reading
stderr then sees only the JSON error). Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, TextIO

from ._audio import MusicAudio
from ._models import MusicJob
from ._redact import redact

__all__ = ["Console", "clean", "describe_job", "human_size"]

_ERASE: Final = "\r\x1b[K"
_SPINNER: Final = "-\\|/"
_TICK: Final = 0.1  # seconds between redraws of a live line
_BAR: Final = 24


def clean(text: object) -> str:
    """``text`` safe to print on a terminal: control characters (an escape sequence
    in a clip title could rewrite the screen) and lone surrogates (argv or file
    names that were not valid text) are shown escaped, not sent."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch != " ":
            out.append(ascii(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


def _inline_size(audio: MusicAudio) -> int:
    """The decoded size of inline audio, from its text's length (decoding
    megabytes just to print a size would be waste)."""
    text = audio.audio_base64 or audio.data_uri or ""
    return len(text) * 3 // 4


def describe_job(job: MusicJob) -> list[str]:
    """A job as aligned lines for people (``--json`` prints ``job.to_dict()``)."""
    lines = [f"job       {clean(job.id)}", f"status    {clean(job.status)}"]
    if job.model or job.provider:
        lines.append(f"model     {clean(job.provider or '?')} / {clean(job.model or '?')}")
    for audio in job.audio:
        title = clean(audio.title) if audio.title else "(untitled)"
        duration = f"{_seconds(audio.duration)} s"
        lines.append(f"audio {audio.index:<3} {title}  {duration}")
        if audio.url is not None:
            lines.append(f"          {clean(audio.url)}")
        else:
            kind = audio.content_type or "format unknown"
            lines.append(f"          inline, {clean(kind)}, {human_size(_inline_size(audio))}")
    usage = job.usage
    if usage is not None and (usage.output_audio_count or usage.output_audio_seconds):
        lines.append(
            f"usage     {usage.output_audio_count or 0} clip(s), "
            f"{_seconds(usage.output_audio_seconds)} s of audio"
        )
    if job.error is not None:
        lines.append(f"error     {clean(job.error)}")
    return lines


class Console:
    """Everything the command line prints goes through here."""

    def __init__(
        self,
        *,
        json_mode: bool,
        quiet: bool,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        secret: str | None = None,
    ) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.json = json_mode
        self.quiet = quiet
        self.secret = secret
        self.live = (
            not quiet and _isatty(self.stderr) and os.environ.get("TERM", "") not in ("", "dumb")
        )
        self.progress = not quiet and (self.live or not json_mode)
        self._line_open = False
        self._started = time.monotonic()
        self._job: MusicJob | None = None
        self._frame = 0
        self._last_draw = 0.0

    # -- results and errors ---------------------------------------------------------------

    def result(
        self, payload: Mapping[str, Any], human: Iterable[str], brief: Iterable[str]
    ) -> None:
        """The command's outcome on stdout: JSON, the ``brief`` lines with
        ``--quiet``, else the ``human`` ones."""
        self.end_line()
        if self.json:
            self._out(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for line in brief if self.quiet else human:
                self._out(line)

    def error(self, message: str, *, code: int, details: Mapping[str, Any]) -> None:
        """One line ``error: ...`` on stderr, or with ``--json`` one JSON object there."""
        self.end_line()
        message = self._redact(message)
        if self.json:
            body = {"error": {"message": message, "exit_code": code, **details}}
            self._err(self._redact(json.dumps(body, ensure_ascii=False)))
        else:
            self._err(f"error: {clean(message)}")

    def warn(self, line: str) -> None:
        """``warning: ...`` on stderr, even with ``--quiet``: something the user
        must know although the command goes on. Under ``--json`` (stderr then
        holds JSON only) it is shown only on a terminal."""
        if not self.json or self.live:
            self.end_line()
            self._err(f"warning: {clean(line)}")

    def note(self, line: str) -> None:
        """A line of progress (stderr), when progress is shown."""
        if self.progress:
            self.end_line()
            self._err(line)

    def _redact(self, text: str) -> str:
        return redact(text, self.secret) if self.secret else text

    def _out(self, line: str) -> None:
        print(_printable(self._redact(line), self.stdout), file=self.stdout, flush=True)

    def _err(self, line: str) -> None:
        print(_printable(self._redact(line), self.stderr), file=self.stderr, flush=True)

    # -- the live line --------------------------------------------------------------------

    def _draw(self, text: str) -> None:
        self.stderr.write(_ERASE + self._redact(text))
        self.stderr.flush()
        self._line_open = True

    def end_line(self) -> None:
        """Finish the live line, if one is showing, so that the next output starts clean."""
        if self._line_open:
            self.stderr.write(_ERASE)
            self.stderr.flush()
            self._line_open = False

    # -- waiting --------------------------------------------------------------------------

    def start_clock(self) -> None:
        self._started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def job_update(self, job: MusicJob) -> None:
        """``on_update`` of a wait: one line per status, or the live line's new status."""
        self._job = job
        if not self.progress:
            return
        if self.live:
            self._draw_job()
        else:
            self._err(f"{clean(job.id)}: {clean(job.status)} ({self.elapsed():.1f} s)")

    def _draw_job(self) -> None:
        job = self._job
        if job is None:
            return
        self._frame = (self._frame + 1) % len(_SPINNER)
        status = clean(job.status).replace("_", " ")
        self._draw(f"[{_SPINNER[self._frame]}] {clean(job.id)}  {status}  {self.elapsed():.1f} s")

    def sleep(self, seconds: float) -> None:
        """The client's sleep: the live line's clock keeps ticking while it waits."""
        if not (self.live and self._job is not None):
            time.sleep(max(0.0, seconds))
            return
        end = time.monotonic() + seconds
        while True:
            self._draw_job()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(_TICK, left))

    def job_finished(self, job: MusicJob) -> None:
        self._job = None
        if self.live:
            self.end_line()
            self._err(f"{clean(job.id)} {clean(job.status)} in {self.elapsed():.1f} s")

    # -- downloads ------------------------------------------------------------------------

    def download_progress(self, audio: MusicAudio, count: int) -> Callable[[int, int | None], None]:
        """The ``progress`` callback for one audio of ``count``: a bar on a terminal."""
        n = audio.index + 1
        clip_id = None if audio.clip is None else audio.clip.id
        label = clean(audio.title or clip_id or f"audio {n}")
        if len(label) > 30:
            label = label[:29] + "~"

        def progress(done: int, total: int | None) -> None:
            if not self.live:
                return
            now = time.monotonic()
            if done and done != total and now - self._last_draw < _TICK:
                return
            self._last_draw = now
            if total:
                filled = _BAR * done // total
                bar = "#" * filled + "-" * (_BAR - filled)
                pct = 100 * done // total
                amount = f"{human_size(done)} / {human_size(total)}"
                self._draw(f"  {n}/{count} {label}  [{bar}] {pct:3d}%  {amount}")
            else:
                self._draw(f"  {n}/{count} {label}  {human_size(done)}")

        return progress

    def saved(self, path: Path, size: int) -> None:
        self.note(f"saved {clean(path)} ({human_size(size)})")


def _printable(text: str, stream: TextIO) -> str:
    """``text`` as ``stream`` can encode it: what it cannot (a lone surrogate
    from undecodable argv bytes, or any character on an ASCII terminal) is
    written as a backslash escape rather than failing the command -- inside a
    JSON string that escape is valid JSON for the same character."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: leave it to the stream
        pass
    return text


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
