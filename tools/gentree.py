"""The generated tree: finishing the generator's output, and comparing it with the committed one.

``nox -s generate`` and ``nox -s check_generated`` run the generator into a
temporary directory and then hand its output to this module, inside the
session's virtual environment (where pyyaml is installed)::

    python -m tools.gentree finish OUT --spec openapi.yaml --into generated/ai_stats_gateway
    python -m tools.gentree diff FRESH generated/ai_stats_gateway

Both sessions go through :func:`finish`, so what ``generate`` writes and what
``check_generated`` expects cannot disagree. :func:`tree_diff` is the check's
report: a unified diff per changed file, and one line per file added or removed,
worded for the maintainer who has to act on it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

# How the report names the two trees (the committed one is the one to fix).
COMMITTED_LABEL = "generated/ai_stats_gateway"
FRESH_LABEL = "fresh/ai_stats_gateway"
# Caches a tool may leave in the output; none of them belongs in generated/.
CACHES = (".ruff_cache", "__pycache__", ".mypy_cache", ".pytest_cache")
SPEC_COPY = "openapi.json"

_ADVICE = (
    "generated/ai_stats_gateway differs from what openapi.yaml and "
    "generator-config.yaml produce. Never edit generated code by hand: "
    "run `nox -s generate` and commit the result."
)


class GenTreeError(Exception):
    """What stops finishing or comparing a tree: a spec that is not YAML, a missing tree."""


def files(top: Path) -> dict[str, bytes]:
    """Every file under ``top`` by its relative POSIX path; bytecode is left out.

    Importing the committed package leaves ``__pycache__`` beside it; that is
    not drift, so it is not part of the tree.
    """
    return {
        p.relative_to(top).as_posix(): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and "__pycache__" not in p.relative_to(top).parts
    }


def tree_diff(
    fresh: Path,
    committed: Path,
    *,
    fresh_label: str = FRESH_LABEL,
    committed_label: str = COMMITTED_LABEL,
) -> list[str]:
    """Unified diffs, and files added or removed, from ``committed`` to ``fresh``.

    Empty when the trees are the same. Files are taken in sorted order, so the
    report is the same on every machine.
    """
    new, old = files(fresh), files(committed)
    lines: list[str] = []
    for rel in sorted(old.keys() | new.keys()):
        if rel not in new:
            lines.append(f"only in generated/ (not produced by the generator): {rel}\n")
        elif rel not in old:
            lines.append(f"missing from generated/: {rel}\n")
        elif old[rel] != new[rel]:
            text = list(
                difflib.unified_diff(
                    old[rel].decode("utf-8", "replace").splitlines(keepends=True),
                    new[rel].decode("utf-8", "replace").splitlines(keepends=True),
                    fromfile=f"{committed_label}/{rel}",
                    tofile=f"{fresh_label}/{rel}",
                )
            )
            # Bytes that are not UTF-8 may read the same once replaced: still drift.
            lines.extend(text or [f"differs from the generator's output (not text): {rel}\n"])
    return lines


def spec_json(yaml_text: str) -> str:
    """The spec as the JSON text shipped beside the package (so reading it needs no YAML parser).

    Deterministic: keys keep the document's order, indentation is fixed, and
    non-ASCII text is kept as it is, so the same spec always gives the same bytes.
    """
    # Imported here: only finishing needs a YAML parser, and the sessions that
    # finish install one; comparing trees needs nothing beyond the stdlib.
    import yaml

    try:
        spec = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        raise GenTreeError(f"the spec is not valid YAML: {exc}") from None
    if not isinstance(spec, dict):
        raise GenTreeError(f"the spec is not a mapping (got {type(spec).__name__})")
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a failure leaves no partial file behind."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_spec_json(spec: Path, out: Path) -> None:
    """Write ``spec`` (YAML) to ``out`` as :func:`spec_json` renders it."""
    try:
        text = spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GenTreeError(f"cannot read the spec {spec}: {exc}") from None
    _write_atomically(out, spec_json(text).encode("utf-8"))


def finish(out: Path, *, spec: Path) -> None:
    """Make the generator's output ``out`` the complete package, in place.

    No tool cache may stay in it; ``py.typed`` marks it typed; and the spec it
    was generated from travels with it as JSON, since the fake gateway
    validates requests against it, in a wheel or a vendored copy alike.
    """
    if not out.is_dir():
        raise GenTreeError(f"the generator wrote no package at {out}")
    for name in CACHES:
        for cache in sorted(out.rglob(name), reverse=True):
            shutil.rmtree(cache)
    (out / "py.typed").write_text("")
    write_spec_json(spec, out / SPEC_COPY)


def install(out: Path, dest: Path) -> None:
    """Replace ``dest`` with a copy of the finished package ``out``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(out, dest)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gentree", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fin = sub.add_parser(
        "finish", help="clean the generator's output and add py.typed and the spec"
    )
    fin.add_argument("out", type=Path, help="the generator's output directory")
    fin.add_argument("--spec", type=Path, required=True, help="the YAML spec it was generated from")
    fin.add_argument("--into", type=Path, help="then replace this directory with the result")
    dif = sub.add_parser("diff", help="exit 1, with the diff, when the trees differ")
    dif.add_argument("fresh", type=Path, help="a fresh, finished generation")
    dif.add_argument("committed", type=Path, help="the committed package")
    args = parser.parse_args(argv)

    try:
        if args.command == "finish":
            finish(args.out, spec=args.spec)
            if args.into is not None:
                install(args.out, args.into)
            return 0
        if not args.committed.is_dir():
            print(f"{COMMITTED_LABEL} is missing: run `nox -s generate`", file=sys.stderr)
            return 1
        lines = tree_diff(args.fresh, args.committed)
    except GenTreeError as exc:
        print(f"gentree: {exc}", file=sys.stderr)
        return 2
    if lines:
        print("".join(line if line.endswith("\n") else line + "\n" for line in lines))
        print(_ADVICE)
        return 1
    print("generated/ is up to date with the spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
