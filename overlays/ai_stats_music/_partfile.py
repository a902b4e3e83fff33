"""The temporary file a download writes: renamed into place whole, or removed.

A failed save never leaves a partial file under the destination's name: the
bytes go to a hidden file beside it, flushed to the disk, then renamed over
the destination in one step (``os.replace``, atomic on one file system).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Final

__all__ = ["PartFile"]


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
