"""A minimal, fast HTTP/1.1 server for the per-request overhead benchmark.

It answers every request with the same two-clip job (keep-alive, a fixed
``Content-Length``), so that the client process's CPU time is spent on the
client. Run in its own process: ``python bench/_fast_server.py`` prints its port
on the first line and serves until its standard input closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, Final

JOB_ID: Final = "task_000042"

#: A completed job with two clips, shaped like the gateway's status answer.
TWO_CLIP_JOB: Final[dict[str, Any]] = {
    "id": JOB_ID,
    "object": "music",
    "status": "completed",
    "provider": "suno",
    "model": "V4_5",
    "nativeResponseId": JOB_ID,
    "output": [
        {
            "index": i,
            "id": f"{JOB_ID}_clip_{i}",
            "audio_url": f"https://cdn.example.com/audio/{JOB_ID}/{i}.mp3",
            "stream_audio_url": f"https://cdn.example.com/stream/{JOB_ID}/{i}.mp3",
            "image_url": f"https://cdn.example.com/image/{JOB_ID}/{i}.png",
            "title": "Night drive",
            "tags": "synthwave, retro, instrumental",
            "duration": 182.4 + i,
        }
        for i in range(2)
    ],
    "usage": {"output_audio_count": 2, "output_audio_seconds": 365.8},
}

BODY: Final = json.dumps(TWO_CLIP_JOB, separators=(",", ":")).encode()
RESPONSE: Final = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: application/json\r\n"
    b"content-length: " + str(len(BODY)).encode() + b"\r\n"
    b"\r\n" + BODY
)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        # GET requests only (no bodies): one answer per complete header block.
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]
            assert self.transport is not None
            self.transport.write(RESPONSE * count)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Protocol, "127.0.0.1", 0, backlog=256)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    done = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), done.set)  # readable at EOF: the parent has gone
    async with server:
        await done.wait()


if __name__ == "__main__":
    asyncio.run(_serve())
