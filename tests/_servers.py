"""Loopback helpers the tests share beside the fake gateway (importable as ``_servers``).

The fake gateway (``ai_stats_music.testing``) plays the gateway in almost every
test; what lives here is for the few things it cannot be: a port that nothing
listens on (a refused connection, a dead proxy), and the request reading of
the two asyncio servers that measure what the fake gateway does not.
"""

from __future__ import annotations

import asyncio
import socket


def dead_port() -> int:
    """A loopback port nothing listens on: bound once to pick it, then closed, so a
    connection to it is refused (the kernel does not hand it out again at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    """One HTTP/1.1 request off a connection: its request line, its header fields
    (names lower-cased) and its body (``Content-Length`` bytes). Raises
    :class:`asyncio.IncompleteReadError` when the client hung up (keep-alive ended).

    For the hand-written asyncio servers of the tests that measure what the fake
    gateway cannot (test_many_creates: how many requests are held at once;
    test_trickle: an answer sent one byte at a time)."""
    head = await reader.readuntil(b"\r\n\r\n")
    line, *rest = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in rest if f)}
    body = b""
    if length := int(fields.get("content-length", "0")):
        body = await reader.readexactly(length)
    return line, fields, body
