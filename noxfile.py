"""Every workflow of the project, as a nox session.

nox -s demo            the main job: the whole flow against the embedded fake gateway
nox -s tests           the test suite (what CI runs last)
nox -s generate        regenerate generated/ai_stats_gateway from openapi.yaml
nox -s check_generated fail (with a diff) when generated/ drifts from the spec
nox -s lint typecheck build
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["check_generated", "lint", "typecheck", "tests"]
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


LINT_PATHS = ["overlays", "tests", "noxfile.py"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on the hand-written code."""
    session.install(*_group("lint"))
    paths = [p for p in [*LINT_PATHS, "bench"] if (ROOT / p).exists()]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the overlay and the tests (generated code is not reported)."""
    session.install("-e", ".[testing]", *_group("typecheck"), *_group("test"))
    session.run("mypy", "overlays/ai_stats_music", "tests")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite. Extra arguments go to pytest (`nox -s tests -- -k wait`)."""
    session.install("-e", ".[testing]", *_group("test"), GENERATOR, RUFF, "nox")
    session.run(
        "pytest",
        *session.posargs,
        env={"PYTHONDONTWRITEBYTECODE": "1"},
    )


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/."""
    session.install("build")
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", "dist", str(ROOT))
    for path in sorted((ROOT / "dist").iterdir()):
        session.log(f"built {path.name} ({path.stat().st_size} bytes)")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: generate, wait and download against the embedded fake gateway."""
    session.install(".[testing]")
    out = session.posargs[0] if session.posargs else os.path.join(ROOT, "demo-output")
    session.run("ai-stats-music", "demo", "--out", out)
