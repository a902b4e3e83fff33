"""A create-and-wait against the fake gateway, across processes and environments.

Run as a script (never imported by the package under test), so that the tests
can run each side with whichever Python and sys.path they are checking::

    python -I _smoke.py gateway [--path DIR]...
        serve the fake gateway; print {"base_url", "api_key", "module"} as one
        JSON line; stop when stdin closes.
    python -I _smoke.py client PACKAGE --base-url URL --api-key KEY [--path DIR]...
        import PACKAGE (``ai_stats_music`` or ``myservice._vendor.ai_stats_music``),
        create a job and wait for it; print the job and what was imported as JSON.

``--path`` puts directories first on sys.path (``-I`` leaves out PYTHONPATH
and the script's directory, so nothing else leaks in).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from typing import Any

TOP_LEVEL = ("ai_stats_music", "ai_stats_gateway")
WAIT_SECONDS = 30.0


def _loaded() -> list[str]:
    return sorted(name for name in sys.modules if name.split(".")[0] in TOP_LEVEL)


def gateway() -> None:
    testing = importlib.import_module("ai_stats_music.testing")
    with testing.run_fake_gateway(queued=("suno/",)) as gw:
        info = {"base_url": gw.base_url, "api_key": gw.api_key, "module": testing.__file__}
        print(json.dumps(info), flush=True)
        sys.stdin.read()  # until the test closes our stdin


def client(package: str, *, base_url: str, api_key: str, extra_body: dict[str, Any]) -> None:
    music = importlib.import_module(package)
    with music.MusicClient(api_key=api_key, base_url=base_url) as c:
        job = c.create_and_wait(
            model="suno/v4.5plus",
            prompt="a smoke test in C major",
            extra_body=extra_body,
            timeout=WAIT_SECONDS,
        )
    result = {
        "id": job.id,
        "status": str(job.status),
        "clips": len(job.output),
        "audio_urls": [clip.audio_url for clip in job.output],
        "module": music.__file__,
        "loaded": _loaded(),
        "importable": [n for n in TOP_LEVEL if importlib.util.find_spec(n) is not None],
    }
    print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["gateway", "client"])
    parser.add_argument("package", nargs="?", default="ai_stats_music")
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    parser.add_argument("--extra-body", default="{}")
    args = parser.parse_args()
    sys.path[:0] = args.path
    if args.role == "gateway":
        gateway()
    else:
        client(
            args.package,
            base_url=args.base_url,
            api_key=args.api_key,
            extra_body=json.loads(args.extra_body),
        )


if __name__ == "__main__":
    main()
