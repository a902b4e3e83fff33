"""tools/release.py: the version a release needs, given the breaking changes since the last.

The decision is checked on its own (no git, no surface); ``check`` against
small git repositories made in a temporary directory, for what it reads from
git: no tag, the tagged commit itself, a version that did not move.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from tools.release import (
    VERSION_FILE,
    ReleaseError,
    bump_of,
    check,
    last_tag,
    required_bump,
    verdict,
    version_in,
)

BREAKS = ["ai_stats_music.MusicClient.get(job_id): Parameter was removed"]


@pytest.mark.parametrize(
    ("last", "breaking", "need"),
    [
        ("0.1.0", False, "patch"),
        ("0.1.0", True, "minor"),
        ("0.9.3", True, "minor"),
        ("1.0.0", False, "patch"),
        ("1.0.0", True, "major"),
        ("2.3.4", True, "major"),
    ],
)
def test_required_bump_follows_the_0x_rule(last: str, breaking: bool, need: str) -> None:
    assert required_bump(Version(last), breaking=breaking) == need


@pytest.mark.parametrize(
    ("last", "new", "bump"),
    [
        ("0.1.0", "0.1.1", "patch"),
        ("0.1.0", "0.2.0", "minor"),
        ("0.1.0", "1.0.0", "major"),
        ("1.4.0", "2.0.0rc1", "major"),
        ("1.4.0", "1.4.0.post1", "patch"),
        ("1.4.0rc1", "1.4.0", "patch"),
        ("1.4", "1.4.1", "patch"),
        ("0.1.0", "0.1.0", None),
        ("0.2.0", "0.1.9", None),
        ("1.4.0", "1.4.0rc1", None),
    ],
)
def test_bump_of_names_the_part_raised(last: str, new: str, bump: str | None) -> None:
    assert bump_of(Version(last), Version(new)) == bump


@pytest.mark.parametrize(
    ("last", "new", "breaking", "fails"),
    [
        ("0.1.0", "0.1.1", [], False),
        ("0.1.0", "0.1.1", BREAKS, True),  # a 0.x patch may not break
        ("0.1.0", "0.2.0", BREAKS, False),  # a 0.x minor may
        ("0.1.0", "1.0.0", BREAKS, False),
        ("1.2.0", "1.3.0", BREAKS, True),  # from 1.0 on a minor may not
        ("1.2.0", "2.0.0", BREAKS, False),
        ("1.2.0", "1.3.0", [], False),
        ("1.2.0", "1.2.0", [], True),  # not raised at all
        ("1.2.0", "1.1.0", [], True),
    ],
)
def test_verdict(last: str, new: str, breaking: list[str], fails: bool) -> None:
    problem = verdict(Version(last), Version(new), breaking)
    assert (problem is not None) is fails
    if problem is not None:
        assert VERSION_FILE in problem
        if breaking and bump_of(Version(last), Version(new)) is not None:
            assert f"{len(breaking)} breaking change(s)" in problem


def test_version_in_reads_the_assignment() -> None:
    assert version_in('"""Doc."""\n\n__version__ = "0.3.0rc2"\n') == Version("0.3.0rc2")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__version__ = 'one'\n", "is not a version"),
        ("VERSION = '1.0'\n", "no `__version__"),
        ("__version__ = (1, 0)\n", "no `__version__"),
        ("__version__ = \n", "not Python"),
    ],
)
def test_version_in_refuses_what_it_cannot_read(source: str, message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        version_in(source)


# -- against git --------------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _commit_version(root: Path, version: str) -> None:
    path = root / VERSION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"version {version}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    _commit_version(tmp_path, "0.1.0")
    return tmp_path


def test_without_a_tag_the_check_passes_and_says_why(repo: Path) -> None:
    assert last_tag(repo) is None
    ok, lines = check(None, repo)
    assert ok
    assert "no release tag yet" in lines[0]


def test_on_the_tagged_commit_itself_the_check_passes(repo: Path) -> None:
    _git(repo, "tag", "v0.1.0")
    assert last_tag(repo) == "v0.1.0"
    ok, lines = check(None, repo)
    assert ok
    assert lines == ["HEAD is v0.1.0 itself: 0.1.0 is already released"]


def test_a_version_left_where_the_last_tag_put_it_fails(repo: Path) -> None:
    _git(repo, "tag", "v0.1.0")
    (repo / "later.txt").write_text("a change\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "later")
    ok, lines = check(None, repo)
    assert not ok
    assert "does not come after 0.1.0" in lines[-1]


def test_a_ref_without_the_version_file_is_a_clear_error(repo: Path) -> None:
    (repo / VERSION_FILE).unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "gone")
    _git(repo, "tag", "v0")
    _commit_version(repo, "0.2.0")
    with pytest.raises(ReleaseError, match="cannot read"):
        check("v0", repo)
