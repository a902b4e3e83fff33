"""Loopback helpers the tests share beside the fake gateway (importable as ``_servers``).

The fake gateway (``ai_stats_music.testing``) plays the gateway in almost every
test; what lives here is for the few things it cannot be: a port that nothing
listens on (a refused connection, a dead proxy).
"""

from __future__ import annotations

import socket


def dead_port() -> int:
    """A loopback port nothing listens on: bound once to pick it, then closed, so a
    connection to it is refused (the kernel does not hand it out again at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
