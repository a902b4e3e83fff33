"""Running the fake gateway's two origins as real HTTP servers, and where they are.

One :class:`~._server.ServerThread` serves both :class:`~._intake.OriginApp`
objects on free loopback ports; while it runs, each app knows its live
connections (so faults can drop, reset or stall them).
"""

from __future__ import annotations

import threading
from typing import Final

import attrs

from ._intake import OriginApp
from ._server import ConnectionRegistry, ServerThread

__all__ = ["Serving", "Urls"]

# Where clips point when the gateway is used in-process (no server running).
_IN_PROCESS_AUDIO: Final = "http://fake-audio.test"


@attrs.frozen
class Urls:
    """Where the gateway serves: the API's base URL and the audio origin."""

    api: str
    audio: str


class Serving:
    """Start and stop the servers of the API and the audio origin; their URLs."""

    def __init__(
        self, lock: threading.RLock, api: OriginApp, audio: OriginApp, grace: float
    ) -> None:
        self._lock = lock
        self._apps = (api, audio)
        self._grace = grace
        self._server: ServerThread | None = None
        self.urls: Urls | None = None
        """Where the servers are, while they serve."""

    def start(self) -> None:
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the fake gateway is already serving")
            sites = [(app, ConnectionRegistry()) for app in self._apps]
            server = ServerThread(sites, grace=self._grace)
            self._server = server
            for app, registry in sites:
                app.registry, app.server = registry, server
        try:
            api_port, audio_port = server.start()
        except BaseException:
            self._forget()
            raise
        with self._lock:
            self.urls = Urls(f"http://127.0.0.1:{api_port}/v1", f"http://127.0.0.1:{audio_port}")

    def stop(self) -> None:
        with self._lock:
            server = self._server
        if server is None:
            return
        try:
            server.stop()
        finally:
            self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._server = None
            self.urls = None
            for app in self._apps:
                app.registry, app.server = None, None

    @property
    def running(self) -> bool:
        server = self._server
        return server is not None and server.running

    def served_urls(self) -> Urls:
        urls = self.urls
        if urls is None:
            raise RuntimeError("the fake gateway is not serving: use `with gw.serve():`")
        return urls

    def audio_base(self) -> str:
        """The audio origin the clips' URLs point to (a placeholder when in-process)."""
        urls = self.urls
        return urls.audio if urls is not None else _IN_PROCESS_AUDIO
