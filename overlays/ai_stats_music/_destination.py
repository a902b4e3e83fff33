"""Where a download's file goes, and what may be replaced there.

A destination is a directory (the file is named inside it) or a file path
(written exactly there, through a symlink to its target). Only a regular file
is ever replaced: a directory, a FIFO, a socket or a device at the
destination is refused before anything is written (:func:`resolve_destination`),
and checked once more just before the file is created and renamed into place
(:func:`check_replaceable`). Each refusal is an ``OSError`` that names what is
there and why it was left alone.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Final

__all__ = ["check_replaceable", "existing_directory", "resolve_destination"]


#: What a file's mode says it is, the first test that holds (a symlink is seen
#: only when not followed).
_KINDS: Final = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _kind(mode: int) -> str:
    """What is there, in words, for a message."""
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


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


def _require_directory(raw: str, *, missing: str, wanted: str) -> None:
    """``raw`` must be an existing directory (or a symlink to one): else the error
    says it is ``missing``, or what is there instead of what was ``wanted``."""
    found = _stat(Path(raw), follow=True, shown=raw)
    if found is None:
        raise FileNotFoundError(errno.ENOENT, f"no such directory ({missing})", raw)
    if not stat.S_ISDIR(found.st_mode):
        raise NotADirectoryError(
            errno.ENOTDIR, f"{wanted}, but this is {_kind(found.st_mode)}", raw
        )


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
        _require_directory(
            raw,
            missing="a destination ending in a separator is one",
            wanted="a destination ending in a separator is a directory",
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


def check_replaceable(target: Path, *, named: bool) -> None:
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


def existing_directory(dest_dir: str | os.PathLike[str]) -> str:
    """``dest_dir`` as a path that can only mean a directory (an existing one)."""
    raw = os.fspath(dest_dir)
    if not isinstance(raw, str) or not raw:
        raise ValueError("dest_dir must be a non-empty str or path")
    _require_directory(
        raw,
        missing="download_all saves into an existing one",
        wanted="download_all saves into a directory",
    )
    # A trailing separator: should the directory vanish midway, the next file
    # fails rather than being written under the directory's name.
    return raw if raw.endswith(os.sep) else raw + os.sep
