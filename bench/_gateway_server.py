"""The fake gateway in a process of its own, with a clock the benchmark can hold.

``python bench/_gateway_server.py [--queued S] [--running S]`` serves the fake
gateway, whose jobs are queued for ``--queued`` seconds, then in progress for
``--running`` seconds, then completed with two clips. It prints one JSON line
(``base_url``, ``api_key``, ``control``) and serves until its standard input
closes.

Its clock stands still while held, so that many jobs created one after the
other all start together when it is let go. The control server answers
``POST /hold``, ``POST /go``, ``POST /script`` (a JSON body with ``queued``,
``running`` and ``audio_size``: the script of the jobs created from now on) and
``POST /requests`` (how many status reads the gateway received since the last
such call, which also forgets them).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ai_stats_music.testing import Clip, FakeGateway, JobScript


class GatedClock:
    """Monotonic seconds that stop while held."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._base = 0.0
        self._since: float | None = None  # when it was let go; None while held

    def __call__(self) -> float:
        with self._lock:
            if self._since is None:
                return self._base
            return self._base + time.monotonic() - self._since

    def hold(self) -> None:
        with self._lock:
            if self._since is not None:
                self._base += time.monotonic() - self._since
                self._since = None

    def go(self) -> None:
        with self._lock:
            if self._since is None:
                self._since = time.monotonic()


def script_for(
    *, queued: float = 0.0, running: float = 0.0, audio_size: int | None = None
) -> JobScript:
    """Queued, then in progress, then completed with two clips (one of ``audio_size`` bytes)."""
    timeline = [(s, t) for s, t in (("queued", queued), ("in_progress", running)) if t]
    clips = [Clip(audio_size=audio_size)] if audio_size else 2
    return JobScript(timeline=timeline, clips=clips)


def _control(gateway: FakeGateway, clock: GatedClock) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            answer: object = "ok"
            if self.path == "/hold":
                clock.hold()
            elif self.path == "/go":
                clock.go()
            elif self.path == "/script":
                length = int(self.headers.get("content-length") or 0)
                gateway.default_script = script_for(**json.loads(self.rfile.read(length)))
            elif self.path == "/requests":
                answer = len(gateway.requests_for(operation="status"))
                gateway.clear_requests()
            else:
                self.send_error(404)
                return
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queued", type=float, default=0.2)
    parser.add_argument("--running", type=float, default=0.8)
    parser.add_argument("--audio-size", type=int, default=None)
    args = parser.parse_args()
    clock = GatedClock()
    script = script_for(queued=args.queued, running=args.running, audio_size=args.audio_size)
    # The benchmarks measure the queued flow (polling, scale, downloads of clips).
    gateway = FakeGateway(clock=clock, default_script=script, queued=("suno/",))
    control = _control(gateway, clock)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    with gateway.serve():
        host, port = control.server_address[:2]
        print(
            json.dumps(
                {
                    "base_url": gateway.base_url,
                    "api_key": gateway.api_key,
                    "control": f"http://{host!s}:{port}",
                }
            ),
            flush=True,
        )
        sys.stdin.read()
    control.shutdown()


if __name__ == "__main__":
    main()
