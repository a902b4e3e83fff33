"""Every redaction the package does, written once: secrets out of text.

Three callers, one logic. Errors lose the client's key from their message
(:func:`scrub`: a server may echo headers back); log records lose the key of
every client made in this process and any ``Bearer`` token
(:func:`scrub_known`, the logger's filter); downloads and the command line
take a given secret (a signed URL's query values, the key) out of what they
print or raise (:func:`redact`).
"""

from __future__ import annotations

import re
from typing import Final, TypeVar

from ._errors import AIStatsError

__all__ = ["MIN_API_KEY_CHARS", "redact", "remember_secret", "scrub", "scrub_key", "scrub_known"]

#: The shortest key accepted, and the shortest start of one that is cut out.
#: Every message, log line and CLI output has the key cut out of it, and so has
#: any start of it of this length or more (previews cut an echoed key anywhere):
#: with a key of a letter or two, that would blank that letter everywhere
#: (``generate`` -> ``g***n***rat***``). The gateway's keys are tens of characters long.
MIN_API_KEY_CHARS: Final = 8

#: The keys of the clients made in this process, longest first (see :func:`scrub_known`).
_secrets: list[str] = []
_BEARER: Final = re.compile(r"(?i)\bbearer\s+[^\s'\"]+")

_E = TypeVar("_E", bound=AIStatsError)


def redact(text: str, secret: str) -> str:
    """``text`` with every whole occurrence of ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret and secret in text else text


def scrub_key(text: str, secret: str) -> str:
    """``text`` without the key ``secret``: the whole key, then any start of it of
    ``MIN_API_KEY_CHARS`` characters or more (an error's body preview may cut an
    echoed key short)."""
    if not secret or secret[:MIN_API_KEY_CHARS] not in text:
        return text  # neither the key nor a start of it long enough to remove
    text = text.replace(secret, "***")
    for end in range(len(secret) - 1, MIN_API_KEY_CHARS - 1, -1):
        if secret[:end] in text:
            text = text.replace(secret[:end], "***")
    return text


def remember_secret(secret: str) -> None:
    """Take ``secret`` (an API key) out of every record logged from now on."""
    if secret and secret not in _secrets:
        _secrets.append(secret)
        _secrets.sort(key=len, reverse=True)


def scrub_known(text: str) -> str:
    """``text`` without any ``Bearer`` token or any key :func:`remember_secret` was given."""
    text = _BEARER.sub("Bearer ***", text)
    for secret in _secrets:
        text = scrub_key(text, secret)
    return text


def scrub(error: _E, secret: str) -> _E:
    """Remove the key from an error's message (a server may echo headers back).

    Messages quote only the start of a body, so an echoed key may be cut short
    in one: its first 8 characters or more are removed as well as the whole
    (:func:`scrub_key`, which log records go through too).
    """
    message = scrub_key(error.message, secret)
    if message != error.message:
        error.message = message
        error.args = (message,)
    return error
