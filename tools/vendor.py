"""Vendoring: both packages copied under a user's package, importing each other relatively.

``nox -s vendor -- DEST`` runs ``python -m tools.vendor DEST`` (DEST made
absolute from where nox was invoked). DEST/ai_stats_music and
DEST/ai_stats_gateway become sibling subpackages of the package DEST; the
one overlay module that names the generated package (the door, ``_gen.py``)
has those imports made relative, so the copy never imports the top-level
names and runs with only httpx and attrs installed. See docs/guide/installing.md, "Vendoring".

The rewriter works on the text, guided by :mod:`ast`: only the module part of
an import changes, so the names, their layout and the comments stay as written.
What it cannot rewrite safely (an ``importlib.import_module("ai_stats_music")``,
``import ai_stats_gateway.models`` without ``as``) is refused, not guessed.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each vendored package, by the name it is imported as, and where it lives in the repository.
VENDORED = {
    "ai_stats_music": Path("overlays") / "ai_stats_music",
    "ai_stats_gateway": Path("generated") / "ai_stats_gateway",
}
# The one overlay module allowed to import the generated package by name (see it).
DOOR = Path("ai_stats_music") / "_gen.py"
OURS = {*VENDORED, "ai-stats-music"}
# Calls that import or locate a package from a string: a vendored copy has no
# top-level `ai_stats_music`, and no installed distribution either.
BY_NAME_CALLS = {"import_module", "__import__", "find_spec", "files", "version", "distribution"}
IGNORED = ("__pycache__", "*.pyc", ".ruff_cache", ".mypy_cache")

ImportNode = ast.Import | ast.ImportFrom | ast.Call
# The line breaks ast counts lines by (str.splitlines also splits on \f, \x1c, \u2028 ...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class VendorError(Exception):
    """Why the copy cannot be made: a bad DEST, an import that would break in the copy."""


def names_ours(name: str) -> bool:
    """Whether a dotted module (or distribution) name is one of the vendored packages."""
    return name.split(".")[0] in OURS


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _imports_ours_by_string(call: ast.Call) -> bool:
    """``importlib.import_module("ai_stats_music")``, ``version("ai-stats-music")`` and the like."""
    return _call_name(call.func) in BY_NAME_CALLS and any(
        isinstance(a, ast.Constant) and isinstance(a.value, str) and names_ours(a.value)
        for a in call.args
    )


def imports_by_name(tree: ast.Module) -> list[ImportNode]:
    """The nodes that import (or locate) ``ai_stats_music`` / ``ai_stats_gateway`` by absolute name.

    In source order; relative imports are not among them.
    """
    found: list[ImportNode] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(names_ours(a.name) for a in node.names):
                found.append(node)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and names_ours(node.module):
                found.append(node)
        elif isinstance(node, ast.Call) and _imports_ours_by_string(node):
            found.append(node)
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def relative(node: ImportNode, source: str, dots: str) -> str:
    """The relative form of the absolute import ``node`` (``source`` is its text).

    ``from a.b import (x,\\n y)`` keeps everything after the module as written;
    ``import a.b as m`` becomes ``from <dots>a import b as m``. Anything else
    (several names in one ``import``, ``import a.b`` that binds ``a``, a call
    that imports by a string) raises :class:`VendorError`.
    """
    if isinstance(node, ast.ImportFrom):
        head = re.match(rf"from\s+{re.escape(node.module or '')}(?![\w.])", source)
        if head:
            return f"from {dots}{node.module}" + source[head.end() :]
    if isinstance(node, ast.Import) and len(node.names) == 1:
        alias = node.names[0]
        parent, _, leaf = alias.name.rpartition(".")
        if alias.asname or not parent:  # `import a.b` without `as` binds `a`: not rewritten
            asname = f" as {alias.asname}" if alias.asname else ""
            return f"from {dots}{parent} import {leaf}{asname}"
    raise VendorError(f"line {node.lineno}: cannot make {source!r} relative")


def _lines(text: str) -> list[str]:
    """``text`` split where ast counts a new line, each line keeping its break."""
    return _LINE.findall(text)


def _cut(line: str, byte_offset: int) -> tuple[str, str]:
    """``line`` split at a UTF-8 byte offset (what ast's column offsets count)."""
    raw = line.encode("utf-8")
    return raw[:byte_offset].decode("utf-8"), raw[byte_offset:].decode("utf-8")


def make_relative(text: str, dots: str) -> str:
    """``text`` with each import of our packages by absolute name made relative.

    Raises :class:`VendorError` for a file that is not Python or an import that
    cannot be rewritten; the result always compiles.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise VendorError(f"line {exc.lineno}: not Python ({exc.msg})") from None
    lines = _lines(text)
    for node in reversed(imports_by_name(tree)):
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        source = ast.get_source_segment(text, node) or ""
        before, _ = _cut(lines[node.lineno - 1], node.col_offset)
        _, after = _cut(lines[node.end_lineno - 1], node.end_col_offset)
        lines[node.lineno - 1 : node.end_lineno] = [before + relative(node, source, dots) + after]
    result = "".join(lines)
    compile(result, "<vendored>", "exec")  # fail here, not on the user's first import
    return result


def by_name_report(top: Path, *, allowed: Iterable[Path] = ()) -> list[str]:
    """``file:line: statement`` for each import by name under ``top``, outside ``allowed``.

    Paths are relative to ``top``'s parent (``ai_stats_music/testing/x.py``).
    """
    skip = set(allowed)
    report = []
    for path in sorted(top.rglob("*.py")):
        rel = path.relative_to(top.parent)
        if rel in skip:
            continue
        try:
            tree = ast.parse(path.read_bytes(), str(path))
        except SyntaxError as exc:
            raise VendorError(f"{rel}:{exc.lineno}: not Python ({exc.msg})") from None
        for node in imports_by_name(tree):
            report.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    return report


def vendor(dest: Path, *, root: Path = ROOT, log: Callable[[str], None] = print) -> None:
    """Copy both packages of ``root`` under ``dest`` (absolute), replacing an earlier copy.

    Everything is checked and rewritten in a staging directory inside ``dest``
    first, so a refusal or a failure leaves ``dest`` as it was.
    """
    sources = {name: root / rel for name, rel in VENDORED.items()}
    if not dest.is_absolute():
        raise VendorError(f"DEST must be an absolute path: {dest}")
    if any(dest == top or top in dest.parents for top in sources.values()):
        raise VendorError(f"DEST must not be inside the packages it copies: {dest}")
    if any(dest / name == top or dest / name in top.parents for name, top in sources.items()):
        raise VendorError(f"DEST would put the copy over the packages it copies: {dest}")
    # Only the door may import the generated package by name; anything else
    # would break in the copy, so it is refused here rather than shipped.
    stray = [line for top in sources.values() for line in by_name_report(top, allowed={DOOR})]
    if stray:
        raise VendorError(
            "imports of ai_stats_music / ai_stats_gateway by absolute name outside "
            f"{DOOR.as_posix()} (make them relative; only {DOOR.as_posix()} may name "
            "the generated package):\n  " + "\n  ".join(stray)
        )
    door = make_relative((root / "overlays" / DOOR).read_text(encoding="utf-8"), dots="..")

    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vendor-", dir=dest) as tmp:
        staged = Path(tmp)
        for name, source in sources.items():
            shutil.copytree(source, staged / name, ignore=shutil.ignore_patterns(*IGNORED))
        (staged / DOOR).write_text(door, encoding="utf-8")
        left = [line for name in sources for line in by_name_report(staged / name)]
        if left:
            raise VendorError("the vendored copy still imports by name:\n  " + "\n  ".join(left))
        init = dest / "__init__.py"
        if not init.exists():
            init.write_text("")
            log(f"created {init} (the copy must live inside a package)")
        for name in sources:
            target = dest / name
            if target.exists():
                shutil.rmtree(target)
                log(f"replaced {target}")
            (staged / name).rename(target)
    log(
        f"vendored ai_stats_music and ai_stats_gateway into {dest}; "
        f"import them as <your package>.{dest.name}.ai_stats_music"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.vendor", description=__doc__)
    parser.add_argument("dest", type=Path, help="the directory to copy into (a package)")
    args = parser.parse_args(argv)
    try:
        vendor(args.dest.resolve())
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
