"""Vendoring: ``nox -s vendor -- DEST`` copies the client into a user's package.

The copy must work from there with no ``ai-stats-music`` installed: it never
imports the top-level names ``ai_stats_music`` / ``ai_stats_gateway``, and it
runs a create-and-wait in an environment that has only httpx and attrs. The
fake gateway it talks to runs in another process, from the installed dev
package, so nothing of the package leaks into the client's environment.
"""

from __future__ import annotations

import ast
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest
from _repo import (
    Nox,
    files,
    fresh_venv,
    shared_nox,
    smoke_run,
)
from _support import ROOT, absolute_imports

pytestmark = pytest.mark.slow

TOP_LEVEL = {"ai_stats_music", "ai_stats_gateway"}
VENDORED = "myservice/_vendor"


@pytest.fixture(scope="module")
def nox(tmp_path_factory: pytest.TempPathFactory) -> Nox:
    return shared_nox(tmp_path_factory)


def _new_service(root: Path) -> Path:
    (root / "myservice").mkdir(parents=True)
    (root / "myservice" / "__init__.py").write_text('"""A user\'s service."""\n')
    return root


@pytest.fixture(scope="module")
def service(nox: Nox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A service package with the client vendored under myservice/_vendor."""
    root = _new_service(tmp_path_factory.mktemp("service"))
    # DEST is relative to where nox is run, as a user would type it.
    result = nox.run(ROOT, "vendor", VENDORED, cwd=root)
    assert result.returncode == 0, result.describe()
    return root


def _absolute_imports(top: Path) -> list[str]:
    return [
        f"{path.relative_to(top)}:{node.lineno}: {ast.unparse(node)}"
        for path in sorted(top.rglob("*.py"))
        for node in absolute_imports(path, TOP_LEVEL)
    ]


def test_the_copy_imports_neither_top_level_name(service: Path) -> None:
    vendor = service / VENDORED
    assert sorted(p.name for p in vendor.iterdir()) == [
        "__init__.py",
        "ai_stats_gateway",
        "ai_stats_music",
    ]
    assert _absolute_imports(vendor) == []


def test_the_copy_is_the_packages_with_only_the_door_rewritten(service: Path) -> None:
    vendor = service / VENDORED
    assert files(vendor / "ai_stats_gateway") == files(ROOT / "generated" / "ai_stats_gateway")
    copied, source = files(vendor / "ai_stats_music"), files(ROOT / "overlays" / "ai_stats_music")
    assert copied.keys() == source.keys()
    assert [k for k in source if copied[k] != source[k]] == ["_gen.py"]
    door = copied["_gen.py"].decode()
    assert "from .. import ai_stats_gateway as package\n" in door
    assert "from ..ai_stats_gateway.api.gateway import " in door
    assert "py.typed" in copied
    assert "openapi.json" in files(vendor / "ai_stats_gateway")  # the fake gateway reads it


def test_the_copy_runs_a_create_and_wait_with_only_httpx_and_attrs(
    service: Path, tmp_path: Path
) -> None:
    python = fresh_venv(
        tmp_path / "venv", f"httpx=={version('httpx')}", f"attrs=={version('attrs')}"
    )
    # The gateway runs on this interpreter, which has the package and its testing extra.
    _, result = smoke_run(
        tmp_path / "scripts", python, "myservice._vendor.ai_stats_music", paths=[service]
    )
    assert Path(result["module"]).is_relative_to(service / VENDORED)
    # Neither name was imported, and neither could have been.
    assert result["loaded"] == []
    assert result["importable"] == []


def test_vendoring_again_replaces_the_previous_copy(nox: Nox, tmp_path: Path) -> None:
    root = _new_service(tmp_path / "svc")
    stale = root / VENDORED / "ai_stats_music" / "_removed_since.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("")

    result = nox.run(ROOT, "vendor", VENDORED, cwd=root)

    assert result.returncode == 0, result.describe()
    assert not stale.exists()
    assert (root / VENDORED / "__init__.py").read_text() == ""  # created: DEST is a package
    assert (root / VENDORED / "ai_stats_music" / "_gen.py").exists()


def test_vendor_refuses_imports_by_name_outside_the_door(nox: Nox, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("noxfile.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, project / name)
    for tree in ("overlays", "generated", "tools"):
        shutil.copytree(ROOT / tree, project / tree, ignore=shutil.ignore_patterns("__pycache__"))
    testing = project / "overlays" / "ai_stats_music" / "testing"
    (testing / "_stray.py").write_text(
        "import importlib\n\nfrom ai_stats_gateway.models import MusicGenerateRequest\n\n"
        "spec = importlib.import_module('ai_stats_music.testing')\n"
    )
    root = _new_service(tmp_path / "svc")

    result = nox.run(project, "vendor", VENDORED, cwd=root)

    assert result.returncode != 0, result.describe()
    assert "ai_stats_music/testing/_stray.py:3: from ai_stats_gateway.models import" in (
        result.output
    )
    assert "ai_stats_music/testing/_stray.py:5: importlib.import_module(" in result.output
    assert not (root / VENDORED).exists()  # nothing half-copied


def test_vendor_needs_a_destination(nox: Nox, tmp_path: Path) -> None:
    result = nox.run(ROOT, "vendor", cwd=tmp_path)
    assert result.returncode != 0
    assert "usage: nox -s vendor -- DEST" in result.output
