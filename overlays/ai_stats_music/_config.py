"""Where a client's settings come from: the API key, the base URL and the default timeouts.

The key and the base URL are resolved once, when a client is made, from the
arguments or the environment (this client's variables first, then those of the
gateway's own SDK), and checked there: a key that could not go in a header, or
a base URL that would send the key over plain http to another machine, is a
clear error before anything is sent.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Final

import httpx

from ._errors import AIStatsError
from ._redact import MIN_API_KEY_CHARS, remember_secret

__all__ = [
    "API_KEY_ENV",
    "API_KEY_ENVS",
    "BASE_URL_ENV",
    "BASE_URL_ENVS",
    "DEFAULT_BASE_URL",
    "DEFAULT_CREATE_READ_TIMEOUT",
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "env_api_key",
    "resolve_api_key",
    "resolve_base_url",
]

DEFAULT_BASE_URL: Final = "https://api.phaseo.app/v1"
API_KEY_ENV: Final = "AI_STATS_API_KEY"
BASE_URL_ENV: Final = "AI_STATS_BASE_URL"
#: Where the key and the base URL are looked for, in this order: this client's
#: own variables first (existing users), then those of the gateway's own SDK
#: (``phaseo``), so that a machine set up for one works with the other.
API_KEY_ENVS: Final = (API_KEY_ENV, "PHASEO_API_KEY")
BASE_URL_ENVS: Final = (BASE_URL_ENV, "PHASEO_BASE_URL")
#: Status reads (and downloads): the gateway answers them from its store at once.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
#: Seconds a create may take to answer by default. The gateway holds a create
#: open while the music is generated (tens of seconds with every active
#: provider) and its own queue route gives up at about 60 s with a 504 that
#: names the request. Three times that lets the gateway's answer -- the job,
#: or an error carrying an id -- come back first, as it should, and leaves room
#: for long songs; a client timeout, which leaves no id at all, is the last
#: resort.
DEFAULT_CREATE_READ_TIMEOUT: Final = 180.0
#: The create's timeout: ``DEFAULT_CREATE_READ_TIMEOUT`` for the answer, 10 s to
#: connect, and no bound on waiting for a free connection of the pool: a
#: create waiting there has provably not been sent, and with creates holding
#: connections for tens of seconds, hundreds of them at once must queue rather
#: than fail (see ``create_timeout``).
DEFAULT_CREATE_TIMEOUT: Final = httpx.Timeout(
    connect=10.0, read=DEFAULT_CREATE_READ_TIMEOUT, write=30.0, pool=None
)


class _Secret(str):
    """A string whose repr never shows its value (the API key in generated objects)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def _from_env(names: tuple[str, ...]) -> str | None:
    """The first of these environment variables that is set to something not blank."""
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip():
            return value
    return None


def env_api_key() -> str | None:
    """The API key from the environment: ``$AI_STATS_API_KEY``, else ``$PHASEO_API_KEY``."""
    return _from_env(API_KEY_ENVS)


def resolve_api_key(api_key: str | None) -> _Secret:
    """The key to send: the argument, else the environment; refused unless it can be one."""
    key = api_key if api_key is not None else env_api_key()
    if key is not None and not isinstance(key, str):
        raise AIStatsError(f"the API key must be a string, not {type(key).__name__}")
    if key is None or not key.strip():
        raise AIStatsError(
            f"no API key: pass api_key=... or set the {API_KEY_ENVS[0]} (or "
            f"{API_KEY_ENVS[1]}) environment variable"
        )
    if any(c in key for c in "\r\n\0"):
        raise AIStatsError("the API key must be a single-line string")
    if not key.isascii():
        # HTTP header values are bytes: httpx would fail on the first request
        # with a bare UnicodeEncodeError (which prints the character).
        raise AIStatsError(
            "the API key must be ASCII text (it goes in an HTTP header); this one has "
            "other characters: was it copied with a typographic quote or a space?"
        )
    key = key.strip()
    if len(key) < MIN_API_KEY_CHARS:
        # Never quoted: even a wrong key may be a real one's start.
        raise AIStatsError(
            f"the API key is too short ({len(key)} characters; at least "
            f"{MIN_API_KEY_CHARS} are needed): a key that short is not one the gateway "
            "issues, and removing it from error messages would mangle ordinary words"
        )
    remember_secret(key)  # out of every log record from now on
    return _Secret(key)


def _is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``: names that never leave the machine.

    Not ``*.localhost``: only some resolvers keep those on the machine (RFC 6761
    asks them to); others send the name to a DNS server, which may answer with
    any address, and the key would follow it in clear.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, *, allow_insecure_http: bool) -> str:
    """The base URL to use; plain http to another host than loopback is refused.

    The key travels in every request's Authorization header, so over plain http
    it would cross the network in clear: that takes ``allow_insecure_http=True``.
    The URL is read by httpx, the parser that sends the requests: a URL that two
    parsers read differently cannot pass the check as one host and be sent to
    another.
    """
    url = base_url or _from_env(BASE_URL_ENVS) or DEFAULT_BASE_URL
    try:
        parts = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"base_url is not a valid URL ({exc})") from None
    if parts.userinfo:
        raise ValueError("base_url must not carry credentials")
    if parts.scheme not in ("http", "https") or not parts.host:
        raise ValueError(f"base_url must be an http(s) URL with a host, not {url!r}")
    if "?" in url or "#" in url:
        raise ValueError(
            f"base_url must not have a query or a fragment (operation paths are appended "
            f"to it), not {url!r}"
        )
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.host):
        raise ValueError(
            f"base_url {url!r} is plain http to a host that is not loopback: the API key "
            "would cross the network in clear. Use https, or pass allow_insecure_http=True."
        )
    return url.rstrip("/")
