"""Is the version in ``_version.py`` raised enough for what changed since the last release?

``nox -s release_check`` runs ``python -m tools.release check [REF]`` after
building and checking the distributions. The rule is the guide's
(docs/guide/versioning.md): semantic versioning, where a breaking change is one that
``nox -s breaking`` reports (a ``-`` line of the surface diff, read by
``tools/surface.py``). Before 1.0 a minor release may break and a patch may
not; from 1.0 on only a major release may break. REF defaults to the last tag;
with no tag at all there is no release to compare with, which is said, not
failed.

The decision (:func:`required_bump`, :func:`bump_of`, :func:`verdict`) is pure,
so tests/test_release.py checks it without git; :func:`main` gathers its
inputs from git and the source tree.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = "overlays/ai_stats_music/_version.py"

Bump = Literal["patch", "minor", "major"]
_RANK: dict[Bump, int] = {"patch": 0, "minor": 1, "major": 2}


class ReleaseError(ValueError):
    """What makes the check impossible to run: an unreadable version, a bad ref."""


def version_in(source: str, *, where: str = VERSION_FILE) -> Version:
    """The ``__version__ = "..."`` that ``source`` (a Python file's text) assigns."""
    try:
        tree = ast.parse(source, where)
    except SyntaxError as exc:
        raise ReleaseError(f"{where}: not Python ({exc.msg})") from None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            try:
                return Version(node.value.value)
            except InvalidVersion:
                raise ReleaseError(
                    f"{where}: __version__ {node.value.value!r} is not a version"
                ) from None
    raise ReleaseError(f'{where}: no `__version__ = "X.Y.Z"` line')


def required_bump(last: Version, *, breaking: bool) -> Bump:
    """The least a release after ``last`` must raise, given whether it breaks."""
    if not breaking:
        return "patch"
    return "minor" if last.major == 0 else "major"


def _triple(version: Version) -> tuple[int, int, int]:
    major, minor, micro = (*version.release, 0, 0)[:3]
    return major, minor, micro


def bump_of(last: Version, new: Version) -> Bump | None:
    """Which part ``new`` raises over ``last``; None when it does not come after it.

    A pre-release counts as the release it leads to (``2.0.0rc1`` after
    ``1.4.0`` is a major), and a post-release or a higher pre-release of the
    same numbers as a patch.
    """
    if new <= last:
        return None
    (old_major, old_minor, _), (major, minor, _) = _triple(last), _triple(new)
    if major != old_major:
        return "major"
    if minor != old_minor:
        return "minor"
    return "patch"


def verdict(last: Version, new: Version, breaking: Sequence[str]) -> str | None:
    """Why ``new`` may not be released after ``last``; None when it may."""
    got = bump_of(last, new)
    if got is None:
        return f"version {new} does not come after {last}, the last release: raise {VERSION_FILE}"
    need = required_bump(last, breaking=bool(breaking))
    if _RANK[got] < _RANK[need]:
        when = "before 1.0" if last.major == 0 else "from 1.0 on"
        return (
            f"{len(breaking)} breaking change(s) since {last} need a {need} release ({when}), "
            f"and {last} -> {new} is a {got} one; raise {VERSION_FILE} "
            "(or make the changes compatible)"
        )
    return None


# -- gathering the inputs ------------------------------------------------------------------


def _git(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def last_tag(root: Path = ROOT) -> str | None:
    """The nearest tag HEAD descends from, or None when there is none."""
    found = _git("describe", "--tags", "--abbrev=0", root=root)
    tag = found.stdout.strip() if found.returncode == 0 else ""
    return tag or None


def version_at(ref: str, root: Path = ROOT) -> Version:
    """The version ``_version.py`` said at ``ref``."""
    shown = _git("show", f"{ref}:{VERSION_FILE}", root=root)
    if shown.returncode != 0:
        raise ReleaseError(f"cannot read {VERSION_FILE} at {ref}: {shown.stderr.strip()}")
    return version_in(shown.stdout, where=f"{ref}:{VERSION_FILE}")


def _same_commit(ref: str, root: Path) -> bool:
    heads = [_git("rev-parse", f"{r}^{{commit}}", root=root).stdout.strip() for r in (ref, "HEAD")]
    return heads[0] != "" and heads[0] == heads[1]


def check(ref: str | None, root: Path = ROOT) -> tuple[bool, list[str]]:
    """``(ok, lines to print)`` for the source tree at ``root`` against ``ref``."""
    new = version_in((root / VERSION_FILE).read_text(encoding="utf-8"))
    ref = ref or last_tag(root)
    if ref is None:
        return True, [
            f"no release tag yet: nothing to compare with, so {new} may be the first release",
            "(from the first tag on, breaking changes since it need a version raised accordingly)",
        ]
    last = version_at(ref, root)
    if last == new and _same_commit(ref, root):
        return True, [f"HEAD is {ref} itself: {new} is already released"]
    if bump_of(last, new) is None:  # whatever the surface says: no need to read it
        problem = verdict(last, new, [])
        assert problem is not None
        return False, [problem]
    # tools/surface.py is the one reader of the public surface (nox -s breaking);
    # imported here, since the cheaper verdicts above need no griffe.
    from tools import surface

    breaking = list(surface.breaking_changes(ref, root))
    lines = [*breaking, f"{len(breaking)} breaking change(s) since {ref} ({last}); now {new}"]
    problem = verdict(last, new, breaking)
    if problem is not None:
        return False, [*lines, problem]
    return True, [*lines, f"{new} may follow {last}"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("check", help="fail when the version is not raised enough")
    run.add_argument("ref", nargs="?", help="the last release (default: the last tag)")
    args = parser.parse_args(argv)
    try:
        ok, lines = check(args.ref)
    except ReleaseError as exc:
        print(f"release check: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
