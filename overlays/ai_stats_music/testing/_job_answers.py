"""The JSON bodies the fake gateway answers with for a job: the create's and the status'.

Pure functions of a :class:`FakeJob`, the time and where the audio origin is,
so the routes stay about HTTP and these stay about the API's shapes
(shared/upstream/README.md and its examples).
"""

from __future__ import annotations

from typing import Any

from ._jobs import FakeJob, number
from ._providers import inline_audio
from ._scripts import DEFAULT_ERROR

__all__ = ["queued_create_body", "status_body", "sync_create_body"]


def _head(job: FakeJob, status: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "object": "music",
        "status": status,
        "provider": job.provider,
        "model": job.native_model,
        "nativeResponseId": job.native_id if job.native_id is not None else job.id,
    }


def _audio(job: FakeJob, audio_base: str) -> tuple[str, str]:
    """A synchronous job's audio as its answers carry it: inline base64, or a URL."""
    if job.delivery == "inline":
        return "audio_base64", inline_audio(job.audio_format or "wav", job.audio_size)
    return "audio_url", audio_base + job.audio_path


def sync_create_body(job: FakeJob, audio_base: str) -> dict[str, Any]:
    """A synchronous provider's create answer: already final, with the audio when completed."""
    payload = _head(job, job.script.final)
    if job.script.final == "completed":
        key, audio = _audio(job, audio_base)
        payload[key] = audio
    if job.result is not None:
        payload["result"] = dict(job.result)
    if job.create_usage is not None:
        payload["usage"] = dict(job.create_usage)
    payload.update(job.script.extra_fields)
    return payload


def queued_create_body(job: FakeJob) -> dict[str, Any]:
    """The queued flow's create answer: the job in its script's first status."""
    usage: dict[str, Any] = {"requests": 1}
    duration = job.request.get("duration")
    if isinstance(duration, int):
        usage["output_audio_seconds"] = duration
    return {**_head(job, job.script.create_status), "usage": usage, **job.script.extra_fields}


def _stored_copy(job: FakeJob, status: str, audio_base: str) -> dict[str, Any]:
    """A synchronous job as the status operation serves it: the stored copy."""
    payload = _head(job, status)
    if status == "completed":
        key, audio = _audio(job, audio_base)
        payload[key] = audio
        payload["output"] = [{key: audio}]
        payload["usage"] = {
            "output_audio_count": 1,
            "output_audio_seconds": number(job.audio_seconds),
        }
    elif status == "failed" and job.result is not None:
        payload["result"] = dict(job.result)
    payload.update(job.script.extra_fields)
    return payload


def status_body(job: FakeJob, now: float, audio_base: str) -> dict[str, Any]:
    """The status operation's answer for ``job`` at ``now``."""
    status = job.status_at(now)
    if job.route == "sync":
        return _stored_copy(job, status, audio_base)
    payload = _head(job, status)
    if status == "completed":
        payload["output"] = [
            {
                "index": c.index,
                "id": c.id,
                "audio_url": audio_base + c.audio_path,
                "stream_audio_url": audio_base + c.stream_path,
                "image_url": audio_base + c.image_path,
                "title": c.title,
                "tags": c.tags,
                "duration": number(c.duration),
                **c.extra_fields,
            }
            for c in job.clips
        ]
        payload["usage"] = {
            "output_audio_count": len(job.clips),
            "output_audio_seconds": number(sum(c.duration for c in job.clips)),
        }
    elif status == "failed":
        error = job.script.error
        payload["error"] = dict(DEFAULT_ERROR) if error is None else error
    payload.update(job.script.extra_fields)
    return payload
