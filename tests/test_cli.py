"""The ``ai-stats-music`` command against the fake gateway.

Each command and each exit code is run at least once as a subprocess
(``python -m ai_stats_music.cli``, as a user runs it); variations of them call
``main()`` in this process (the ``run`` fixture), which is faster and checks
the same output. The gateway runs on real time (a subprocess cannot share a
virtual clock), so the jobs scripted here last fractions of a second. Every
run's output is checked for the API key.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any, Protocol

import pytest

from ai_stats_music import MusicClient
from ai_stats_music.cli import main
from ai_stats_music.testing import Clip, FakeGateway, Fault

SUNO = "suno/v4.5plus"
#: A key that must never appear in any output.
KNOWN_KEY = "sk-live-DO-NOT-PRINT-5f3a9c"


def cli(
    *args: str,
    gw: FakeGateway | None = None,
    key: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ai_stats_music.cli *args``; with ``gw``, pointed at it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AI_STATS_")}
    environ["PYTHONIOENCODING"] = "utf-8"
    if gw is not None:
        environ["AI_STATS_BASE_URL"] = gw.base_url
        environ["AI_STATS_API_KEY"] = gw.api_key
    if key is not None:
        environ["AI_STATS_API_KEY"] = key
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "ai_stats_music.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        cwd=cwd,
        timeout=60,
    )
    secret = environ.get("AI_STATS_API_KEY")
    if secret:
        assert secret not in result.stdout + result.stderr, "the API key was printed"
    return result


Result = subprocess.CompletedProcess[str]


class Run(Protocol):
    def __call__(
        self, *args: str, gw: FakeGateway | None = None, key: str | None = None
    ) -> Result: ...


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``main(args)`` in this process, with the environment ``cli()`` would give it."""

    def run_main(*args: str, gw: FakeGateway | None = None, key: str | None = None) -> Result:
        for name in [n for n in os.environ if n.startswith("AI_STATS_")]:
            monkeypatch.delenv(name)
        if gw is not None:
            monkeypatch.setenv("AI_STATS_BASE_URL", gw.base_url)
            monkeypatch.setenv("AI_STATS_API_KEY", gw.api_key)
        if key is not None:
            monkeypatch.setenv("AI_STATS_API_KEY", key)
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        secret = os.environ.get("AI_STATS_API_KEY")
        if secret:
            assert secret not in out + err, "the API key was printed"
        return subprocess.CompletedProcess(list(args), code, out, err)

    return run_main


def json_out(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def json_err(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.stdout == ""
    data: dict[str, Any] = json.loads(result.stderr)["error"]
    assert data["exit_code"] == result.returncode
    return data


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``error: ...`` line a failure prints (never a traceback)."""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def frames(path: Path) -> int:
    with wave.open(str(path), "rb") as audio:
        assert audio.getframerate() == 8000
        return audio.getnframes()


@pytest.fixture
def created(fake_gateway: FakeGateway) -> Any:
    """Create a job in this process: ``created(**script) -> job id``."""

    def create(**script: Any) -> str:
        fake_gateway.script(**script)
        with MusicClient(api_key=fake_gateway.api_key, base_url=fake_gateway.base_url) as c:
            return c.create(model=SUNO, prompt="x").id

    return create


# -- help, version, imports ---------------------------------------------------------------


# -- help, version, imports ---------------------------------------------------------------


def test_help_documents_the_commands_and_exit_codes(run: Run) -> None:
    result = cli("--help")
    assert result.returncode == 0
    for word in ("generate", "status", "wait", "download", "demo", "exit codes", "130", "--json"):
        assert word in result.stdout
    sub = run("generate", "--help")
    assert sub.returncode == 0
    assert "--duration" in sub.stdout
    assert "exit codes" in sub.stdout


def test_version_and_the_console_script() -> None:
    script = Path(sys.executable).parent / "ai-stats-music"
    if not script.exists():  # not an installed environment: the module, then
        result = cli("--version")
    else:
        result = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("ai-stats-music ")


def test_importing_the_package_does_not_import_the_command_line() -> None:
    code = (
        "import sys, ai_stats_music; "
        "assert not {'ai_stats_music.cli', 'ai_stats_music._cli', 'argparse'} & set(sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# -- generate ------------------------------------------------------------------------------


def test_generate_starts_a_job_and_prints_it(fake_gateway: FakeGateway, run: Run) -> None:
    result = cli(
        "generate", "rainy jazz", "--duration", "5", "--format", "wav", "--json", gw=fake_gateway
    )
    assert result.returncode == 0, result.stderr
    job = json_out(result)["job"]
    assert job["status"] == "queued"
    assert fake_gateway.job(job["id"]).request == {
        "model": SUNO,
        "prompt": "rainy jazz",
        "duration": 5,
        "format": "wav",
    }
    human = run("generate", "rainy jazz", gw=fake_gateway)
    assert human.returncode == 0
    assert "created job task_000002" in human.stdout
    quiet = run("--quiet", "generate", "rainy jazz", gw=fake_gateway)
    assert quiet.stdout == "task_000003\n"
    assert quiet.stderr == ""


def test_generate_wait_downloads_the_clips(fake_gateway: FakeGateway, tmp_path: Path) -> None:
    fake_gateway.script(timeline=[("queued", 0.1), ("in_progress", 0.2)], clips=2)
    out = tmp_path / "songs"  # created by the command
    result = cli("generate", "x", "--wait", "--out", str(out), "--json", gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress under --json when stderr is not a terminal
    data = json_out(result)
    assert data["job"]["status"] == "completed"
    paths = [Path(f["path"]) for f in data["files"]]
    assert sorted(p.name for p in paths) == ["Fake track 1.wav", "Fake track 2.wav"]
    for f in data["files"]:
        assert Path(f["path"]).stat().st_size == f["bytes"]
        assert frames(Path(f["path"])) == 8 * 8000
    assert sorted(os.listdir(out)) == ["Fake track 1.wav", "Fake track 2.wav"]


def test_generate_wait_shows_progress_as_plain_lines(
    fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    fake_gateway.script(timeline=[("queued", 0.1), ("in_progress", 0.2)], clips=1)
    result = cli("generate", "x", "--wait", gw=fake_gateway, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr  # not a terminal: plain lines
    assert "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"created job task_000001 ({SUNO})"
    assert any(line.startswith("task_000001: completed (") for line in lines)
    assert lines[-1].startswith("downloaded Fake track 1.wav (")
    assert str(tmp_path / "Fake track 1.wav") in result.stdout
    assert "usage: 1 clip(s), 8 s of audio" in result.stdout


def test_clips_that_share_a_title_get_a_file_each(
    fake_gateway: FakeGateway, run: Run, tmp_path: Path
) -> None:
    fake_gateway.script(timeline=[], clips=[Clip(title="Rain"), Clip(title="Rain")])
    result = run("generate", "x", "--wait", "--out", str(tmp_path), "-q", gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    names = ["Rain (1).wav", "Rain (2).wav"]
    assert sorted(os.listdir(tmp_path)) == names
    assert result.stdout.splitlines() == [str(tmp_path / n) for n in names]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_one_line_redrawn_in_place(
    fake_gateway: FakeGateway, created: Any, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = created(timeline=[("in_progress", 0.5)])
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    result = run("wait", job_id, gw=fake_gateway)
    assert result.returncode == 0, terminal.getvalue()
    shown = terminal.getvalue()
    redraws = shown.split("\r\x1b[K")  # each redraw erases the line first
    assert len(redraws) > 5  # the elapsed time ticks between polls
    assert any(r.startswith("[") and f"{job_id}  in progress  " in r for r in redraws)
    assert re.search(rf"\r\x1b\[K{job_id} completed in \d+\.\d s\n$", shown)
    assert shown.count("\n") == 1  # one final line; the rest was redrawn in place


# -- status, wait, download -----------------------------------------------------------------


def test_status_prints_the_job(fake_gateway: FakeGateway, created: Any, run: Run) -> None:
    job_id = created(timeline=[("in_progress", 60)])
    result = cli("status", job_id, "--json", gw=fake_gateway)  # --json after the command too
    assert result.returncode == 0, result.stderr
    assert json_out(result)["job"]["status"] == "in_progress"
    human = run("status", job_id, gw=fake_gateway)
    assert human.stdout.splitlines()[:2] == [f"job       {job_id}", "status    in_progress"]


def test_titles_cannot_send_escape_sequences_to_the_terminal(
    fake_gateway: FakeGateway, created: Any, run: Run
) -> None:
    job_id = created(timeline=[], clips=[Clip(title="\x1b[2Jgotcha\x07")])
    result = run("status", job_id, gw=fake_gateway)
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
    assert "\\x1b[2Jgotcha\\x07" in result.stdout


def test_wait_exits_0_with_the_completed_job(fake_gateway: FakeGateway, created: Any) -> None:
    job_id = created(timeline=[("in_progress", 0.2)])
    result = cli("--json", "wait", job_id, gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    assert json_out(result)["job"]["status"] == "completed"


def test_a_failed_job_exits_3(fake_gateway: FakeGateway, created: Any, run: Run) -> None:
    job_id = created(timeline=[], final="failed", error={"code": "nope", "message": "refused"})
    result = cli("wait", job_id, gw=fake_gateway)
    assert result.returncode == 3
    assert "failed" in one_error_line(result)
    error = json_err(run("wait", job_id, "--json", gw=fake_gateway))
    assert error["type"] == "MusicJobFailed"
    assert error["job_id"] == job_id
    assert error["job"]["error"] == {"code": "nope", "message": "refused"}


def test_a_wait_past_its_timeout_exits_4(fake_gateway: FakeGateway, created: Any, run: Run) -> None:
    job_id = created(timeline=[("in_progress", 600)])
    result = cli("wait", job_id, "--timeout", "0.3", gw=fake_gateway)
    assert result.returncode == 4
    assert f"ai-stats-music wait {job_id}" in one_error_line(result)
    error = json_err(run("wait", job_id, "--timeout", "0.2", "--json", gw=fake_gateway))
    assert error["type"] == "MusicJobTimeout"
    assert error["job"]["status"] == "in_progress"


def test_download_saves_the_clips_of_a_completed_job(
    fake_gateway: FakeGateway, created: Any, tmp_path: Path
) -> None:
    job_id = created(timeline=[], clips=[Clip(title="One", duration=1)])
    result = cli("download", job_id, "--out", str(tmp_path / "d"), gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tmp_path / 'd' / 'One.wav'}\n"
    assert frames(tmp_path / "d" / "One.wav") == 8000


def test_download_of_a_job_not_completed_is_a_clear_error(
    fake_gateway: FakeGateway, created: Any, run: Run, tmp_path: Path
) -> None:
    running = created(timeline=[("in_progress", 600)])
    result = cli("download", running, "--out", str(tmp_path), gw=fake_gateway)
    assert result.returncode == 6
    assert "not completed" in one_error_line(result)
    failed = created(timeline=[], final="failed")
    assert run("download", failed, "--out", str(tmp_path), gw=fake_gateway).returncode == 3
    assert os.listdir(tmp_path) == []


def test_a_broken_download_exits_1_and_leaves_nothing(
    fake_gateway: FakeGateway, created: Any, tmp_path: Path
) -> None:
    job_id = created(timeline=[], clips=[Clip(audio_size=2**20)])
    fake_gateway.inject(Fault.drop(mid_body=True), on="audio")
    result = cli("download", job_id, "--out", str(tmp_path), "--json", gw=fake_gateway)
    assert result.returncode == 1
    error = json_err(result)
    assert error["type"] == "DownloadError"
    assert os.listdir(tmp_path) == []


# -- failures and their exit codes ------------------------------------------------------------


def test_a_usage_error_exits_2(fake_gateway: FakeGateway) -> None:
    result = cli("generate", gw=fake_gateway)
    assert result.returncode == 2
    assert "PROMPT" in result.stderr
    assert "Traceback" not in result.stderr
    assert json_err(cli("status", "--json", gw=fake_gateway))["type"] == "UsageError"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["generate", "x", "--duration", "-1"],
        ["generate", "x", "--format", "flac"],
        ["generate", "x", "--out", "somewhere"],  # --out without --wait
        ["generate", "x", "--wait", "--timeout", "nan"],
        ["status", ".."],
        ["frobnicate"],
    ],
)
def test_usage_errors(fake_gateway: FakeGateway, run: Run, args: list[str]) -> None:
    result = run(*args, gw=fake_gateway)
    assert result.returncode == 2, result.stderr
    assert json_err(run(*args, "--json", gw=fake_gateway))["type"] == "UsageError"
    assert fake_gateway.jobs_created == 0


def test_an_unknown_job_is_an_api_error_exit_1(fake_gateway: FakeGateway, run: Run) -> None:
    result = cli("status", "task_nope", gw=fake_gateway)
    assert result.returncode == 1
    assert "404" in one_error_line(result)
    error = json_err(run("status", "task_nope", "--json", gw=fake_gateway))
    assert error["type"] == "NotFoundError"
    assert error["status_code"] == 404
    assert error["job_id"] == "task_nope"


def test_no_api_key_exits_5(fake_gateway: FakeGateway) -> None:
    result = cli("status", "task_1", env={"AI_STATS_BASE_URL": fake_gateway.base_url})
    assert result.returncode == 5
    assert "AI_STATS_API_KEY" in one_error_line(result)
    assert fake_gateway.requests == ()


def test_a_refused_key_exits_5_and_is_never_printed(fake_gateway: FakeGateway, run: Run) -> None:
    # cli() and run() fail the test if the key shows in the output.
    assert cli("status", "task_1", gw=fake_gateway, key=KNOWN_KEY).returncode == 5
    for args in (["generate", "x", "--json"], ["wait", "task_1", "-q"], ["download", "t"]):
        assert run(*args, gw=fake_gateway, key=KNOWN_KEY).returncode == 5
    assert all(r.headers["authorization"] == f"Bearer {KNOWN_KEY}" for r in fake_gateway.requests)


def test_the_key_is_not_printed_even_when_the_server_echoes_it(
    fake_gateway: FakeGateway, run: Run
) -> None:
    echo = {"error": "invalid_request", "reason": f"key {fake_gateway.api_key} lacks scope"}
    fake_gateway.inject(Fault.status(400, body=echo), on="create", times=2)
    result = cli("generate", "x", gw=fake_gateway)  # cli() checks the output
    assert result.returncode == 1
    assert "lacks scope" in one_error_line(result)
    assert run("generate", "x", "--json", gw=fake_gateway).returncode == 1


def test_a_bad_base_url_is_a_config_error(fake_gateway: FakeGateway, run: Run) -> None:
    result = run("--base-url", "ftp://example.com", "status", "task_1", gw=fake_gateway)
    assert result.returncode == 5
    assert "base_url" in one_error_line(result)


def test_ctrl_c_exits_130_naming_the_job(fake_gateway: FakeGateway, created: Any) -> None:
    job_id = created(timeline=[("in_progress", 600)])
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AI_STATS_")}
    environ |= {
        "AI_STATS_API_KEY": fake_gateway.api_key,
        "AI_STATS_BASE_URL": fake_gateway.base_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ai_stats_music.cli", "wait", job_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith(f"{job_id}: in_progress")  # it is waiting
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert f"interrupted; the job goes on: ai-stats-music status {job_id}" in err
    assert "Traceback" not in err


# -- the demo ----------------------------------------------------------------------------------


def test_the_demo_runs_the_whole_flow_with_no_key_and_no_network(tmp_path: Path) -> None:
    result = cli("demo", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["Fake track 1.wav", "Fake track 2.wav"]
    for f in files:
        assert frames(f) == 12 * 8000
        assert str(f) in result.stdout
    assert "usage: 2 clip(s), 24 s of audio" in result.stdout
    # Each status was seen: the job lasts long enough in real time to show progress.
    seen = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("task_")]
    assert seen == ["queued", "in_progress", "completed"]


def test_the_demo_without_the_testing_extra_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['starlette'] = None; "  # as if it were not installed
        "from ai_stats_music.cli import main; sys.exit(main(['demo', '--out', sys.argv[1]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")], capture_output=True, text=True
    )
    assert result.returncode == 5
    assert "pip install 'ai-stats-music[testing]'" in one_error_line(result)
    assert not (tmp_path / "out").exists()


def test_the_live_line_never_shows_the_key(
    fake_gateway: FakeGateway, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_stats_music import MusicClient
    from ai_stats_music.testing import Fault

    with MusicClient(api_key=fake_gateway.api_key, base_url=fake_gateway.base_url) as c:
        job_id = c.create(model="suno/v4.5plus", prompt="x").id
    fake_gateway.inject(Fault.unknown_status(f"echo {fake_gateway.api_key}"), on="status", times=3)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    result = run("wait", job_id, gw=fake_gateway)
    assert result.returncode == 0, terminal.getvalue()
    assert "echo" in terminal.getvalue()  # the status was drawn
    assert fake_gateway.api_key not in terminal.getvalue()
