"""The audio origin: clips' WAV files (whole or streamed) and images, synchronous jobs' audio.

A separate origin (another port when served), as in production, so that
downloads cross origins; it serves only what the jobs in the store point to.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._answers import Answer
from ._intake import Reply
from ._job_store import JobStore
from ._jobs import FakeClip
from ._media import AUDIO_TYPES, PNG, wav_chunks, wav_size

__all__ = ["AudioRoutes"]


def _not_found() -> Reply:
    return Reply(Answer.raw(404, b"Not Found", "text/plain; charset=utf-8"))


class AudioRoutes:
    """The audio origin's routes over the jobs of ``store``."""

    def __init__(self, store: JobStore) -> None:
        self._store = store

    def routes(self) -> list[Route]:
        audio = [f"/audio/{{job_id}}/{{index:int}}.{ext}" for ext in ("wav", "mp3", "ogg")]
        return [
            *(Route(path, self._clip_audio, methods=["GET"]) for path in audio),
            Route("/stream/{job_id}/{index:int}.wav", self._clip_audio, methods=["GET"]),
            Route("/image/{job_id}/{index:int}.png", self._clip_image, methods=["GET"]),
        ]

    def _find_clip(self, request: Request) -> FakeClip | None:
        job = self._store.get(request.path_params["job_id"])
        index: int = request.path_params["index"]
        if job is None or not 0 <= index < len(job.clips):
            return None
        return job.clips[index]

    async def _clip_audio(self, request: Request) -> Response:
        job = self._store.get(request.path_params["job_id"])
        if job is not None and job.route == "sync":
            if request.url.path != job.audio_path or not job.answered.is_set():
                return _not_found()
            fmt = job.audio_format or "wav"
            return Reply(Answer.raw(200, job.audio(), AUDIO_TYPES[fmt]))
        clip = self._find_clip(request)
        if clip is None or not request.url.path.endswith(".wav"):
            return _not_found()
        frames, tone = clip.frames, clip.index
        return Reply(
            Answer(
                status=200,
                headers=[("content-type", "audio/wav"), ("cache-control", "public, max-age=3600")],
                size=wav_size(frames),
                chunks=lambda: wav_chunks(frames, tone),
                declare_length=not request.url.path.startswith("/stream/"),
            )
        )

    async def _clip_image(self, request: Request) -> Response:
        if self._find_clip(request) is None:
            return _not_found()
        return Reply(Answer.raw(200, PNG, "image/png"))
