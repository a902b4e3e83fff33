"""Regeneration is reproducible, and ``check_generated`` catches drift.

The nox sessions are run for real, in copies of the repository under a temp
directory (never in the work tree, whose .nox environments others use), with
one ``--envdir`` for the whole test session: the first run of a session
installs the pinned generator, the others reuse it (``-R``). A few cheaper
checks call the generator straight from the current environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _repo import Nox, NoxResult, copy_project, shared_nox
from _support import ROOT

pytestmark = pytest.mark.slow

PACKAGE = Path("generated") / "ai_stats_gateway"


def _pin(name: str) -> str:
    """The version noxfile.py pins for ``name`` (e.g. ``GENERATOR = "x==1.2"``)."""
    match = re.search(rf'^{name} = "[^"=]+==([^"]+)"$', (ROOT / "noxfile.py").read_text(), re.M)
    assert match, f"noxfile.py no longer pins {name} exactly"
    return match.group(1)


def tree(top: Path) -> dict[str, bytes]:
    """Every file under ``top``, caches included (so that they show up)."""
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in top.rglob("*") if p.is_file()}


def committed_tree() -> dict[str, bytes]:
    """The package in the work tree, less the bytecode that importing it leaves."""
    return {k: v for k, v in tree(ROOT / PACKAGE).items() if "__pycache__" not in k.split("/")}


def caches_in(top: Path) -> list[str]:
    return sorted(
        p.relative_to(top).as_posix()
        for p in top.rglob("*")
        if p.name in {".ruff_cache", "__pycache__", ".mypy_cache", ".pytest_cache"}
    )


# -- running nox (shared with the other tests that run sessions: see _repo) ------------


@pytest.fixture(scope="session")
def nox(tmp_path_factory: pytest.TempPathFactory) -> Nox:
    return shared_nox(tmp_path_factory)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def assert_ok(result: NoxResult) -> None:
    assert result.returncode == 0, result.describe()


def assert_drift_reported(result: NoxResult) -> None:
    assert result.returncode != 0, result.describe()
    assert "generated/ai_stats_gateway differs from what openapi.yaml" in result.output
    assert "run `nox -s generate`" in result.output


# -- (a) generating twice ------------------------------------------------------------


def test_generate_twice_is_byte_identical_and_leaves_no_cache(
    nox: Nox, project: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    outputs: list[dict[str, bytes]] = []
    for _ in range(2):
        result = nox.run(project, "generate", tmpdir=scratch)
        assert_ok(result)
        assert "wrote generated/ai_stats_gateway" in result.output
        outputs.append(tree(project / PACKAGE))
    first, second = outputs
    assert first == second
    assert caches_in(project) == []
    assert sorted(p.name for p in (project / "generated").iterdir()) == ["ai_stats_gateway"]
    # The committed package is exactly what the spec produces ...
    assert first == committed_tree()
    # ... with the marker and the spec copy that tools/gentree.py adds.
    assert first["py.typed"] == b""
    assert "openapi.json" in first
    # The session's own temp directories are gone.
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith("ai-stats-")) == []


# -- (b) an unchanged copy passes ----------------------------------------------------


def test_check_generated_passes_on_an_unchanged_copy(nox: Nox, project: Path) -> None:
    # Importing the package leaves bytecode beside it; the check ignores that.
    pycache = project / PACKAGE / "__pycache__"
    pycache.mkdir()
    (pycache / "client.cpython-311.pyc").write_bytes(b"\x00bytecode")
    before = tree(project / PACKAGE)

    result = nox.run(project, "check_generated")

    assert_ok(result)
    assert "generated/ is up to date with the spec" in result.output
    assert tree(project / PACKAGE) == before  # a check, not a writer


# -- (c) a spec change without regeneration fails, with the diff ---------------------

SEED = "        seed:\n          type: integer\n          description: Random seed.\n"
DEBUG_REF = "        debug:\n          $ref: '#/components/schemas/DebugOptions'\n"


def test_check_generated_fails_with_a_diff_when_the_spec_changes(nox: Nox, project: Path) -> None:
    spec = project / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count(DEBUG_REF) == 1, "MusicGenerateRequest's last field moved: update SEED"
    spec.write_text(text.replace(DEBUG_REF, DEBUG_REF + SEED), encoding="utf-8")
    before = tree(project / PACKAGE)

    result = nox.run(project, "check_generated")

    assert_drift_reported(result)
    model = "ai_stats_gateway/models/music_generate_request.py"
    assert f"--- generated/{model}" in result.stdout
    assert f"+++ fresh/{model}" in result.stdout
    added = [line for line in result.stdout.splitlines() if line.startswith("+")]
    assert "+    seed: int | Unset = UNSET" in added
    assert "+        if seed is not UNSET:" in added
    assert any(line[1:].strip() == 'field_dict["seed"] = seed' for line in added)
    assert "--- generated/ai_stats_gateway/openapi.json" in result.stdout
    assert any('"seed"' in line for line in added)
    # Only the request model and the spec copy change.
    changed = re.findall(r"^\+\+\+ fresh/ai_stats_gateway/(\S+)", result.stdout, re.M)
    assert sorted(changed) == ["models/music_generate_request.py", "openapi.json"]
    assert tree(project / PACKAGE) == before

    # What the error message advises does make the check pass again.
    assert_ok(nox.run(project, "generate"))
    assert_ok(nox.run(project, "check_generated"))
    regenerated = (project / PACKAGE / "models" / "music_generate_request.py").read_text()
    assert "seed: int | Unset = UNSET" in regenerated


# -- (d) a hand-edited generated tree fails ------------------------------------------


def _edit_model(package: Path) -> str:
    path = package / "models" / "music_generate_response.py"
    path.write_text(path.read_text() + "# hand edit\n")
    return "-# hand edit"


def _edit_shipped_spec(package: Path) -> str:
    path = package / "openapi.json"
    text = path.read_text()
    assert text.count('"version": "1.0.0"') == 1
    path.write_text(text.replace('"version": "1.0.0"', '"version": "1.0.1"'))
    return '-    "version": "1.0.1",'


def _add_stray_cache(package: Path) -> str:
    (package / ".ruff_cache").mkdir()
    (package / ".ruff_cache" / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55"
    )
    return "only in generated/ (not produced by the generator): .ruff_cache/CACHEDIR.TAG"


def _remove_module(package: Path) -> str:
    (package / "models" / "debug_options.py").unlink()
    return "missing from generated/: models/debug_options.py"


def test_check_generated_fails_when_generated_code_is_tampered_with(
    nox: Nox, project: Path
) -> None:
    # One nox run for four kinds of tampering (each run costs about 1.5 s);
    # each must be named in the report on its own.
    tampers = [_edit_model, _edit_shipped_spec, _add_stray_cache, _remove_module]
    expected = [tamper(project / PACKAGE) for tamper in tampers]

    result = nox.run(project, "check_generated")

    assert_drift_reported(result)
    lines = result.stdout.splitlines()
    missing = [line for line in expected if line not in lines]
    assert missing == [], result.describe()


def test_check_generated_fails_on_a_single_hand_edit(nox: Nox, project: Path) -> None:
    expected = _edit_model(project / PACKAGE)

    result = nox.run(project, "check_generated")

    assert_drift_reported(result)
    assert "--- generated/ai_stats_gateway/models/music_generate_response.py" in result.stdout
    assert expected in result.stdout.splitlines()


def test_check_generated_fails_when_the_package_is_missing(nox: Nox, project: Path) -> None:
    shutil.rmtree(project / PACKAGE)

    result = nox.run(project, "check_generated")

    assert result.returncode != 0, result.describe()
    assert "generated/ai_stats_gateway is missing: run `nox -s generate`" in result.output


# -- the generator and its config alone, from the current environment -----------------


def _generator(output: Path, *, config: Path | None = None, env: dict[str, str]) -> None:
    subprocess.run(
        [
            "openapi-python-client",
            "generate",
            "--path",
            str(ROOT / "openapi.yaml"),
            "--config",
            str(config or ROOT / "generator-config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(output),
            "--overwrite",
            "--fail-on-warning",
        ],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def generator_env() -> dict[str, str]:
    """PATH with this interpreter's bin first (the hooks call ``ruff`` by name).

    No RUFF_NO_CACHE here, unlike in the noxfile: the config's own hooks must
    keep the output clean.
    """
    bindir = Path(sys.executable).parent
    versions = {
        "openapi-python-client": _pin("GENERATOR"),
        "ruff": _pin("RUFF"),
    }
    for tool, pinned in versions.items():
        exe = bindir / tool
        if not exe.exists():
            pytest.skip(f"{tool} is not installed beside {sys.executable}")
        shown = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, check=True
        ).stdout
        if pinned not in shown.split():
            pytest.skip(f"{tool} here is {shown.strip()!r}, noxfile.py pins {pinned}")
    env = {k: v for k, v in os.environ.items() if k != "RUFF_NO_CACHE"}
    env["PATH"] = os.pathsep.join([str(bindir), env.get("PATH", "")])
    return env


def test_the_generator_alone_is_deterministic_and_leaves_no_cache(
    tmp_path: Path, generator_env: dict[str, str]
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _generator(one, env=generator_env)
    _generator(two, env=generator_env)
    assert caches_in(one) == caches_in(two) == []
    assert tree(one) == tree(two)
    expected = {k: v for k, v in committed_tree().items() if k not in {"py.typed", "openapi.json"}}
    assert tree(one) == expected


@pytest.mark.slow
def test_generated_code_does_not_depend_on_the_users_ruff_config(
    tmp_path: Path, generator_env: dict[str, str]
) -> None:
    user_config = tmp_path / "xdg" / "ruff"
    user_config.mkdir(parents=True)
    (user_config / "ruff.toml").write_text('line-length = 120\n[format]\nquote-style = "single"\n')
    env = {**generator_env, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    out = tmp_path / "out"
    _generator(out, env=env)
    expected = {k: v for k, v in committed_tree().items() if k not in {"py.typed", "openapi.json"}}
    assert tree(out) == expected
