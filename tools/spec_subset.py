"""Cut the music API out of the gateway's whole published OpenAPI document.

The gateway publishes one document for all its operations (70 paths and 175
schemas in August 2026); this project is generated from the music part only,
so that an unrelated upstream change never churns ``generated/``. The cut
keeps:

- the paths under ``/music/``, whole and in source order;
- every component they reference, transitively (schemas, and parameters,
  responses, request bodies... when referenced), including the targets of
  ``discriminator.mapping``, so that nothing in the output dangles;
- every security scheme (the document-wide ``security`` names them);
- the top-level ``openapi``, ``info``, ``servers``, ``security`` and ``tags``.
  All top-level tags are kept, as upstream's own music excerpt keeps them
  (its header says so): a tag list references nothing, so it cannot dangle,
  and keeping it whole means a tag description is never silently lost.

The output is deterministic: the source's key order is kept, the YAML dump has
no anchors or aliases and keeps unicode as is, and a comment header names the
source file and the sha256 of its bytes, then the sha256 of the YAML below it.
Run on its own unmodified output the tool gives the same bytes: it recognises
its header and carries the original source line over. A hand-edited output no
longer matches its body digest and is treated as a new source instead, so the
header never claims an origin the content no longer has.

A reference outside the document, a reference to nothing, and a document with
no music path are errors (``SpecSubsetError``), never a partial output.

Usage: ``python -m tools.spec_subset SOURCE [--out openapi.yaml]``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import attrs
import yaml

__all__ = [
    "MUSIC_PREFIX",
    "SpecSubsetError",
    "Subset",
    "load_document",
    "main",
    "music_subset",
    "render",
    "subset_text",
    "write_subset",
]

MUSIC_PREFIX = "/music/"
TOP_LEVEL_KEPT = ("openapi", "info", "servers", "security", "paths", "tags", "components")
ALL_KEPT_COMPONENTS = ("securitySchemes",)

HEADER = (
    "# The music API of the gateway's published OpenAPI document: the /music/ paths, every\n"
    "# component they reference, the security schemes, and the top-level openapi, info,\n"
    "# servers, security and tags. Written by tools/spec_subset.py (nox -s update_spec -- PATH):\n"
    "# do not edit by hand, run it again on a newer document.\n"
)
_SOURCE_LINE = re.compile(r"# Source: (?P<name>[^\n]*), sha256 (?P<digest>[0-9a-f]{64})\n")
_DIGEST_LINE = re.compile(r"# Body sha256 [0-9a-f]{64}\n")

Document = dict[str, Any]


class SpecSubsetError(ValueError):
    """The source cannot be cut into a self-contained music document; the message says why."""


@attrs.frozen(kw_only=True)
class Subset:
    """What one run produced: the text to write and what it holds, for the log line."""

    text: str
    source_line: str
    operations: tuple[str, ...]
    components: tuple[str, ...]


# -- reading ---------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML as the JSON data model OpenAPI is defined on: no date or time values.

    A bare ``2026-08-22`` stays the string JSON would have, so that a YAML and a
    JSON copy of one document cut to the same output.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _string_keys(node: Any, where: str) -> Any:
    """``node`` with every mapping key a string (YAML reads ``200:`` as an int)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise SpecSubsetError(
                    f"{where or '/'}: the key {key!r} is not a string (OpenAPI keys are strings)"
                )
            name = str(key)
            out[name] = _string_keys(value, f"{where}/{_escape(name)}")
        return out
    if isinstance(node, list):
        return [_string_keys(item, f"{where}/{i}") for i, item in enumerate(node)]
    return node


def load_document(data: bytes, name: str) -> Document:
    """The OpenAPI document in ``data`` (JSON or YAML), checked to be one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecSubsetError(f"{name}: not UTF-8 text ({exc})") from None
    try:
        if text.lstrip().startswith("{"):
            loaded = json.loads(text)
        else:
            loaded = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecSubsetError(f"{name}: neither valid JSON nor valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise SpecSubsetError(f"{name}: not an OpenAPI document (its top level is not a mapping)")
    document: Document = _string_keys(loaded, "")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecSubsetError(
            f"{name}: not an OpenAPI 3 document (openapi: {version!r}; expected 3.x)"
        )
    return document


# -- references ------------------------------------------------------------------------


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(ref: str, where: str) -> tuple[str, ...]:
    """The tokens of a local reference ``#/a/b``; anything else is refused."""
    if not ref.startswith("#/"):
        raise SpecSubsetError(
            f"{where}: $ref {ref!r} points outside the document; only local references "
            "(#/components/...) can be kept self-contained"
        )
    return tuple(unquote(t).replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/"))


def _refs(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every reference under ``node``, with the JSON pointer of the place it is made."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref, where
        discriminator = node.get("discriminator")
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        if isinstance(mapping, dict):
            for key, target in mapping.items():
                if isinstance(target, str):
                    # A bare name means a schema of that name (OpenAPI 3.0.3, Discriminator).
                    local = "/" not in target and "#" not in target
                    full = f"#/components/schemas/{target}" if local else target
                    yield full, f"{where}/discriminator/mapping/{_escape(key)}"
        for key, value in node.items():
            yield from _refs(value, f"{where}/{_escape(key)}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _refs(item, f"{where}/{i}")


def _resolve(document: Document, tokens: tuple[str, ...], ref: str, where: str) -> Any:
    target: Any = document
    for token in tokens:
        if isinstance(target, dict) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            raise SpecSubsetError(f"{where}: $ref {ref!r} points to nothing in the document")
    return target


def _reached_components(document: Document, paths: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Every ``(kind, name)`` component the kept paths reach, following references through."""
    reached: set[tuple[str, str]] = set()
    todo = [(item, f"/paths/{_escape(path)}") for path, item in paths.items()]
    while todo:
        node, where = todo.pop()
        for ref, at in _refs(node, where):
            tokens = _pointer(ref, at)
            _resolve(document, tokens, ref, at)
            if len(tokens) < 3 or tokens[0] != "components":
                raise SpecSubsetError(
                    f"{at}: $ref {ref!r} does not name a component (#/components/<kind>/<name>); "
                    "only components are carried into the subset"
                )
            key = (tokens[1], tokens[2])
            if not isinstance(document["components"][key[0]], dict):
                raise SpecSubsetError(f"{at}: components/{key[0]} is not a mapping of names")
            if key not in reached:
                reached.add(key)
                at_component = f"/components/{_escape(key[0])}/{_escape(key[1])}"
                todo.append((document["components"][key[0]][key[1]], at_component))
    return reached


# -- cutting ---------------------------------------------------------------------------


def music_subset(document: Mapping[str, Any]) -> Document:
    """The self-contained music document cut from ``document`` (which is not changed)."""
    paths = document.get("paths")
    if not isinstance(paths, dict):
        raise SpecSubsetError("the document has no paths, so no music path")
    music = {path: item for path, item in paths.items() if path.startswith(MUSIC_PREFIX)}
    if not music:
        raise SpecSubsetError(
            f"the document has no music path (none of its {len(paths)} paths starts with "
            f"{MUSIC_PREFIX}): is it the gateway's published document?"
        )
    source: Document = dict(document)
    reached = _reached_components(source, music)
    components = document.get("components")
    kept_components: Document = {}
    if isinstance(components, dict):
        for kind, entries in components.items():
            if kind in ALL_KEPT_COMPONENTS:
                kept_components[kind] = entries
            elif isinstance(entries, dict):
                kept = {name: node for name, node in entries.items() if (kind, name) in reached}
                if kept:
                    kept_components[kind] = kept
    out: Document = {}
    for key in document:
        if key == "paths":
            out[key] = music
        elif key == "components":
            if kept_components:
                out[key] = kept_components
        elif key in TOP_LEVEL_KEPT:
            out[key] = document[key]
    # A copy, so that no node is shared with the source (nor, in the dump, with itself).
    return copy.deepcopy(out)


# -- writing ---------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """A stable block-style dump: no anchors or aliases, sequences indented under their key."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line prose as a literal block, as people write it; the emitter falls
    # back to a quoted style by itself where a block cannot hold the text exactly.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _body(subset: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(subset),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )


def _digest_line(body: str) -> str:
    return f"# Body sha256 {hashlib.sha256(body.encode('utf-8')).hexdigest()}\n"


def render(subset: Mapping[str, Any], source_line: str) -> str:
    """The file text: the header, ``source_line``, the body's digest and the YAML of ``subset``.

    The digest lets a later run tell its own untouched output (whose source line
    it carries over) from one edited by hand (which is then a source of its own).
    """
    body = _body(subset)
    return HEADER + source_line + _digest_line(body) + body


def _source_line(name: str, data: bytes) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return f"# Source: {printable}, sha256 {hashlib.sha256(data).hexdigest()}\n"


def _own_source_line(text: str) -> str | None:
    """The source line of a file this tool wrote and nobody edited since, else None."""
    if not text.startswith(HEADER):
        return None
    source = _SOURCE_LINE.match(text, len(HEADER))
    if source is None:
        return None
    digest = _DIGEST_LINE.match(text, source.end())
    if digest is None or digest.group(0) != _digest_line(text[digest.end() :]):
        return None
    return source.group(0)


def subset_text(data: bytes, name: str) -> Subset:
    """The output for the source bytes ``data`` named ``name`` (a file name, for the header)."""
    try:
        document = load_document(data, name)
        subset = music_subset(document)
        _body(subset)  # the dump recurses too
    except RecursionError:
        raise SpecSubsetError(f"{name}: nested too deeply to be an OpenAPI document") from None
    # Our own unmodified output keeps naming the document it came from.
    line = _own_source_line(data.decode("utf-8-sig")) or _source_line(name, data)
    operations = tuple(
        f"{method.upper()} {path}"
        for path, item in subset["paths"].items()
        if isinstance(item, dict)
        for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    )
    components = tuple(
        f"{kind}/{name}"
        for kind, entries in subset.get("components", {}).items()
        for name in entries
    )
    return Subset(
        text=render(subset, line), source_line=line, operations=operations, components=components
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write whole or not at all: a failed run never leaves half a spec behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_subset(source: Path, out: Path) -> Subset:
    """Cut ``source`` and write the result to ``out``; nothing is written on an error."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise SpecSubsetError(f"cannot read {source}: {exc.strerror or exc}") from None
    subset = subset_text(data, source.name)
    _write_atomically(out, subset.text.encode("utf-8"))
    return subset


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.spec_subset",
        description="Write the music subset of a whole OpenAPI document (YAML or JSON).",
    )
    parser.add_argument("source", type=Path, help="the gateway's published OpenAPI document")
    parser.add_argument(
        "--out", type=Path, default=Path("openapi.yaml"), help="where to write (openapi.yaml)"
    )
    args = parser.parse_args(argv)
    try:
        subset = write_subset(args.source, args.out)
    except SpecSubsetError as exc:
        print(f"spec_subset: error: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out}: {len(subset.operations)} operations, "
        f"{len(subset.components)} components; {subset.source_line[2:].strip()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
