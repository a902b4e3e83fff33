"""Regeneration drill: the spec changes users will live through, rehearsed on a copy.

Each case edits ``openapi.yaml`` in a copy of the work tree, runs ``nox -s
generate`` there, and then looks at what a maintainer would: the generated
package, the overlay (untouched, still importing, its tests over the fake
gateway still passing) and the surface diff.

* An additive change (an optional request field, a new operation, a reworded
  description) must come through with no edit under ``overlays/`` and show up
  in the surface diff as additions only.
* Removing a field the overlay relies on must fail loudly, naming the field,
  rather than ship.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _repo import (
    Nox,
    copy_worktree,
    files,
    shared_nox,
    smoke_run,
)
from _support import run, run_ok

pytestmark = pytest.mark.slow

GATEWAY = Path("generated") / "ai_stats_gateway"
# Tests of this repository that drive the overlay over the fake gateway.
OVERLAY_TESTS = re.compile(r"fake_gateway|FakeGateway|run_fake_gateway|\baclient\b")
NOT_OVERLAY_TESTS = {"test_drill.py", "test_install.py", "test_vendor.py", "test_surface.py"}

DEBUG_REF = "        debug:\n          $ref: '#/components/schemas/DebugOptions'\n"
SEED = (
    "        seed:\n"
    "          type: integer\n"
    "          description: Random seed, for a reproducible result.\n"
)
# The request's prompt has no description yet: the drill gives it one.
OLD_PROMPT = "        prompt:\n          type: string\n        duration:\n"
NEW_PROMPT = (
    "        prompt:\n"
    "          type: string\n"
    "          description: What the music should sound like, in a sentence or two.\n"
    "        duration:\n"
)
CANCEL = """\
  /music/generate/{music_id}/cancel:
    post:
      tags:
        - Gateway
      summary: Cancel a music generation
      description: Stops a queued or running job; a finished job is left as it is.
      operationId: cancelMusicGeneration
      parameters:
        - name: music_id
          in: path
          required: true
          description: The ID of the music generation request.
          schema:
            type: string
      responses:
        '200':
          description: The job, as it is after the cancellation
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/MusicGenerateResponse'
"""
DURATION = "        duration:\n          type: integer\n"


@pytest.fixture(scope="module")
def nox(tmp_path_factory: pytest.TempPathFactory) -> Nox:
    return shared_nox(tmp_path_factory)


def _tools_env(project: Path) -> dict[str, str]:
    """The environment to run the copy's tools/ in (``python -m tools.surface``), not ours."""
    return dict(os.environ, PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the work tree whose surface snapshot is up to date with its source.

    (Whether the committed snapshot is up to date is test_surface's business;
    here the diff must show the spec change and nothing else.)
    """
    project = copy_worktree(tmp_path / "project")
    run_ok([sys.executable, "-m", "tools.surface", "write"], cwd=project, env=_tools_env(project))
    return project


def _edit_spec(project: Path, *replacements: tuple[str, str]) -> None:
    spec = project / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"openapi.yaml changed: update the drill ({old!r})"
        text = text.replace(old, new)
    spec.write_text(text, encoding="utf-8")


def _generate(nox: Nox, project: Path) -> None:
    result = nox.run(project, "generate")
    assert result.returncode == 0, result.describe()


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _env(project: Path) -> dict[str, str]:
    """This interpreter, with the copy's packages ahead of the installed (editable) ones."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(project / "overlays"), str(project / "generated")])
    return env


def _overlay_tests(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The repository's non-slow tests that use the fake gateway, run in the copy."""
    tests = sorted(
        p.name
        for p in (project / "tests").glob("test_*.py")
        if p.name not in NOT_OVERLAY_TESTS and OVERLAY_TESTS.search(p.read_text())
    )
    assert tests, "no test uses the fake gateway?"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"]
    return run(
        [*command, *extra, *(f"tests/{t}" for t in tests)],
        cwd=project,
        env=_env(project),
        timeout=300,
    )


def _surface_check(project: Path) -> subprocess.CompletedProcess[str]:
    return run(
        [sys.executable, "-m", "tools.surface", "check"], cwd=project, env=_tools_env(project)
    )


def _diff_lines(output: str) -> tuple[list[str], list[str]]:
    """The lines a surface diff adds and removes."""
    lines = [line for line in output.splitlines() if not line.startswith(("+++", "---"))]
    added = [line[1:] for line in lines if line.startswith("+")]
    removed = [line[1:] for line in lines if line.startswith("-")]
    return added, removed


def _smoke(
    project: Path, tmp_path: Path, *, extra_body: dict[str, object] | None = None
) -> dict[str, Any]:
    """A create-and-wait with the copy's packages (client and fake gateway alike)."""
    paths = [project / "overlays", project / "generated"]
    gateway, result = smoke_run(
        tmp_path / "scripts",
        sys.executable,
        "ai_stats_music",
        gateway_paths=paths,
        paths=paths,
        extra_body=extra_body,
    )
    assert Path(gateway["module"]).is_relative_to(project)
    return result


# -- an additive change ------------------------------------------------------------------


def test_an_additive_spec_change_needs_no_overlay_edit(
    nox: Nox, project: Path, tmp_path: Path
) -> None:
    overlay_before = files(project / "overlays")
    generated_before = files(project / GATEWAY)
    _edit_spec(
        project,
        (DEBUG_REF, DEBUG_REF + SEED),
        (OLD_PROMPT, NEW_PROMPT),
        # The paths end where the top-level tags begin (the source's order).
        ("\ntags:\n", "\n" + CANCEL + "tags:\n"),
    )

    _generate(nox, project)

    # The generated package has the field and the operation, and nothing else changed.
    generated = files(project / GATEWAY)
    assert _changed(generated_before, generated) == [
        "api/gateway/cancel_music_generation.py",
        "models/music_generate_request.py",
        "openapi.json",
    ]
    model = generated["models/music_generate_request.py"].decode()
    assert "    seed: int | Unset = UNSET\n" in model
    assert "What the music should sound like" in model
    operation = generated["api/gateway/cancel_music_generation.py"].decode()
    for function in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
        assert f"def {function}(\n    music_id: str,\n" in operation

    # Nothing under overlays/ was touched ...
    assert files(project / "overlays") == overlay_before
    # ... the overlay imports, sends the new field (extra_body) past the fake
    # gateway's validation against the new spec, and waits for the job ...
    result = _smoke(project, tmp_path, extra_body={"seed": 7})
    assert Path(result["module"]).is_relative_to(project / "overlays")
    # ... and reaches the new operation through the raw client.
    raw = run_ok(
        [
            sys.executable,
            "-c",
            "import ai_stats_music\n"
            "from ai_stats_gateway.api.gateway import cancel_music_generation as op\n"
            "c = ai_stats_music.MusicClient(api_key='sk-drill-key', base_url='http://127.0.0.1:9')\n"
            "assert callable(op.sync) and c.raw is not None\n"
            "print(op._get_kwargs('job-1'))\n",
        ],
        env=_env(project),
        timeout=60,
    )
    assert "'url': '/music/generate/job-1/cancel'" in raw.stdout

    # The overlay's tests over the fake gateway still pass.
    tests = _overlay_tests(project)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-2000:]

    # The surface check reports exactly the additions.
    check = _surface_check(project)
    assert check.returncode == 1, check.stdout + check.stderr
    added, removed = _diff_lines(check.stdout)
    assert removed == []
    op = "ai_stats_gateway.api.gateway.cancel_music_generation"
    signature = "(music_id: str, *, client: AuthenticatedClient | Client)"
    assert sorted(added) == sorted(
        [
            f"module {op}",
            f"async def {op}.asyncio{signature} -> MusicGenerateResponse | None",
            f"async def {op}.asyncio_detailed{signature} -> Response[MusicGenerateResponse]",
            f"def {op}.sync{signature} -> MusicGenerateResponse | None",
            f"def {op}.sync_detailed{signature} -> Response[MusicGenerateResponse]",
            "field ai_stats_gateway.models.music_generate_request.MusicGenerateRequest.seed: "
            "int | Unset = UNSET",
        ]
    ), check.stdout

    # `nox -s surface` records it, and the check passes again.
    written = nox.run(project, "surface")
    assert written.returncode == 0, written.describe()
    assert "rewrote tests/surface/ai_stats_gateway.txt" in written.output
    assert "ai_stats_music.txt" not in written.output
    again = _surface_check(project)
    assert again.returncode == 0, again.stdout


# -- a field the overlay relies on is removed -------------------------------------------


def test_removing_a_field_the_overlay_uses_fails_naming_the_field(
    nox: Nox, project: Path, tmp_path: Path
) -> None:
    overlay_before = files(project / "overlays")
    _edit_spec(project, (DURATION, ""))

    _generate(nox, project)  # the generator has no way to know

    assert "duration" not in files(project / GATEWAY)["models/music_generate_request.py"].decode()
    assert files(project / "overlays") == overlay_before

    # The overlay refuses to import, and the error names the field ...
    done = run([sys.executable, "-c", "import ai_stats_music"], cwd=tmp_path, env=_env(project))
    assert done.returncode != 0, done.stdout
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("ImportError:"), done.stderr
    assert re.search(r"\bduration\b", error), done.stderr

    # ... and so do the overlay's tests: this cannot ship.
    tests = _overlay_tests(project, "-x")
    assert tests.returncode != 0, tests.stdout[-3000:]
    output = tests.stdout + tests.stderr
    assert re.search(r"Error: .*\bduration\b", output), output[-5000:]

    # The surface diff shows the removal, the one line to review.
    check = _surface_check(project)
    added, removed = _diff_lines(check.stdout)
    assert added == []
    assert removed == [
        "field ai_stats_gateway.models.music_generate_request.MusicGenerateRequest.duration: "
        "int | Unset = UNSET"
    ]
