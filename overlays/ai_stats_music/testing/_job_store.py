"""The fake gateway's jobs: the scripts they follow, their ids, and the store that keeps them.

A create asks the :class:`JobStore` for a job: the store picks the script
(the first matching rule of :meth:`FakeGateway.script`, else the default),
gives the job its id (the request's id, or ``task_000001``...) and keeps it
for the status operation and the audio origin.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from .._not_given import NOT_GIVEN
from ._clock import Clock
from ._jobs import FakeJob, SyncRoute, queued_job, sync_job
from ._scripts import JobScript
from ._validation import effective_prompts

__all__ = ["JobIds", "JobStore", "compose_script"]

JobIds: TypeAlias = Literal["request", "task"]


@attrs.define
class _ScriptRule:
    script: JobScript
    prompt: str | None
    match: Callable[[Mapping[str, Any]], bool] | None
    remaining: int | None


def compose_script(
    default: JobScript, script: JobScript | None, error: Any, **given: Any
) -> JobScript:
    """The script of ``FakeGateway.script``: ``script`` as given, or ``default`` with the
    fields given (a None field, or an ``error`` that is ``NOT_GIVEN``, is not given)."""
    fields = {name: value for name, value in given.items() if value is not None}
    if error is not NOT_GIVEN:
        fields["error"] = error
    if script is None:
        return attrs.evolve(default, **fields)
    if fields:
        raise TypeError("pass a JobScript or its fields, not both")
    if not isinstance(script, JobScript):
        raise TypeError(f"expected a JobScript, got {type(script).__name__}")
    return script


class JobStore:
    """Jobs by id, the script rules, the job counter. Thread-safe on the gateway's lock."""

    def __init__(
        self, lock: threading.RLock, clock: Clock, default_script: JobScript, job_ids: JobIds
    ) -> None:
        if job_ids not in ("request", "task"):
            raise ValueError(f"job_ids must be 'request' or 'task', got {job_ids!r}")
        self._lock = lock
        self._clock = clock
        self._job_ids: JobIds = job_ids
        self._default = default_script
        self._rules: list[_ScriptRule] = []
        self._jobs: dict[str, FakeJob] = {}
        self._seq = 0

    @property
    def default_script(self) -> JobScript:
        with self._lock:
            return self._default

    @default_script.setter
    def default_script(self, script: JobScript) -> None:
        if not isinstance(script, JobScript):
            raise TypeError(f"expected a JobScript, got {type(script).__name__}")
        with self._lock:
            self._default = script

    def add_rule(
        self,
        script: JobScript,
        prompt: str | None,
        match: Callable[[Mapping[str, Any]], bool] | None,
        times: int | None,
    ) -> None:
        """Jobs whose prompt is ``prompt`` / body ``match`` accepts follow ``script``
        (``times`` jobs; without ``prompt`` or ``match``, the next one by default)."""
        if times is None and prompt is None and match is None:
            times = 1
        if times is not None and (type(times) is not int or times < 1):
            raise ValueError(f"times must be an int >= 1 or None, got {times!r}")
        with self._lock:
            self._rules.append(_ScriptRule(script, prompt, match, times))

    def _pick_script(self, body: Mapping[str, Any]) -> JobScript:  # holds the lock
        prompts = effective_prompts(dict(body))
        for i, rule in enumerate(self._rules):
            if rule.prompt is not None and rule.prompt not in prompts:
                continue
            if rule.match is not None and not rule.match(body):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining == 0:
                    del self._rules[i]
            return rule.script
        return self._default

    def create(
        self, body: dict[str, Any], *, request_id: str | None, sync: SyncRoute | None = None
    ) -> FakeJob:
        """A new job for the create ``body``: queued, or answered by ``sync``'s provider."""
        with self._lock:
            script = self._pick_script(body)
            self._seq += 1
            task_id = f"task_{self._seq:06d}"
            job_id = task_id if self._job_ids == "task" or request_id is None else request_id
            now = self._clock()
            if sync is None:
                native_id = job_id if self._job_ids == "task" else task_id
                job = queued_job(job_id, body, script, now=now, native_id=native_id)
            else:
                job = sync_job(job_id, self._seq, body, script, now=now, route=sync)
            self._jobs[job_id] = job
        return job

    def get(self, job_id: str) -> FakeJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def __getitem__(self, job_id: str) -> FakeJob:
        with self._lock:
            return self._jobs[job_id]

    def all(self) -> tuple[FakeJob, ...]:
        with self._lock:
            return tuple(self._jobs.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def clear(self) -> None:
        """Forget the jobs and the rules (the counter goes on: job ids stay unique)."""
        with self._lock:
            self._jobs.clear()
            self._rules.clear()
