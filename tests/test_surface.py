"""The public surface of both packages is pinned in tests/surface/*.txt.

Any change to it (a new method, a removed field, a changed default) fails here
until ``nox -s surface`` rewrites the snapshot, so that it shows up as a
reviewed diff in the commit that makes it. ``nox -s breaking`` classifies the
changes since a git ref with griffe.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path

import attrs
import griffe
import pytest
from _repo import Nox, copy_worktree, shared_nox

import ai_stats_gateway.models
import ai_stats_music
from tools import surface as _surface


@pytest.fixture(scope="module")
def surface() -> dict[str, str]:
    return _surface.render()


def _lines(surface: dict[str, str]) -> set[str]:
    return {line for text in surface.values() for line in text.splitlines()}


def test_the_public_surface_matches_the_committed_snapshot() -> None:
    diff = _surface.diff()
    if diff:
        pytest.fail(
            "The public surface differs from tests/surface/ (- committed, + now):\n\n"
            f"{diff}\n"
            "If the change is intended, run `nox -s surface` and commit the snapshot with it.",
            pytrace=False,
        )


def test_every_name_the_overlay_exports_is_listed(surface: dict[str, str]) -> None:
    listed = {_surface.path_of(line) for line in surface["ai_stats_music"].splitlines()}
    missing = [n for n in ai_stats_music.__all__ if f"ai_stats_music.{n}" not in listed]
    assert missing == []


def test_every_field_of_every_generated_model_is_listed_with_its_type(
    surface: dict[str, str],
) -> None:
    lines = surface["ai_stats_gateway"].splitlines()
    checked = 0
    for name in ai_stats_gateway.models.__all__:
        cls = getattr(ai_stats_gateway.models, name)
        if not attrs.has(cls):
            continue  # the enums: their members are listed as attributes
        path = f"{cls.__module__}.{cls.__qualname__}"
        assert f"alias ai_stats_gateway.models.{name} -> {path}" in lines
        for field in attrs.fields(cls):
            if not field.init:
                continue
            prefix = f"field {path}.{field.name}: "
            found = [line for line in lines if line.startswith(prefix)]
            assert len(found) == 1, prefix
            checked += 1
    assert checked > 50


def test_the_overlay_models_fields_are_listed_with_types(surface: dict[str, str]) -> None:
    lines = _lines(surface)
    for cls in (ai_stats_music.MusicJob, ai_stats_music.MusicClip, ai_stats_music.RetryPolicy):
        for field in attrs.fields(cls):
            if field.name.startswith("_") and not field.init:
                continue  # private state, not part of the surface
            prefix = f"field ai_stats_music.{cls.__name__}.{field.name}: "
            assert any(line.startswith(prefix) for line in lines), prefix


def test_private_modules_do_not_appear(surface: dict[str, str]) -> None:
    """Names re-exported from private modules are listed where users import them."""
    for line in _lines(surface):
        parents = _surface.path_of(line).split(".")[:-1]
        assert not any(p.startswith("_") for p in parents), line


def test_docstrings_are_not_part_of_the_surface(surface: dict[str, str]) -> None:
    module = importlib.import_module("ai_stats_gateway.models.music_generate_request")
    assert "Gateway debug controls. These flags are never forwarded upstream." in (
        module.__doc__ or ""
    ) + str(module.MusicGenerateRequest.__doc__)
    assert "Gateway debug controls" not in "".join(surface.values())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def f(a: int, /, b, *args: str, c, d: int = 1, **kw: object) -> int: ...",
            "(a: int, /, b, *args: str, c, d: int = 1, **kw: object) -> int",
        ),
        ("def f(a, *, b=2): ...", "(a, *, b=2)"),
        ("def f(a, /): ...", "(a, /)"),
    ],
)
def test_signatures_keep_every_marker(source: str, expected: str) -> None:
    with griffe.temporary_visited_module(source) as module:
        function = module["f"]
        assert isinstance(function, griffe.Function)
        assert _surface._signature(function) == expected


# -- nox -s breaking -------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def nox(tmp_path_factory: pytest.TempPathFactory) -> Nox:
    return shared_nox(tmp_path_factory)


@pytest.mark.slow
def test_breaking_lists_breaking_changes_since_a_ref(nox: Nox, tmp_path: Path) -> None:
    repo = copy_worktree(tmp_path / "repo")
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "base")

    clean = nox.run(repo, "breaking", "HEAD")
    assert clean.returncode == 0, clean.describe()
    assert "0 breaking change(s) since HEAD" in clean.output

    # A field removed from a model, a module removed from each package.
    model = repo / "generated/ai_stats_gateway/models/music_generate_request.py"
    text = model.read_text()
    assert text.count("    duration: int | Unset = UNSET\n") == 1
    model.write_text(text.replace("    duration: int | Unset = UNSET\n", ""))
    (repo / "generated/ai_stats_gateway/api/gateway/generate_music_alias.py").unlink()
    (repo / "overlays/ai_stats_music/testing/pytest_plugin.py").unlink()
    _git(repo, "commit", "--quiet", "--all", "-m", "break things")

    result = nox.run(repo, "breaking")  # no tag yet: against the previous commit

    assert result.returncode != 0, result.describe()
    assert "3 breaking change(s) since HEAD~1" in result.output, result.describe()
    expected = [
        "generated/ai_stats_gateway/models/music_generate_request.py:0: "
        "MusicGenerateRequest.duration: Public object was removed",
        "generated/ai_stats_gateway/api/gateway/generate_music_alias.py:0: "
        "<module>: Public object was removed",
        "overlays/ai_stats_music/testing/pytest_plugin.py:0: <module>: Public object was removed",
    ]
    listed = sorted(line for line in result.stdout.splitlines() if ": " in line)
    assert listed == sorted(expected), result.describe()
    assert "\x1b[" not in result.output  # plain text, for CI logs

    # With a release tagged, the default is the last tag; --allow lists without failing.
    _git(repo, "tag", "v0.1.0", "HEAD~1")
    allowed = nox.run(repo, "breaking", "--allow")
    assert allowed.returncode == 0, allowed.describe()
    assert "3 breaking change(s) since v0.1.0" in allowed.output


def test_the_check_command_passes_on_the_committed_snapshot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What `python -m tools.surface check` answers (the drill runs it on a changed copy).
    assert _surface.main(["check"]) == 0
    assert capsys.readouterr().out == "the public surface matches tests/surface/\n"


def test_no_private_name_appears_in_the_overlays_public_surface(surface: dict[str, str]) -> None:
    """A signature, base class or default that names ``_something`` leaks an
    implementation detail users cannot import or rely on (issue 13, item 7)."""
    private = re.compile(r"(?<![A-Za-z0-9_.])_[A-Za-z][A-Za-z0-9_]*|\._[a-z][A-Za-z0-9_]*")
    leaks = [
        line
        for name, text in surface.items()
        if name.startswith("ai_stats_music")
        for line in text.splitlines()
        if any(not m.group(0).lstrip(".").startswith("__") for m in private.finditer(line))
    ]
    assert leaks == []
