"""``AI_STATS_LOG``: the library's records on stderr when asked, never the key.

The switch is read once, at import, so each case runs in a fresh interpreter
against a fake gateway of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from _support import run_ok

KEY = "sk-logging-secret-0123456789"

#: A session against the fake gateway: a create, a status read that is retried
#: once (503, then the answer), and a create refused by an answer echoing the key.
SCRIPT = textwrap.dedent(
    f"""
    import logging
    from ai_stats_music import BadRequestError, MusicClient
    from ai_stats_music.testing import FakeGateway, Fault

    print("handlers", len(logging.getLogger("ai_stats_music").handlers))
    with FakeGateway(api_key={KEY!r}, queued=("suno/",)).serve() as gw:
        with MusicClient(api_key=gw.api_key, base_url=gw.base_url) as client:
            job = client.create(model="suno/v4.5plus", prompt="jazz")
            gw.inject(Fault.status(503, retry_after=0), on="status")
            client.get(job.id)
            echo = {{"error": "invalid_request", "reason": "key {KEY} is not allowed here"}}
            gw.inject(Fault.status(400, body=echo), on="create")
            try:
                client.create(model="suno/v4.5plus", prompt="jazz")
            except BadRequestError as exc:
                assert {KEY!r} not in str(exc)
        print("job", job.id)
    """
)


def run(level: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AI_STATS_", "PHASEO_"))}
    if level is not None:
        env["AI_STATS_LOG"] = level
    return run_ok([sys.executable, "-c", SCRIPT], env=env)


def library_lines(stderr: str) -> list[str]:
    """The lines the library's handler wrote (the fake gateway's server logs aside)."""
    return [line for line in stderr.splitlines() if " ai_stats_music " in line]


@pytest.mark.parametrize("level", ["debug", "DEBUG", " info "])
def test_ai_stats_log_sends_requests_and_retries_to_stderr(level: str) -> None:
    done = run(level)
    assert "handlers 1" in done.stdout
    job_id = done.stdout.split("job ")[1].strip()
    lines = library_lines(done.stderr)
    text = "\n".join(lines)
    # Each request: method, URL, status.
    assert any("HTTP Request: POST http://127.0.0.1:" in x and "/v1/music/generate" in x
               and '200 OK"' in x for x in lines), text  # fmt: skip
    assert any("HTTP Request: GET http://127.0.0.1:" in x and f"/music/generate/{job_id}" in x
               and " 503 " in x for x in lines), text  # fmt: skip
    assert sum(" 200 OK" in x for x in lines) == 2, text  # the create, the status read retried
    # Retry decisions: the 503 retried, the 400 not.
    assert any("ServerError" in x and "retry 1 of 2 in 0.00 s" in x for x in lines), text
    assert any("BadRequestError" in x and "not retried" in x for x in lines), text
    # The key never, not even from the answer that echoed it; the scrubbed text is there.
    assert KEY not in done.stderr
    assert KEY[:8] not in done.stderr
    assert "key *** is not allowed here" in text
    debug_lines = [x for x in lines if " DEBUG] " in x]
    if level.strip().lower() == "debug":
        assert any(f"created music job {job_id}" in x for x in debug_lines), text
    else:
        assert debug_lines == []


@pytest.mark.parametrize("level", [None, "", "verbose"])
def test_without_the_switch_the_library_writes_nothing(level: str | None) -> None:
    done = run(level)
    assert "handlers 0" in done.stdout  # no handler: the application's logging decides
    assert library_lines(done.stderr) == []
    assert KEY not in done.stderr


def test_records_reaching_the_applications_handlers_have_no_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """In process: the scrubbing is a filter on the logger, for every handler."""
    import logging

    from ai_stats_music import MusicClient
    from ai_stats_music._log import log

    MusicClient(api_key=KEY, base_url="http://127.0.0.1:9/v1").close()
    with caplog.at_level(logging.DEBUG, logger="ai_stats_music"):
        log.info("echo %s and %s, Authorization: Bearer abc.def", KEY, KEY[:12])
    [record] = caplog.records
    assert KEY[:8] not in record.getMessage()
    assert record.getMessage() == "echo *** and ***, Authorization: Bearer ***"
