"""Every workflow of the project, as a nox session.

nox -s demo            the main job: the whole flow against the embedded fake gateway
nox -s tests-3.11      the whole test suite on the reference interpreter (what CI runs last)
nox -s tests-3.12 tests-3.13 -- -m "not slow"
                       the fast suite on the other supported interpreters (CI runs these too)
nox -s tests_lowest    the fast suite with the lowest dependency versions pyproject.toml declares
nox -s generate        regenerate generated/ai_stats_gateway from openapi.yaml
nox -s update_spec -- PATH  cut openapi.yaml from the gateway's whole document, then generate
nox -s check_generated fail (with a diff) when generated/ drifts from the spec
nox -s surface         rewrite tests/surface/*.txt, the reviewed snapshot of the public API
nox -s breaking        list breaking changes since a git ref (`-- REF --allow`)
nox -s vendor -- DEST  copy both packages under DEST, for use without installing
nox -s bench           the benchmarks (minutes; not a default session): bench/results/
nox -s docs            the documentation site (mkdocs --strict) into site/
nox -s release_check   before tagging: sdist and wheel build, metadata check, version bump vs breaks
nox -s lint typecheck build
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.version import Version

# The interpreters pyproject.toml's classifiers promise. The first is the
# reference: the README's test command and CI's whole-suite run use it; the
# others run the fast suite in CI (README, "Try it: two commands").
PYTHONS = ["3.11", "3.12", "3.13"]
REFERENCE_PYTHON = PYTHONS[0]

nox.options.default_venv_backend = "uv|virtualenv"
# `nox` alone: the checks and the whole suite on the reference interpreter, not
# the matrix (a missing 3.12 or 3.13 would be skipped without a word).
nox.options.sessions = ["check_generated", "lint", "typecheck", f"tests-{REFERENCE_PYTHON}"]
nox.options.reuse_existing_virtualenvs = False

ROOT = Path(__file__).parent
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yaml"
GENERATED = ROOT / "generated" / "ai_stats_gateway"
OVERLAY = ROOT / "overlays" / "ai_stats_music"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

# Pinned exactly: the generated code is a function of these versions, so a
# newer generator or formatter must show up as a deliberate change here.
GENERATOR = "openapi-python-client==0.29.1"
RUFF = "ruff==0.17.6"
PYYAML = "pyyaml>=6"


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


def _generate_into(session: nox.Session, dest: Path) -> None:
    """Run the generator and write the complete package to ``dest``.

    Everything written under generated/ comes from here, so ``generate`` and
    ``check_generated`` cannot disagree about what the output should be.
    """
    with tempfile.TemporaryDirectory(prefix="ai-stats-gen-") as tmp:
        out = Path(tmp) / "ai_stats_gateway"
        session.run(
            "openapi-python-client",
            "generate",
            "--path",
            str(SPEC),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--overwrite",
            "--fail-on-warning",
            silent=True,
            env={"RUFF_NO_CACHE": "true"},
        )
        # Belt and braces: no tool cache may land in the tree.
        for cache in out.rglob(".ruff_cache"):
            shutil.rmtree(cache)
        for pycache in out.rglob("__pycache__"):
            shutil.rmtree(pycache)
        (out / "py.typed").write_text("")
        # The spec the package was generated from travels with it (as JSON, so
        # reading it needs no YAML parser): the fake gateway validates requests
        # against it, in a wheel or a vendored copy alike.
        session.run(
            "python",
            "-c",
            "import json,sys,yaml;"
            "spec=yaml.safe_load(open(sys.argv[1],encoding='utf-8'));"
            "open(sys.argv[2],'w',encoding='utf-8').write(json.dumps(spec,indent=2,ensure_ascii=False)+'\\n')",
            str(SPEC),
            str(out / "openapi.json"),
            silent=True,
        )
        json.loads((out / "openapi.json").read_text(encoding="utf-8"))  # fail here if broken
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, dest)


def _files(top: Path) -> dict[str, bytes]:
    return {
        p.relative_to(top).as_posix(): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _tree_diff(fresh: Path, committed: Path) -> list[str]:
    """Unified diffs, and files added or removed, from ``committed`` to ``fresh``."""
    new, old = _files(fresh), _files(committed)
    lines: list[str] = []
    for rel in sorted(old.keys() | new.keys()):
        if rel not in new:
            lines.append(f"only in generated/ (not produced by the generator): {rel}\n")
        elif rel not in old:
            lines.append(f"missing from generated/: {rel}\n")
        elif old[rel] != new[rel]:
            lines.extend(
                difflib.unified_diff(
                    old[rel].decode("utf-8", "replace").splitlines(keepends=True),
                    new[rel].decode("utf-8", "replace").splitlines(keepends=True),
                    fromfile=f"generated/ai_stats_gateway/{rel}",
                    tofile=f"fresh/ai_stats_gateway/{rel}",
                )
            )
    return lines


def _install_generator(session: nox.Session) -> None:
    session.install(GENERATOR, RUFF, PYYAML)


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/ai_stats_gateway from openapi.yaml and generator-config.yaml."""
    _install_generator(session)
    _generate_into(session, GENERATED)
    session.log(f"wrote {GENERATED.relative_to(ROOT)}")


@nox.session
def update_spec(session: nox.Session) -> None:
    """Cut openapi.yaml from the gateway's whole published document, then regenerate.

    `nox -s update_spec -- PATH` (PATH relative to where nox was invoked, YAML
    or JSON): tools/spec_subset.py keeps the music paths and what they
    reference, and writes openapi.yaml with a header naming PATH and its sha256.
    Review the surface diff afterwards (README, "Regenerating after a spec change").
    """
    if len(session.posargs) != 1:
        session.error("usage: nox -s update_spec -- PATH   (the gateway's openapi.public.yaml)")
    source = Path(session.invoked_from, session.posargs[0]).resolve()
    _install_generator(session)
    session.install("attrs>=23.1")
    session.run(
        "python",
        "-m",
        "tools.spec_subset",
        str(source),
        "--out",
        str(SPEC),
        env={"PYTHONPATH": str(ROOT)},
    )
    _generate_into(session, GENERATED)
    session.log(f"wrote {SPEC.relative_to(ROOT)} and {GENERATED.relative_to(ROOT)}")


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail, showing the diff, when generated/ differs from a fresh generation."""
    _install_generator(session)
    with tempfile.TemporaryDirectory(prefix="ai-stats-check-") as tmp:
        fresh = Path(tmp) / "ai_stats_gateway"
        _generate_into(session, fresh)
        if not GENERATED.is_dir():
            session.error("generated/ai_stats_gateway is missing: run `nox -s generate`")
        diff = _tree_diff(fresh, GENERATED)
    if diff:
        print("".join(line if line.endswith("\n") else line + "\n" for line in diff))
        session.error(
            "generated/ai_stats_gateway differs from what openapi.yaml and "
            "generator-config.yaml produce. Never edit generated code by hand: "
            "run `nox -s generate` and commit the result."
        )
    session.log("generated/ is up to date with the spec")


LINT_PATHS = ["overlays", "tests", "tools", "noxfile.py"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on the hand-written code."""
    session.install(*_group("lint"))
    paths = [p for p in [*LINT_PATHS, "bench"] if (ROOT / p).exists()]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the overlay, the tests, tools/ and bench/ (not on generated code)."""
    session.install("-e", ".[testing]", *_group("typecheck"), *_group("test"), *_group("surface"))
    session.run("mypy", "overlays/ai_stats_music", "tests", "tools", "bench")


# What the suite needs beside the package: the generator and ruff run in the
# generation tests, nox in the vendoring and drill tests.
def _test_tools() -> list[str]:
    return [*_group("test"), *_group("surface"), GENERATOR, RUFF, "nox"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on one interpreter. Extra arguments go to pytest (`-- -m "not slow"`).

    `nox -s tests-3.11` is the README's test command (the whole suite); CI adds
    the fast suite on 3.12 and 3.13. Without CI=true, nox skips an interpreter
    it cannot find; .ci/run puts pyenv's on PATH so that none is skipped there.
    """
    session.install("-e", ".[testing]", *_test_tools())
    session.run("pytest", *session.posargs, env={"PYTHONDONTWRITEBYTECODE": "1"})


def _floors() -> dict[str, Version]:
    """The lowest version each runtime dependency and the testing extra declare.

    Every one of them must have a ``>=`` floor: a dependency without one could
    not be tested at its lowest, so it is refused here.
    """
    project = PYPROJECT["project"]
    floors = {}
    for text in [*project["dependencies"], *project["optional-dependencies"]["testing"]]:
        req = Requirement(text)
        lows = [Version(s.version) for s in req.specifier if s.operator in (">=", "==")]
        if not lows:
            raise ValueError(f"pyproject.toml: {text!r} declares no floor (>=) to test")
        floors[req.name] = max(lows)
    return floors


@nox.session(python=REFERENCE_PYTHON, venv_backend="uv")
def tests_lowest(session: nox.Session) -> None:
    """The fast suite with the lowest versions pyproject.toml declares.

    `uv pip install --resolution lowest-direct` puts each runtime dependency
    and each of the testing extra at its floor (their own dependencies
    resolve as usual); the session fails unless every floor is what got
    installed. The test tools come after, constrained to what is installed,
    so they cannot lift a dependency off its floor. Extra arguments go to
    pytest in place of `-m "not slow"`.
    """
    session.install("--resolution", "lowest-direct", "-e", ".[testing]")
    floors = _floors()
    installed = json.loads(
        session.run(
            "python",
            "-c",
            "import importlib.metadata as m, json, sys;"
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))",
            *floors,
            silent=True,
        )
        or "{}"
    )
    off = {n: installed.get(n) for n, low in floors.items() if Version(installed[n]) != low}
    if off:
        session.error(f"not at the declared floor: {off} (floors: {floors})")
    session.log("at the declared floors: " + ", ".join(f"{n}=={v}" for n, v in installed.items()))
    frozen = session.run("uv", "pip", "freeze", silent=True, external=True) or ""
    pins = [line for line in frozen.splitlines() if "==" in line and not line.startswith("-e")]
    with tempfile.TemporaryDirectory(prefix="ai-stats-lowest-") as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
        session.install("-c", str(constraints), *_test_tools())
    args = session.posargs or ["-m", "not slow"]
    session.run("pytest", *args, env={"PYTHONDONTWRITEBYTECODE": "1"})


def _build_into(session: nox.Session, outdir: Path) -> list[Path]:
    """Build the sdist and the wheel into ``outdir`` (emptied first); their paths."""
    # build[uv]: `--installer uv` must not depend on a uv that happens to be on PATH.
    session.install("build[uv]")
    shutil.rmtree(outdir, ignore_errors=True)
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(outdir), str(ROOT))
    built = sorted(outdir.iterdir())
    for path in built:
        session.log(f"built {path.name} ({path.stat().st_size} bytes)")
    return built


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/."""
    _build_into(session, ROOT / "dist")


@nox.session
def release_check(session: nox.Session) -> None:
    """Run before tagging a release: is what would be released fit to be?

    Builds the sdist and the wheel (into a temporary directory, so dist/ is
    left alone), checks their metadata with `twine check --strict` (the README
    renders as the PyPI page), and fails when the public surface has breaking
    changes since the last tag while _version.py was not raised accordingly
    (tools/release.py; README, "Versioning"). With no tag yet there is nothing
    to compare with: it says so and passes.
    """
    session.install("twine", *_group("surface"), "packaging")
    with tempfile.TemporaryDirectory(prefix="ai-stats-release-") as tmp:
        built = _build_into(session, Path(tmp))
        session.run("twine", "check", "--strict", *map(str, built))
    session.run("python", "-m", "tools.release", "check", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/: mkdocs --strict, so a warning fails.

    The API reference is rendered by mkdocstrings from the source's
    docstrings (read by griffe, nothing imported); `-- serve` serves it instead.
    """
    # mkdocstrings formats the signatures with ruff (the lint session's pin).
    session.install(*_group("docs"), RUFF)
    # Material's notice about MkDocs 2 is news, not a problem of this site.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:], env=env)
        return
    shutil.rmtree(ROOT / "site", ignore_errors=True)
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"), env=env)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: generate, wait and download against the embedded fake gateway."""
    session.install(".[testing]")
    out = session.posargs[0] if session.posargs else os.path.join(ROOT, "demo-output")
    session.run("ai-stats-music", "demo", "--out", out)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks: write bench/results/latest.json, latest.md and polling.png.

    Takes a few minutes, so it is neither a default session nor part of CI;
    tests/test_bench_polling.py checks the polling harness's accounting there.
    Extra arguments go to bench/run.py (`nox -s bench -- --only polling`).
    """
    # nox and uv: the regeneration and import-time parts run nox and make a venv.
    session.install(".[testing]", *_group("bench"), "nox", "uv")
    session.run("python", "-m", "bench.run", *session.posargs)


# -- the public surface ------------------------------------------------------------------

SURFACE_TOOL = ROOT / "tests" / "_surface.py"


@nox.session
def surface(session: nox.Session) -> None:
    """Rewrite tests/surface/*.txt from the source; commit the diff as the reviewed change.

    The snapshot is read from the source by griffe (nothing is imported), so
    this takes about a second; the test suite fails while it is out of date.
    """
    session.install(*_group("surface"))
    session.run("python", str(SURFACE_TOOL), "write")


@nox.session
def breaking(session: nox.Session) -> None:
    """List breaking changes of both packages since a git ref, and fail if there are any.

    `nox -s breaking` compares with the last tag, else HEAD~1;
    `nox -s breaking -- REF` with REF; add `--allow` to list without failing.
    """
    session.install(*_group("surface"))
    session.run("python", str(SURFACE_TOOL), "breaking", *session.posargs)


# -- vendoring ---------------------------------------------------------------------------

VENDORED = {"ai_stats_music": OVERLAY, "ai_stats_gateway": GENERATED}
# The one overlay module allowed to import the generated package by name (see it).
DOOR = Path("ai_stats_music") / "_gen.py"
OURS = {*VENDORED, "ai-stats-music"}
# Calls that import or locate a package from a string: a vendored copy has no
# top-level `ai_stats_music`, and no installed distribution either.
BY_NAME_CALLS = {"import_module", "__import__", "find_spec", "files", "version", "distribution"}


def _names_ours(name: str) -> bool:
    return name.split(".")[0] in OURS


def _imports_by_name(tree: ast.Module) -> list[ast.stmt | ast.expr]:
    """The nodes that import ``ai_stats_music`` / ``ai_stats_gateway`` by absolute name."""
    found: list[ast.stmt | ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(_names_ours(a.name) for a in node.names):
                found.append(node)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and _names_ours(node.module):
                found.append(node)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in BY_NAME_CALLS and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and _names_ours(a.value)
                for a in node.args
            ):
                found.append(node)
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _relative(node: ast.stmt | ast.expr, source: str, dots: str) -> str:
    """The relative form of an absolute import statement (``source`` is its text)."""
    if isinstance(node, ast.ImportFrom):
        # Only the module changes; the names keep their layout.
        head = re.match(rf"from\s+{re.escape(node.module or '')}\b", source)
        if head:
            return f"from {dots}{node.module}" + source[head.end() :]
    if isinstance(node, ast.Import) and len(node.names) == 1:
        alias = node.names[0]
        parent, _, leaf = alias.name.rpartition(".")
        if alias.asname or not parent:  # `import a.b` without `as` binds `a`: not rewritten
            asname = f" as {alias.asname}" if alias.asname else ""
            return f"from {dots}{parent} import {leaf}{asname}"
    raise ValueError(f"line {node.lineno}: cannot make {source!r} relative")


def _make_relative(text: str, dots: str) -> str:
    """``text`` with each import of our packages by absolute name made relative."""
    lines = text.splitlines(keepends=True)
    for node in reversed(_imports_by_name(ast.parse(text))):
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        source = ast.get_source_segment(text, node) or ""
        start, end = lines[node.lineno - 1], lines[node.end_lineno - 1]
        new = start[: node.col_offset] + _relative(node, source, dots) + end[node.end_col_offset :]
        lines[node.lineno - 1 : node.end_lineno] = [new]
    return "".join(lines)


def _by_name_report(top: Path, *, allowed: set[Path]) -> list[str]:
    """``file:line: statement`` for each import by name under ``top``, outside ``allowed``."""
    report = []
    for path in sorted(top.rglob("*.py")):
        rel = path.relative_to(top.parent)
        if rel in allowed:
            continue
        for node in _imports_by_name(ast.parse(path.read_bytes(), str(path))):
            report.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    return report


@nox.session(python=False)
def vendor(session: nox.Session) -> None:
    """Copy both packages under DEST, to use them without installing: `nox -s vendor -- DEST`.

    DEST/ai_stats_music and DEST/ai_stats_gateway become sibling subpackages
    of the package DEST (its __init__.py is created if missing); the overlay's
    imports of the generated package become relative, so the copy never
    imports the top-level names and runs with only httpx and attrs installed.
    An existing copy under DEST is replaced. See README, "Vendoring".
    """
    if len(session.posargs) != 1:
        session.error("usage: nox -s vendor -- DEST   (for example myservice/_vendor)")
    dest = Path(session.invoked_from, session.posargs[0]).resolve()
    if any(dest == top or top in dest.parents for top in VENDORED.values()):
        session.error(f"DEST must not be inside the packages it copies: {dest}")

    # Only the door may import the generated package by name; anything else
    # would break in the copy, so it is refused here rather than shipped.
    stray = [line for top in VENDORED.values() for line in _by_name_report(top, allowed={DOOR})]
    if stray:
        session.error(
            "imports of ai_stats_music / ai_stats_gateway by absolute name outside "
            f"{DOOR.as_posix()} (make them relative; only {DOOR.as_posix()} may name "
            "the generated package):\n  " + "\n  ".join(stray)
        )

    dest.mkdir(parents=True, exist_ok=True)
    init = dest / "__init__.py"
    if not init.exists():
        init.write_text("")
        session.log(f"created {init} (the copy must live inside a package)")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".mypy_cache")
    for name, source in VENDORED.items():
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
            session.log(f"replaced {target}")
        shutil.copytree(source, target, ignore=ignore)

    door = dest / DOOR
    text = _make_relative(door.read_text(encoding="utf-8"), dots="..")
    compile(text, str(door), "exec")  # fail here, not on the user's first import
    door.write_text(text, encoding="utf-8")

    left = [line for name in VENDORED for line in _by_name_report(dest / name, allowed=set())]
    if left:
        session.error("the vendored copy still imports by name:\n  " + "\n  ".join(left))
    session.log(
        f"vendored ai_stats_music and ai_stats_gateway into {dest}; "
        f"import them as <your package>.{dest.name}.ai_stats_music"
    )
