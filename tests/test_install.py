"""The distribution: ``nox -s build`` makes an sdist and a wheel that install and work.

The build runs in a copy of the work tree; the wheel is installed into a fresh
virtual environment and used from a directory outside any source tree, with
``python -I`` so that neither the current directory nor PYTHONPATH can lend it
the packages from the repository.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from _repo import (
    Nox,
    copy_worktree,
    fresh_venv,
    shared_nox,
    smoke_run,
    uv,
)
from _support import run_ok

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path  # built by `nox -s build`, from the sdist
    direct_wheel: Path  # built straight from the source tree


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    nox: Nox = shared_nox(tmp_path_factory)
    project = copy_worktree(tmp_path_factory.mktemp("build") / "project")
    result = nox.run(project, "build")
    assert result.returncode == 0, result.describe()
    (sdist,) = (project / "dist").glob("*.tar.gz")
    (wheel,) = (project / "dist").glob("*.whl")
    direct = tmp_path_factory.mktemp("direct")
    subprocess.run(
        [uv(), "build", "--wheel", "--quiet", "--out-dir", str(direct), str(project)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (direct_wheel,) = direct.glob("*.whl")
    return Built(sdist, wheel, direct_wheel)


@pytest.fixture(scope="module")
def venv(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the wheel and its testing extra; its python."""
    where = tmp_path_factory.mktemp("installed")
    return fresh_venv(where / "venv", f"ai-stats-music[testing] @ {built.wheel.as_uri()}")


def _run(python: Path, code: str, cwd: Path) -> str:
    return run_ok([str(python), "-I", "-c", code], cwd=cwd, timeout=60).stdout


def test_the_sdist_builds_the_same_wheel_as_the_repository(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as from_sdist, zipfile.ZipFile(built.direct_wheel) as direct:
        names = sorted(from_sdist.namelist())
        assert names == sorted(direct.namelist())
        differ = [n for n in names if from_sdist.read(n) != direct.read(n)]
    assert differ == []
    tops = {n.split("/")[0] for n in names}
    (dist_info,) = tops - {"ai_stats_music", "ai_stats_gateway"}
    assert dist_info.endswith(".dist-info")


def test_the_sdist_holds_the_spec_and_both_packages(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = sdist.getnames()
    top = names[0].split("/")[0]
    entries = {n.split("/")[1] for n in names if n.count("/") >= 1}
    assert entries == {
        ".gitignore",  # hatchling always ships it
        "PKG-INFO",
        "README.md",
        "pyproject.toml",
        "openapi.yaml",
        "generator-config.yaml",
        "generated",
        "overlays",
    }
    assert f"{top}/generated/ai_stats_gateway/openapi.json" in names
    assert not [n for n in names if "__pycache__" in n or ".ruff_cache" in n]


def test_the_wheel_installs_both_typed_packages(venv: Path, tmp_path: Path) -> None:
    code = """
import json, importlib, importlib.metadata as md
from importlib import resources
out = {}
for name in ("ai_stats_music", "ai_stats_gateway", "ai_stats_music.testing"):
    out[name] = importlib.import_module(name).__file__
for name in ("ai_stats_music", "ai_stats_gateway"):
    out[name + "/py.typed"] = resources.files(name).joinpath("py.typed").is_file()
out["openapi.json"] = resources.files("ai_stats_gateway").joinpath("openapi.json").is_file()
import ai_stats_music
out["version"] = [ai_stats_music.__version__, md.version("ai-stats-music")]
print(json.dumps(out))
"""
    out = json.loads(_run(venv, code, cwd=tmp_path))
    site = venv.parent.parent
    for name in ("ai_stats_music", "ai_stats_gateway", "ai_stats_music.testing"):
        assert Path(out[name]).is_relative_to(site), out
    assert out["ai_stats_music/py.typed"] is True
    assert out["ai_stats_gateway/py.typed"] is True
    assert out["openapi.json"] is True
    assert out["version"][0] == out["version"][1]


def test_the_console_script_shows_its_help(built: Built, venv: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        has_cli = "ai_stats_music/cli.py" in wheel.namelist()
        entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
        assert "ai-stats-music = ai_stats_music.cli:main" in wheel.read(entry_points).decode()
    if not has_cli:
        pytest.skip("ai_stats_music/cli.py is not written yet: `ai-stats-music --help` waits")
    done = run_ok([str(venv.parent / "ai-stats-music"), "--help"], cwd=tmp_path, timeout=60)
    assert "usage: ai-stats-music" in done.stdout


def test_the_installed_wheel_runs_a_create_and_wait(venv: Path, tmp_path: Path) -> None:
    # The wheel's own fake gateway, and the wheel's client.
    gateway, result = smoke_run(tmp_path / "scripts", venv, "ai_stats_music", gateway_python=venv)
    site = venv.parent.parent
    assert Path(gateway["module"]).is_relative_to(site)
    assert Path(result["module"]).is_relative_to(site)
