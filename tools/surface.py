"""The public surface of both packages as text, and breaking changes since a git ref.

griffe reads the source without importing it, so this is fast, needs none of
the packages' dependencies, and gives the same text on every machine::

    python -m tools.surface write            rewrite tests/surface/*.txt (nox -s surface)
    python -m tools.surface check            exit 1, with a diff, when they differ
    python -m tools.surface breaking [REF]   list breaking changes since REF (nox -s breaking)

One line per public object, by its full public path, sorted, so that a diff
names what changed without context: ``module``, ``class`` (bases and
decorators), ``def`` / ``async def`` (full signature), ``property`` and
``attr`` (type and value; a model's fields are its attributes). Names
re-exported from private modules (``ai_stats_music._sync_client.MusicClient``) are
listed where users import them (``ai_stats_music.MusicClient``); a re-export of
another public name is an ``alias`` line. Docstrings are left out: a changed
description in the spec is not a change of surface.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import griffe

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "surface"
SEARCH_PATHS = ("overlays", "generated")
PACKAGES = ("ai_stats_music", "ai_stats_gateway")
# Whose value changes with every release rather than with the API.
VALUE_HIDDEN = {"__version__"}
# Special methods that are no promise to callers (debugging aids, attrs hooks).
HIDDEN_DUNDERS = {"__repr__", "__attrs_post_init__", "__attrs_pre_init__", "__attrs_init__"}

Obj = griffe.Object | griffe.Alias
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- rendering ------------------------------------------------------------------------


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _target(obj: Obj) -> griffe.Object | None:
    """What an alias finally points at, or None when it leaves our packages."""
    if not isinstance(obj, griffe.Alias):
        return obj
    try:
        return obj.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _has_private_part(path: str) -> bool:
    return any(part.startswith("_") and not _is_dunder(part) for part in path.split("."))


def _signature(func: griffe.Function) -> str:
    parts: list[str] = []
    kinds = griffe.ParameterKind
    slash_pending = False
    star_done = False
    for param in func.parameters:
        if param.kind is kinds.positional_only:
            slash_pending = True
        elif slash_pending:
            parts.append("/")
            slash_pending = False
        if param.kind is kinds.keyword_only and not star_done:
            parts.append("*")
            star_done = True
        prefix = {kinds.var_positional: "*", kinds.var_keyword: "**"}.get(param.kind, "")
        if param.kind is kinds.var_positional:
            star_done = True
        text = prefix + param.name
        if param.annotation is not None:
            text += f": {param.annotation}"
        if param.default is not None and not prefix:  # griffe gives *args a default of ()
            text += f" = {param.default}" if param.annotation is not None else f"={param.default}"
        parts.append(text)
    if slash_pending:
        parts.append("/")
    returns = f" -> {func.returns}" if func.returns is not None else ""
    return f"({', '.join(parts)}){returns}"


def _decorators(obj: griffe.Class | griffe.Function) -> str:
    return "".join(f"@{' '.join(str(d.value).split())} " for d in obj.decorators)


def _is_attrs(cls: griffe.Class) -> bool:
    return any(d.callable_path.split(".")[0] in {"attr", "attrs"} for d in cls.decorators)


def _init_fields(cls: griffe.Class) -> set[str]:
    """The attrs fields the constructor takes, the inherited ones included.

    A private field (``_base_url = field(alias="base_url")``) is still a
    constructor argument, so it is part of the surface; ``init=False`` ones
    are not.
    """
    fields: set[str] = set()
    for klass in [cls, *cls.mro()]:
        if _is_attrs(klass):
            fields |= _own_fields(klass)
    return fields


def _own_fields(cls: griffe.Class) -> set[str]:
    spans = [
        (m.lineno or 0, m.endlineno or m.lineno or 0)
        for m in cls.members.values()
        if isinstance(m, griffe.Function)
    ]
    fields = set()
    for name, member in cls.members.items():
        if not isinstance(member, griffe.Attribute) or _is_dunder(name):
            continue
        if "property" in member.labels:
            continue
        if member.annotation is None or "ClassVar" in str(member.annotation):
            continue
        line = member.lineno or 0
        in_method = any(start <= line <= end for start, end in spans)  # self.x: T = ...
        if not in_method and "init=False" not in str(member.value):
            fields.add(name)
    return fields


# What a field's default says to a caller; validators and converters are
# implementation, and the rest (repr, eq...) is not about constructing.
_FIELD_CALLS = {"attrs.field", "attr.ib", "attr.attrib", "attrs.attrib", "dataclasses.field"}
_FIELD_FLAGS = ("kw_only", "alias", "init")


def _field_default(value: str | griffe.Expr | None) -> str:
    """`` = default`` for a field, with ``attrs.field(...)`` reduced to what callers see."""
    if value is None:
        return ""
    if not (isinstance(value, griffe.ExprCall) and value.function.canonical_path in _FIELD_CALLS):
        return " = " + " ".join(str(value).split())
    keywords = {
        arg.name: " ".join(str(arg.value).split())
        for arg in value.arguments
        if isinstance(arg, griffe.ExprKeyword)
    }
    default = ""
    if "default" in keywords:
        default = f" = {keywords['default']}"
    elif "factory" in keywords:
        default = f" = {keywords['factory']}()"
    flags = [f"{name}={keywords[name]}" for name in _FIELD_FLAGS if name in keywords]
    return default + (f"  [{', '.join(flags)}]" if flags else "")


class _Renderer:
    def __init__(self, collection: griffe.ModulesCollection) -> None:
        self._collection = collection
        self.lines: list[tuple[str, str]] = []  # (path, line)

    def _add(self, path: str, line: str) -> None:
        self.lines.append((path, line))

    def _resolve_value(self, value: object) -> str | None:
        """The canonical path of a value that names one of our objects (``X = _gen.Y``)."""
        if not isinstance(value, griffe.ExprName | griffe.ExprAttribute):
            return None
        path = value.canonical_path
        if path.split(".")[0] not in PACKAGES:
            return None
        try:
            found = self._collection.get_member(path)
        except (KeyError, ValueError):
            return None
        target = _target(found)
        if target is None or target.kind not in (griffe.Kind.CLASS, griffe.Kind.FUNCTION):
            return None
        return target.path

    def module(self, module: griffe.Module, path: str) -> None:
        self._add(path, f"module {path}")
        for name in sorted(module.members):
            member = module.members[name]
            if name == "__all__" or not member.is_public:
                continue
            if _is_dunder(name) and name not in VALUE_HIDDEN:
                continue
            self.member(member, f"{path}.{name}")

    def member(self, obj: Obj, path: str) -> None:
        target = _target(obj)
        if target is None:
            self._add(path, f"alias {path} -> {obj.target_path}")  # type: ignore[union-attr]
            return
        if obj.is_alias and not _has_private_part(target.path) and target.path != path:
            # A re-export of a name that is public where it is defined.
            self._add(path, f"alias {path} -> {target.path}")
            return
        if isinstance(target, griffe.Module):
            self.module(target, path)
        elif isinstance(target, griffe.Class):
            self.klass(target, path)
        elif isinstance(target, griffe.Function):
            self.function(target, path)
        elif isinstance(target, griffe.Attribute):
            self.attribute(target, path)
        else:  # pragma: no cover - type aliases (PEP 695) are not used here
            self._add(path, f"{target.kind.value} {path}")

    def klass(self, cls: griffe.Class, path: str) -> None:
        bases = f"({', '.join(str(b) for b in cls.bases)})" if cls.bases else ""
        self._add(path, f"{_decorators(cls)}class {path}{bases}")
        fields = _init_fields(cls)
        members = cls.all_members  # inherited ones too: they are part of what users call
        for name in sorted(members):
            member = members[name]
            if name in fields:
                self.field(members[name], f"{path}.{name}")
                continue
            if _is_dunder(name):
                target = _target(member)
                if not isinstance(target, griffe.Function) or name in HIDDEN_DUNDERS:
                    continue  # __slots__, __match_args__, __repr__ ...
            elif name.startswith("_"):
                continue
            self.member(member, f"{path}.{name}")

    def function(self, func: griffe.Function, path: str) -> None:
        kind = "async def" if "async" in func.labels else "def"
        self._add(path, f"{_decorators(func)}{kind} {path}{_signature(func)}")

    def field(self, member: Obj, path: str) -> None:
        """A constructor argument of an attrs class: its type and default."""
        attr = _target(member)
        assert isinstance(attr, griffe.Attribute), path
        self._add(path, f"field {path}: {attr.annotation}{_field_default(attr.value)}")

    def attribute(self, attr: griffe.Attribute, path: str) -> None:
        annotation = f": {attr.annotation}" if attr.annotation is not None else ""
        if "property" in attr.labels:
            access = " (settable)" if "writable" in attr.labels else ""
            self._add(path, f"property {path}{annotation}{access}")
            return
        # The value of an attribute set in a method (``self.x = x``) says nothing.
        in_method = "class-attribute" not in attr.labels and isinstance(attr.parent, griffe.Class)
        if attr.value is None or attr.name in VALUE_HIDDEN or in_method:
            self._add(path, f"attr {path}{annotation}")
            return
        resolved = self._resolve_value(attr.value)
        if resolved is not None and annotation == "":
            self._add(path, f"alias {path} -> {resolved}")
            return
        value = " ".join(str(attr.value).split())  # one line, whatever the source layout
        self._add(path, f"attr {path}{annotation} = {value}")


def load(root: Path = ROOT) -> dict[str, griffe.Module]:
    """Both packages, from source, with their aliases resolved between them."""
    loader = griffe.GriffeLoader(
        search_paths=[root / p for p in SEARCH_PATHS], allow_inspection=False
    )
    modules = {}
    for name in PACKAGES:
        module = loader.load(name)
        assert isinstance(module, griffe.Module)
        modules[name] = module
    loader.resolve_aliases(implicit=False, external=False)
    return modules


def render(root: Path = ROOT) -> dict[str, str]:
    """``{package: surface text}`` for the source tree at ``root``."""
    modules = load(root)
    texts = {}
    for name, module in modules.items():
        renderer = _Renderer(module.modules_collection)
        renderer.module(module, name)
        texts[name] = "".join(line + "\n" for _, line in sorted(set(renderer.lines)))
    return texts


def path_of(line: str) -> str:
    """The object path a surface line is about."""
    word = next(w for w in line.split(" ") if w.split(".")[0] in PACKAGES)
    return word.split("(")[0].split(":")[0]


def snapshot_path(package: str, root: Path = ROOT) -> Path:
    """Where the committed snapshot of ``package`` lives under ``root``."""
    return root / "tests" / "surface" / f"{package}.txt"


def diff(root: Path = ROOT) -> str:
    """A unified diff from the committed snapshots to the current surface ('' if none)."""
    out: list[str] = []
    for package, text in render(root).items():
        path = snapshot_path(package, root)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        out.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"tests/surface/{package}.txt (committed)",
                tofile=f"tests/surface/{package}.txt (current source)",
                n=1,
            )
        )
    return "".join(out)


def write(root: Path = ROOT) -> list[Path]:
    """Rewrite the snapshots; the paths that changed."""
    changed = []
    for package, text in render(root).items():
        path = snapshot_path(package, root)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


# -- breaking changes --------------------------------------------------------------------


def default_ref(root: Path = ROOT) -> str:
    """The last tag, else the previous commit."""
    tag = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return tag.stdout.strip() if tag.returncode == 0 and tag.stdout.strip() else "HEAD~1"


def breaking_changes(ref: str, root: Path = ROOT) -> Iterator[str]:
    """griffe's explanation of each breaking change from ``ref`` to the source tree."""
    new = load(root)
    for name in PACKAGES:
        old = griffe.load_git(
            name,
            ref=ref,
            repo=root,
            search_paths=list(SEARCH_PATHS),
            allow_inspection=False,
            resolve_aliases=True,
            resolve_external=False,
        )
        for breakage in griffe.find_breaking_changes(old, new[name]):
            # explain() colours its text for a terminal; CI logs want it plain.
            yield _ANSI.sub("", breakage.explain(style=griffe.ExplanationStyle.ONE_LINE))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.surface", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("write", help="rewrite tests/surface/*.txt from the source")
    sub.add_parser("check", help="fail with a diff when the snapshots are out of date")
    breaking = sub.add_parser("breaking", help="list breaking changes since a git ref")
    breaking.add_argument("ref", nargs="?", help="default: the last tag, else HEAD~1")
    breaking.add_argument(
        "--allow", action="store_true", help="list them, but exit 0 (a deliberate break)"
    )
    args = parser.parse_args(argv)

    if args.command == "write":
        for path in write():
            print(f"rewrote {path.relative_to(ROOT)}")
        return 0
    if args.command == "check":
        text = diff()
        if text:
            print(text, end="")
            print("The public surface changed: review the diff, then `nox -s surface`.")
            return 1
        print("the public surface matches tests/surface/")
        return 0
    ref = args.ref or default_ref()
    found = list(breaking_changes(ref))
    for line in found:
        print(line)
    print(f"{len(found)} breaking change(s) since {ref}")
    return 1 if found and not args.allow else 0


if __name__ == "__main__":
    sys.exit(main())
