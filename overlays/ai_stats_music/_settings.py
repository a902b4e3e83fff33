"""``Settings``: a client's settings, checked once, read by every request.

One frozen object per client, so that a copy (``with_options``) is a new
object with some fields changed and the rest shared, and so that the client
classes hold the decisions about requests rather than the bookkeeping of ten
settings. The key is a ``_Secret`` and never in a repr.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypedDict, TypeVar, Unpack

import attrs
import httpx

from ._attempts import TimeoutTypes, as_timeout, retry_of
from ._checks import check_headers, check_timeout, create_timeout_of
from ._config import _Secret, resolve_api_key, resolve_base_url
from ._not_given import NOT_GIVEN, NotGiven
from ._poll_policy import DEFAULT_POLICY, PollPolicy
from ._pool import USER_AGENT
from ._retry import RetryPolicy

__all__ = ["SettingChanges", "Settings"]

_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class Settings:
    """What a client's read-only properties show, and what every request it sends uses."""

    api_key: _Secret = attrs.field(repr=False)
    base_url: str
    allow_insecure_http: bool
    timeout: httpx.Timeout
    create_timeout: httpx.Timeout
    retry: RetryPolicy
    poll_policy: PollPolicy
    #: The headers given to the client (the ``headers`` property).
    user_headers: Mapping[str, str]
    #: The whole ``Authorization`` value as a _Secret, whose repr is '***'.
    auth: _Secret = attrs.field(repr=False)
    #: What every API request sends: the user's headers, the key, the User-Agent.
    headers: dict[str, str] = attrs.field(repr=False)
    clock: Callable[[], float]

    @classmethod
    def of(
        cls,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes,
        create_timeout: TimeoutTypes,
        max_retries: int | NotGiven,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
        allow_insecure_http: bool,
        poll_policy: PollPolicy | None,
        clock: Callable[[], float],
    ) -> Settings:
        """The settings a client is made with, each checked (a clear error names it)."""
        check_timeout(timeout)
        check_timeout(create_timeout, "create_timeout")
        checked_retry = retry_of(retry, max_retries)
        if poll_policy is not None and not isinstance(poll_policy, PollPolicy):
            raise TypeError(f"poll_policy must be a PollPolicy, not {type(poll_policy).__name__}")
        own_headers = check_headers(headers, "headers")
        key = resolve_api_key(api_key)
        auth = _Secret(f"Bearer {key}")
        return cls(
            api_key=key,
            base_url=resolve_base_url(base_url, allow_insecure_http=allow_insecure_http),
            allow_insecure_http=allow_insecure_http,
            timeout=as_timeout(timeout),
            create_timeout=create_timeout_of(create_timeout),
            retry=checked_retry,
            poll_policy=DEFAULT_POLICY if poll_policy is None else poll_policy,
            user_headers=MappingProxyType(own_headers),
            auth=auth,
            headers={"User-Agent": USER_AGENT, **own_headers, "Authorization": auth},
            clock=clock,
        )

    def changed(self, **changes: Unpack[SettingChanges]) -> Settings:
        """These settings with those given changed (see ``with_options``)."""
        return Settings.of(
            api_key=_given(changes["api_key"], str(self.api_key)),
            base_url=_given(changes["base_url"], self.base_url),
            timeout=_given(changes["timeout"], self.timeout),
            create_timeout=_given(changes["create_timeout"], self.create_timeout),
            # A count alone keeps these delays; a policy replaces both.
            max_retries=NOT_GIVEN,
            retry=retry_of(_given(changes["retry"], None), changes["max_retries"], base=self.retry),
            headers={**self.user_headers, **_given(changes["headers"], {})},
            allow_insecure_http=_given(changes["allow_insecure_http"], self.allow_insecure_http),
            poll_policy=_given(changes["poll_policy"], self.poll_policy),
            clock=self.clock,
        )


class SettingChanges(TypedDict):
    """What ``with_options`` takes: each setting, or ``NOT_GIVEN`` to keep it."""

    api_key: str | NotGiven
    base_url: str | NotGiven
    timeout: TimeoutTypes | NotGiven
    create_timeout: TimeoutTypes | NotGiven
    max_retries: int | NotGiven
    retry: RetryPolicy | NotGiven
    headers: Mapping[str, str] | NotGiven
    poll_policy: PollPolicy | NotGiven
    allow_insecure_http: bool | NotGiven


def _given(value: _T | NotGiven, current: _T) -> _T:
    return current if isinstance(value, NotGiven) else value
