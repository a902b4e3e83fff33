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
nox -s coverage       line and branch coverage of the overlay (`-- -m "not slow"`)
nox -s bench           the benchmarks (minutes; not a default session): bench/results/
nox -s docs            the documentation site (mkdocs --strict) into site/
nox -s release_check   before tagging: sdist and wheel build, metadata check, version bump vs breaks
nox -s lint typecheck build
"""

from __future__ import annotations

import json
import os
import shutil
import sys
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


# The repository's tools (tools/) run as `python -m tools.<name>` with this on the path.
TOOLS_ENV = {"PYTHONPATH": str(ROOT)}


def _generate_into(session: nox.Session, dest: Path) -> None:
    """Run the generator and write the complete package to ``dest``.

    Everything written under generated/ comes from here (the generator, then
    tools/gentree.py finishing its output), so ``generate`` and
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
        session.run(
            "python",
            "-m",
            "tools.gentree",
            "finish",
            str(out),
            "--spec",
            str(SPEC),
            "--into",
            str(dest),
            env=TOOLS_ENV,
        )


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
    Review the surface diff afterwards (docs/guide/regenerating.md).
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
        env=TOOLS_ENV,
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
        session.run(
            "python", "-m", "tools.gentree", "diff", str(fresh), str(GENERATED), env=TOOLS_ENV
        )


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


@nox.session(python=REFERENCE_PYTHON)
def coverage(session: nox.Session) -> None:
    """Line and branch coverage of the overlay (ai_stats_music) over the test suite.

    Extra arguments go to pytest (`-- -m "not slow"`). Prints the table and
    writes coverage.json: the figures a refactoring compares before and after
    (what runs in a subprocess, such as the CLI's own process, is not counted).
    """
    session.install("-e", ".[testing]", *_test_tools(), *_group("coverage"))
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term:skip-covered",
        "--cov-report=json:coverage.json",
        *session.posargs,
        env={"PYTHONDONTWRITEBYTECODE": "1"},
    )


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
        # trio needs attrs>=23.2, above the runtime floor (23.1): it is left
        # out here, and tests/test_anyio.py skips its trio half without it.
        tools = [t for t in _test_tools() if not t.startswith("trio")]
        session.install("-c", str(constraints), *tools)
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
    (tools/release.py; docs/guide/versioning.md). With no tag yet there is nothing
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


@nox.session
def surface(session: nox.Session) -> None:
    """Rewrite tests/surface/*.txt from the source; commit the diff as the reviewed change.

    The snapshot is read from the source by griffe (nothing is imported), so
    this takes about a second; the test suite fails while it is out of date.
    """
    session.install(*_group("surface"))
    session.run("python", "-m", "tools.surface", "write", env=TOOLS_ENV)


@nox.session
def breaking(session: nox.Session) -> None:
    """List breaking changes of both packages since a git ref, and fail if there are any.

    `nox -s breaking` compares with the last tag, else HEAD~1;
    `nox -s breaking -- REF` with REF; add `--allow` to list without failing.
    """
    session.install(*_group("surface"))
    session.run("python", "-m", "tools.surface", "breaking", *session.posargs, env=TOOLS_ENV)


# -- vendoring ---------------------------------------------------------------------------


@nox.session(python=False)
def vendor(session: nox.Session) -> None:
    """Copy both packages under DEST, to use them without installing: `nox -s vendor -- DEST`.

    DEST/ai_stats_music and DEST/ai_stats_gateway become sibling subpackages
    of the package DEST (its __init__.py is created if missing); the overlay's
    imports of the generated package become relative, so the copy never
    imports the top-level names and runs with only httpx and attrs installed.
    An existing copy under DEST is replaced, and a refused or failed copy
    leaves DEST as it was (tools/vendor.py). See docs/guide/installing.md, "Vendoring".
    """
    if len(session.posargs) != 1:
        session.error("usage: nox -s vendor -- DEST   (for example myservice/_vendor)")
    dest = Path(session.invoked_from, session.posargs[0]).resolve()
    # No venv here: tools/vendor.py needs only the stdlib of the Python running nox.
    session.run(sys.executable, "-m", "tools.vendor", str(dest), env=TOOLS_ENV, external=True)
