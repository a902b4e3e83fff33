"""A gateway stand-in that holds every create open, as today's gateway does.

``python bench/_hold_server.py HOLD_SECONDS`` answers each ``POST`` after
``HOLD_SECONDS`` with a completed ElevenLabs-style job (a small inline WAV),
over HTTP/1.1 keep-alive, to any number of connections at once. It prints one
JSON line (``base_url``, ``api_key``) and serves until its standard input
closes. Plain asyncio streams: nothing in it limits concurrency, so what the
benchmark measures is the client.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import sys

API_KEY = "bench-hold-key"
_AUDIO = base64.b64encode(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)).decode("ascii")
_ids = itertools.count(1)


def _answer() -> bytes:
    return json.dumps(
        {
            "id": f"G-BENCHHOLD{next(_ids):015d}",
            "object": "music",
            "status": "completed",
            "model": "eleven-labs/music",
            "provider": "eleven-labs",
            "audio_base64": _AUDIO,
            "usage": {"requests": 1, "output_audio_seconds": 1.0},
        }
    ).encode()


async def _serve(hold: float, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            await asyncio.sleep(hold)
            body = _answer()
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(hold: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: _serve(hold, r, w), "127.0.0.1", 0, backlog=2048
    )
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"base_url": f"http://127.0.0.1:{port}/v1", "api_key": API_KEY}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1])))
