"""The ``ai-stats-music`` command against the fake gateway.

Each command and each exit code is run at least once as a subprocess
(``python -m ai_stats_music.cli``, as a user runs it); variations of them call
``main()`` in this process (the ``run`` fixture), which is faster and checks
the same output. The gateway runs on real time (a subprocess cannot share a
virtual clock), so the jobs scripted here last fractions of a second. Every
run's output is checked for the API key.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml
from _servers import dead_port
from _support import ELEVEN, ROOT, SUNO

from ai_stats_music import APIConnectionError, MusicClient, MusicJob, MusicJobTimeout
from ai_stats_music._cli_display import Console
from ai_stats_music._cli_parser import build_parser
from ai_stats_music._cli_steps import FAILED_POLLS_WARNING, _warning_on_failed_polls
from ai_stats_music._poll_policy import PollPolicy
from ai_stats_music._wait import wait_sync
from ai_stats_music._watch import WaitArgs
from ai_stats_music.cli import main
from ai_stats_music.testing import Clip, FakeGateway, Fault

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
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AI_STATS_", "PHASEO_"))}
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
    secret = environ.get("AI_STATS_API_KEY") or environ.get("PHASEO_API_KEY")
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
        for name in [n for n in os.environ if n.startswith(("AI_STATS_", "PHASEO_"))]:
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
def created(fake_gateway: FakeGateway, client: MusicClient) -> Any:
    """Create a job in this process: ``created(**script) -> job id``."""

    def create(**script: Any) -> str:
        fake_gateway.script(**script)
        return client.create(model=SUNO, prompt="x").id

    return create


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
        "generate",
        "rainy jazz",
        "--model",
        SUNO,
        "--duration",
        "5",
        "--format",
        "wav",
        "--json",
        gw=fake_gateway,
    )
    assert result.returncode == 0, result.stderr
    job = json_out(result)["job"]
    assert job["status"] == "queued"
    assert "files" not in json_out(result)  # nothing to save yet
    assert fake_gateway.job(job["id"]).request == {
        "model": SUNO,
        "prompt": "rainy jazz",
        "duration": 5,
        "format": "wav",
    }
    human = run("generate", "rainy jazz", "--model", SUNO, gw=fake_gateway)
    assert human.returncode == 0
    assert "created job task_000002" in human.stdout
    quiet = run("--quiet", "generate", "rainy jazz", "--model", SUNO, gw=fake_gateway)
    assert quiet.stdout == "task_000003\n"
    assert quiet.stderr == ""


def test_the_default_model_is_active_and_its_audio_is_saved_at_once(
    fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    # No --wait: a synchronous model's job is done when the create answers, so
    # generate saves its inline audio (in the current directory without --out).
    result = cli("generate", "rainy jazz", "--json", gw=fake_gateway, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json_out(result)
    assert data["job"]["status"] == "completed"
    assert data["job"]["model"] == ELEVEN
    assert fake_gateway.job(data["job"]["id"]).request["model"] == ELEVEN
    [entry] = data["files"]
    saved = Path(entry["path"])
    assert saved.parent == tmp_path
    assert entry["inline"] is True
    assert entry["url"] is None
    assert entry["content_type"] == "audio/mpeg"
    assert saved.suffix == ".mp3"
    assert saved.read_bytes() == base64.b64decode(data["job"]["audio_base64"])
    assert entry["bytes"] == saved.stat().st_size
    assert entry["index"] == 0
    assert os.listdir(tmp_path) == [saved.name]
    # Only the create was sent: the audio was in its answer.
    assert [r.operation for r in fake_gateway.requests] == ["create"]
    human = cli("generate", "rainy jazz", "--out", str(tmp_path / "o"), gw=fake_gateway)
    assert human.returncode == 0, human.stderr
    assert "completed at once" in human.stderr
    assert human.stdout.splitlines()[0].endswith("completed: 1 audio file(s)")
    assert len(os.listdir(tmp_path / "o")) == 1
    waited = cli("generate", "x", "--wait", "--out", str(tmp_path / "w"), gw=fake_gateway)
    assert waited.returncode == 0, waited.stderr
    assert len(os.listdir(tmp_path / "w")) == 1
    # Neither generate read a status: a completed create needs no polling.
    assert {r.operation for r in fake_gateway.requests} == {"create"}


def test_a_queued_job_without_wait_says_that_nothing_was_saved(
    fake_gateway: FakeGateway, run: Run, tmp_path: Path
) -> None:
    result = run("generate", "x", "--model", SUNO, "--out", str(tmp_path), gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1
    assert "nothing saved yet" in warning[0]
    assert f"ai-stats-music download task_000001 --out {tmp_path}" in warning[0]
    assert os.listdir(tmp_path) == []


def test_help_and_defaults_name_no_suno_model(run: Run) -> None:
    for args in (["--help"], ["generate", "--help"], ["demo", "--help"]):
        shown = run(*args)
        assert shown.returncode == 0
        assert ELEVEN in shown.stdout or args == ["demo", "--help"]
    generate = run("generate", "--help").stdout
    assert "default: eleven-labs/music" in " ".join(generate.split())
    assert "suno" not in generate.lower()
    # --format offers the spec's enum, no more and no less.
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    formats = spec["components"]["schemas"]["MusicGenerateRequest"]["properties"]["format"]
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    [fmt] = [a for a in sub.choices["generate"]._actions if a.dest == "format"]
    assert sorted(fmt.choices) == sorted(formats["enum"])
    [model] = [a for a in sub.choices["generate"]._actions if a.dest == "model"]
    assert model.default == ELEVEN


def test_generate_wait_downloads_the_clips(fake_gateway: FakeGateway, tmp_path: Path) -> None:
    fake_gateway.script(timeline=[("queued", 0.1), ("in_progress", 0.2)], clips=2)
    out = tmp_path / "songs"  # created by the command
    result = cli(
        "generate", "x", "--model", SUNO, "--wait", "--out", str(out), "--json", gw=fake_gateway
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress under --json when stderr is not a terminal
    data = json_out(result)
    assert data["job"]["status"] == "completed"
    paths = [Path(f["path"]) for f in data["files"]]
    assert sorted(p.name for p in paths) == ["Fake track 1.wav", "Fake track 2.wav"]
    for n, f in enumerate(data["files"]):
        assert Path(f["path"]).stat().st_size == f["bytes"]
        assert frames(Path(f["path"])) == 8 * 8000
        clip = data["job"]["output"][n]
        assert f["index"] == n
        assert f["clip_id"] == clip["id"]
        assert f["url"] == clip["audio_url"]
        assert f["inline"] is False
        assert f["content_type"] == "audio/wav"
        assert f["title"] == clip["title"]
    assert sorted(os.listdir(out)) == ["Fake track 1.wav", "Fake track 2.wav"]


def test_generate_wait_shows_progress_as_plain_lines(
    fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    fake_gateway.script(timeline=[("queued", 0.1), ("in_progress", 0.2)], clips=1)
    result = cli("generate", "x", "--model", SUNO, "--wait", gw=fake_gateway, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr  # not a terminal: plain lines
    assert "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"created job task_000001 ({SUNO})"
    assert any(line.startswith("task_000001: completed (") for line in lines)
    assert lines[-1].startswith("saved Fake track 1.wav (")
    assert str(tmp_path / "Fake track 1.wav") in result.stdout
    assert "usage: 1 clip(s), 8 s of audio" in result.stdout


LONG = "L" * 130  # past download_all's 120-byte cut of a name


@pytest.mark.parametrize(
    "titles",
    [
        ["Rain", "Rain"],  # Suno makes two clips of one title
        ["Rain", "rain", "RAIN"],  # equal on a case-insensitive file system
        [LONG + " one", LONG + " two"],  # differ only past the length limit of a name
        ["Song", "Song", "Song (2)"],  # one title is another's numbered name
        ["Song (2)", "Song", "Song"],  # ... given first
        [None, None],  # untitled: named after the clip's id
    ],
)
def test_every_audio_of_a_job_gets_a_file_of_its_own(
    fake_gateway: FakeGateway, run: Run, tmp_path: Path, titles: list[str | None]
) -> None:
    fake_gateway.script(
        timeline=[], clips=[Clip(title=t, duration=n + 1) for n, t in enumerate(titles)]
    )
    args = ["generate", "x", "--model", SUNO, "--wait", "--out", str(tmp_path), "--json"]
    result = run(*args, gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    files = json_out(result)["files"]
    paths = [f["path"] for f in files]
    assert len(paths) == len(titles) == len(set(paths))  # each file listed once
    assert len({p.casefold() for p in paths}) == len(paths)
    assert [f["index"] for f in files] == list(range(len(titles)))
    assert len(os.listdir(tmp_path)) == len(titles)  # none overwrote another
    for n, f in enumerate(files):  # each file holds its own clip's audio (n + 1 seconds)
        assert frames(Path(f["path"])) == (n + 1) * 8000
        assert all(len(part.encode()) < 255 for part in Path(f["path"]).parts)
    # `download` of the same job names its files the same way.
    job_id = json_out(result)["job"]["id"]
    again = run("download", job_id, "--out", str(tmp_path), "-q", gw=fake_gateway)
    assert again.stdout.splitlines() == paths
    assert len(os.listdir(tmp_path)) == len(titles)


def test_clips_that_share_a_title_are_numbered(
    fake_gateway: FakeGateway, run: Run, tmp_path: Path
) -> None:
    fake_gateway.script(timeline=[], clips=[Clip(title="Rain"), Clip(title="Rain")])
    result = run(
        "generate", "x", "--model", SUNO, "--wait", "--out", str(tmp_path), "-q", gw=fake_gateway
    )
    assert result.returncode == 0, result.stderr
    names = ["Rain (2).wav", "Rain.wav"]
    assert sorted(os.listdir(tmp_path)) == names
    # --quiet: the paths only, as before (scripts read them line by line).
    assert result.stdout.splitlines() == [
        str(tmp_path / "Rain.wav"),
        str(tmp_path / "Rain (2).wav"),
    ]


def test_a_completed_job_with_no_audio_exits_7(
    fake_gateway: FakeGateway, created: Any, run: Run, tmp_path: Path
) -> None:
    fake_gateway.script(timeline=[], clips=0)
    result = cli(
        "generate", "x", "--model", SUNO, "--wait", "--out", str(tmp_path), gw=fake_gateway
    )
    assert result.returncode == 7
    line = one_error_line(result)
    assert "completed but its answer carries no audio" in line
    assert "task_000001" in line
    assert result.stdout == ""
    job_id = created(timeline=[], clips=0)
    error = json_err(run("download", job_id, "--out", str(tmp_path), "--json", gw=fake_gateway))
    assert error["exit_code"] == 7
    assert error["job_id"] == job_id
    assert error["job"]["status"] == "completed"
    assert os.listdir(tmp_path) == []


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


def test_download_saves_the_inline_audio_of_a_synchronous_job(
    fake_gateway: FakeGateway, client: MusicClient, tmp_path: Path
) -> None:
    job = client.create(model=ELEVEN, prompt="x")
    # The stored copy repeats the audio at the top level and in output[0]: one file.
    result = cli("download", job.id, "--out", str(tmp_path), "--json", gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    [entry] = json_out(result)["files"]
    assert entry["inline"] is True
    assert Path(entry["path"]).read_bytes() == job.audio[0].data
    assert len(os.listdir(tmp_path)) == 1
    status = cli("status", job.id, gw=fake_gateway)
    assert "inline, audio/mpeg, 4.0 KiB" in status.stdout


def test_download_saves_the_audio_url_of_a_minimax_job(
    fake_gateway: FakeGateway, run: Run, tmp_path: Path
) -> None:
    args = ["generate", "x", "--model", "minimax/music-2.6", "--out", str(tmp_path), "--json"]
    result = run(*args, gw=fake_gateway)
    assert result.returncode == 0, result.stderr
    data = json_out(result)
    [entry] = data["files"]
    assert entry["url"] == data["job"]["audio_url"]
    assert entry["inline"] is False
    assert Path(entry["path"]).stat().st_size == entry["bytes"] > 0
    assert [r.origin for r in fake_gateway.requests] == ["api", "audio"]


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
        ["generate", "x", "--wait", "--timeout", "nan"],
        ["generate", "x", "--model", ""],
        ["generate", "x", "--model", "  \t"],
        ["generate", ""],
        ["generate", "   "],
        ["generate", "a lone surrogate \ud800"],
        ["generate", "bytes that were not UTF-8 \udcff"],  # surrogateescape'd argv
        ["generate", "x", "--model", "eleven-labs/\udcff"],
        ["--base-url", "http://\udcff", "status", "task_1"],
        ["status", "task_\udcff"],
        ["status", ".."],
        ["frobnicate"],
    ],
)
def test_usage_errors(fake_gateway: FakeGateway, run: Run, args: list[str]) -> None:
    result = run(*args, gw=fake_gateway)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line, no usage block
    one_error_line(result)
    assert json_err(run(*args, "--json", gw=fake_gateway))["type"] == "UsageError"
    assert fake_gateway.jobs_created == 0
    assert fake_gateway.requests == ()


@pytest.mark.parametrize(
    "argv",
    [
        [b"generate", b"\xff\xfe jazz"],
        [b"generate", b"jazz", b"--model", b"eleven-labs/\xff"],
        [b"status", b"task_\xff"],
        [b"\xff"],
    ],
)
def test_arguments_that_are_not_text_in_the_terminals_encoding_are_usage_errors(
    fake_gateway: FakeGateway, argv: list[bytes]
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AI_STATS_", "LC_"))}
    environ |= {
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "AI_STATS_API_KEY": fake_gateway.api_key,
        "AI_STATS_BASE_URL": fake_gateway.base_url,
    }
    environ.pop("PYTHONIOENCODING", None)
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"ai_stats_music.cli", *argv],
        capture_output=True,
        env=environ,
        timeout=60,
    )
    stderr = result.stderr.decode("utf-8")  # the message itself is valid text
    assert result.returncode == 2, stderr
    assert stderr.startswith("error: "), stderr
    assert stderr.count("\n") == 1, stderr
    assert "\\udcff" in stderr or "\\xff" in stderr  # the bad byte, shown escaped
    assert fake_gateway.requests == ()


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


def test_the_key_and_base_url_of_the_gateways_own_sdk_work_too(
    fake_gateway: FakeGateway, created: Any
) -> None:
    job_id = created(timeline=[])
    env = {"PHASEO_API_KEY": fake_gateway.api_key, "PHASEO_BASE_URL": fake_gateway.base_url}
    result = cli("status", job_id, env=env)
    assert result.returncode == 0, result.stderr
    assert fake_gateway.api_key not in result.stdout + result.stderr
    missing = cli("status", job_id, env={"PHASEO_BASE_URL": fake_gateway.base_url})
    assert missing.returncode == 5
    assert "PHASEO_API_KEY" in one_error_line(missing)


def test_a_bad_base_url_is_a_config_error(fake_gateway: FakeGateway, run: Run) -> None:
    result = run("--base-url", "ftp://example.com", "status", "task_1", gw=fake_gateway)
    assert result.returncode == 5
    assert "base_url" in one_error_line(result)


def test_ctrl_c_exits_130_naming_the_job(fake_gateway: FakeGateway, created: Any) -> None:
    job_id = created(timeline=[("in_progress", 600)])
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AI_STATS_", "PHASEO_"))}
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


def _demo_env(proxy: str | None) -> dict[str, str]:
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    if proxy is None:
        return {}
    return (
        dict.fromkeys(names, proxy)
        | {n.lower(): proxy for n in names}
        | {"NO_PROXY": "", "no_proxy": ""}
    )


@pytest.mark.parametrize("proxy", [None, "dead"])
def test_the_demo_runs_a_synchronous_and_a_queued_job_with_no_key_and_no_network(
    tmp_path: Path, proxy: str | None
) -> None:
    # Proxy variables pointing at a dead port: httpx honours them, the demo must not.
    env = _demo_env(None if proxy is None else f"http://127.0.0.1:{dead_port()}")
    result = cli("demo", "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    files = sorted(f.name for f in (tmp_path / "out").iterdir())
    assert files == ["Fake track 1.wav", "Fake track 2.wav", "task_000001.mp3"]
    for name in files:
        assert str(tmp_path / "out" / name) in result.stdout
    for name in files[:2]:
        assert frames(tmp_path / "out" / name) == 12 * 8000
    inline = (tmp_path / "out" / "task_000001.mp3").read_bytes()
    assert inline[:3] == b"ID3" or inline[0] == 0xFF  # MPEG audio, decoded from base64
    assert "usage: 2 clip(s), 24 s of audio" in result.stdout
    assert "eleven-labs/music:" in result.stdout
    assert "suno/v4.5plus:" in result.stdout
    # The synchronous job was completed by its create; the queued one went
    # through each status, shown as the polls saw them.
    seen = [line.split()[:2] for line in result.stderr.splitlines() if line.startswith("task_")]
    assert seen == [
        ["task_000001:", "completed"],
        ["task_000002:", "queued"],
        ["task_000002:", "in_progress"],
        ["task_000002:", "completed"],
    ]
    data = json_out(cli("demo", "--json", "--out", str(tmp_path / "j"), cwd=tmp_path, env=env))
    assert [len(j["files"]) for j in data["jobs"]] == [1, 2]
    assert data["jobs"][0]["files"][0]["inline"] is True


def test_a_dead_proxy_would_break_the_demo_without_its_no_proxy(tmp_path: Path) -> None:
    # The test above means something only if the proxy variables reach httpx.
    code = (
        "import contextlib, sys; import ai_stats_music._cli as c; "
        "c._no_proxies = contextlib.nullcontext; "
        "sys.exit(c.main(['demo', '--out', sys.argv[1]]))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AI_STATS_", "PHASEO_"))}
    environ |= _demo_env(f"http://127.0.0.1:{dead_port()}")
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr


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
    fake_gateway: FakeGateway, client: MusicClient, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = client.create(model=SUNO, prompt="x").id
    fake_gateway.inject(Fault.unknown_status(f"echo {fake_gateway.api_key}"), on="status", times=3)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    result = run("wait", job_id, gw=fake_gateway)
    assert result.returncode == 0, terminal.getvalue()
    assert "echo" in terminal.getvalue()  # the status was drawn
    assert fake_gateway.api_key not in terminal.getvalue()


# -- interrupts ---------------------------------------------------------------------------------


def _environ(gw: FakeGateway | None = None, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AI_STATS_", "PHASEO_"))}
    if gw is not None:
        environ |= {"AI_STATS_API_KEY": gw.api_key, "AI_STATS_BASE_URL": gw.base_url}
    return environ | extra


def _interrupt(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        proc.send_signal(signal.SIGINT)
        return proc.communicate(timeout=30)
    finally:
        proc.kill()


def _wait_for(condition: Any) -> None:
    """Until ``condition()`` holds (the test's own timeout bounds it)."""
    import time

    while not condition():
        time.sleep(0.01)


@pytest.mark.parametrize("json_mode", [False, True])
def test_ctrl_c_while_the_create_is_in_flight_says_a_paid_job_may_exist(
    fake_gateway: FakeGateway, json_mode: bool
) -> None:
    fake_gateway.inject(Fault.delay(60), on="create")  # the gateway holds the create
    args = ["generate", "jazz", "--wait", *(["--json"] if json_mode else [])]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ai_stats_music.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(fake_gateway),
    )
    _wait_for(lambda: any(r.operation == "create" for r in fake_gateway.requests))
    out, err = _interrupt(proc)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert out == ""
    if json_mode:
        error = json.loads(err)["error"]
        assert error["type"] == "Interrupted"
        assert error["job_may_exist"] is True
        assert "job_id" not in error
        message = error["message"]
    else:
        [message] = err.splitlines()
    assert "while the create request was in flight" in message
    assert "a paid job may exist" in message
    assert "no id came back" in message
    assert fake_gateway.api_key not in out + err


def test_ctrl_c_during_start_up_is_one_line(tmp_path: Path) -> None:
    # A slow import at a known point of the start-up: argparse, which only the
    # command line imports (the package never does), held until interrupted.
    (tmp_path / "argparse.py").write_text(
        "import sys, time\n"
        "sys.stderr.write('importing argparse\\n'); sys.stderr.flush()\n"
        "time.sleep(60)\n"
        "raise SystemExit('not interrupted')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ai_stats_music.cli", "status", "task_1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(PYTHONPATH=str(tmp_path)),
    )
    assert proc.stderr is not None
    assert proc.stderr.readline() == "importing argparse\n"
    out, err = _interrupt(proc)
    assert proc.returncode == 130
    assert err == "error: interrupted while starting up: nothing was sent\n"
    assert out == ""


def test_ctrl_c_during_argument_parsing_is_one_line(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    import argparse

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", interrupted)
    result = run("status", "task_1")
    assert result.returncode == 130
    assert result.stderr == "error: interrupted while starting up: nothing was sent\n"
    assert json_err(run("status", "task_1", "--json"))["type"] == "Interrupted"


# -- waits that keep failing ----------------------------------------------------------------------


def test_a_wait_that_ran_out_on_failures_names_them(
    fake_gateway: FakeGateway, created: Any, run: Run
) -> None:
    job_id = created(timeline=[("in_progress", 600)])
    fake_gateway.inject(Fault.drop(), on="status", times=None)  # every status read fails
    result = cli("wait", job_id, "--timeout", "2.5", gw=fake_gateway)
    assert result.returncode == 4
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1  # once per streak, however long it runs
    assert f"3 status reads of job {job_id} failed in a row" in warnings[0]
    assert "APIConnectionError" in warnings[0]
    line = one_error_line(result)
    assert "every status read failed" in line
    assert "the last: APIConnectionError" in line
    assert f"ai-stats-music wait {job_id}" in line
    error = json_err(run("wait", job_id, "--timeout", "0.5", "--json", gw=fake_gateway))
    assert error["type"] == "MusicJobTimeout"
    assert error["failed_polls"] == error["polls"] >= 1
    assert error["last_error"]["type"] == "APIConnectionError"
    assert error["job"] is None  # no status was ever read


class _Script:
    """A status read that fails or answers per a script (``"x"``: fails, ``"r"``:
    running), on a virtual clock that each sleep advances."""

    def __init__(self, script: str) -> None:
        self.script = list(script)
        self.now = 0.0

    def fetch(self, job_id: str) -> tuple[MusicJob, float | None]:
        step = self.script.pop(0) if self.script else "r"
        if step == "x":
            raise APIConnectionError(f"connection refused #{len(self.script)}")
        return MusicJob.from_dict({"id": job_id, "status": "in_progress"}), None

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("script", "warnings"),
    [("xx", 0), ("xxx", 1), ("xxxxxxx", 1), ("xxxrxxx", 2), ("xxrxxrxx", 0), ("xxxrrxxxxrxxx", 3)],
)
def test_the_warning_comes_once_per_streak_of_failed_polls(script: str, warnings: int) -> None:
    stderr = io.StringIO()
    console = Console(json_mode=False, quiet=False, stderr=stderr)
    fake = _Script(script)
    policy = PollPolicy.fixed(1.0, timeout=len(script) + 0.5)
    with _warning_on_failed_polls(console), pytest.raises(MusicJobTimeout) as raised:
        wait_sync(
            fake.fetch, "job_1", WaitArgs(policy=policy, clock=lambda: fake.now, sleep=fake.sleep)
        )
    lines = stderr.getvalue().splitlines()
    assert len(lines) == warnings, lines
    assert all(f"{FAILED_POLLS_WARNING} status reads of job job_1" in line for line in lines)
    # The library side: the timeout counts the polls and keeps the last failure.
    error = raised.value
    assert error.failed_polls == script.count("x")
    # Polls at 0, 1, ..., len(script) s (the script, then answers) and at the deadline.
    assert error.polls == len(script) + 2
    assert isinstance(error.last_error, APIConnectionError)
    assert f"{error.failed_polls} of {error.polls} status reads failed" in str(error)
    assert logging.getLogger("ai_stats_music").handlers == []  # the CLI's handler is gone


def test_a_timeout_with_only_failures_says_so_and_one_without_failures_does_not() -> None:
    fake = _Script("x" * 10)
    policy = PollPolicy.fixed(1.0, timeout=3.0)
    with pytest.raises(MusicJobTimeout) as raised:
        wait_sync(
            fake.fetch, "job_1", WaitArgs(policy=policy, clock=lambda: fake.now, sleep=fake.sleep)
        )
    assert raised.value.failed_polls == raised.value.polls == 4
    assert "every status read failed (4, the last: APIConnectionError: connection" in str(
        raised.value
    )
    assert raised.value.__cause__ is raised.value.last_error
    clean = _Script("")
    with pytest.raises(MusicJobTimeout) as raised:
        wait_sync(
            clean.fetch,
            "job_1",
            WaitArgs(policy=policy, clock=lambda: clean.now, sleep=clean.sleep),
        )
    assert raised.value.failed_polls == 0
    assert raised.value.last_error is None
    assert "failed" not in str(raised.value)


def test_the_guide_and_the_help_list_every_exit_code() -> None:
    from ai_stats_music._cli_exits import Exit
    from ai_stats_music._cli_parser import EPILOG

    # The command line's page of the guide (the README links it).
    page = (ROOT / "docs" / "guide" / "cli.md").read_text(encoding="utf-8")
    table = [int(m) for m in re.findall(r"^\| (\d+) \|", page, re.MULTILINE)]
    assert table == sorted(int(code) for code in Exit)
    listed = [int(m) for m in re.findall(r"^  (\d+) {2,}", EPILOG, re.MULTILINE)]
    assert listed == table
