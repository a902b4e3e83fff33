"""What an answer says about a failure: the gateway's error envelope and its Retry-After.

Pure readers of a body and a header, importing nothing of the package: the
exception classes (``_errors``) read their fields through them when they are
made, and the code that builds errors from answers (``_failures``) quotes the
same fields in its messages, so neither has to import the other to agree.
Every reader takes whatever JSON came (any shape, any type) and answers
``None`` or nothing rather than fail: an error must never raise while it is
being built.
"""

from __future__ import annotations

import math
import time
from typing import Any, Final

import httpx

#: How much of a body that is not JSON a message quotes.
BODY_PREVIEW: Final = 300
#: How much of the code, of each text and of all texts together a message shows.
CODE_PREVIEW: Final = 120
TEXT_PREVIEW: Final = 300
TEXTS_PREVIEW: Final = 600
#: The ``details`` entries read for the message (the rest are in ``body``).
MAX_DETAILS: Final = 5


def _string(value: Any) -> str | None:
    """A non-blank string, stripped; anything else (None, numbers, objects) is none."""
    if isinstance(value, str):
        text = value.strip()
        if text:
            return text
    return None


def error_fields(body: Any) -> tuple[str | None, str | None]:
    """``error_code`` and ``reason`` from any of the envelope's shapes."""
    if not isinstance(body, dict):
        return None, None
    error, reason = body.get("error"), _string(body.get("reason"))
    if isinstance(error, dict):  # {"error": {"code"/"type": ..., "message"/"reason": ...}}
        code = _string(error.get("code")) or _string(error.get("type"))
        reason = reason or _string(error.get("reason")) or _string(error.get("message"))
        return code, reason
    return _string(error), reason


def request_id_of(body: Any, response: httpx.Response) -> str | None:
    """The body's ``request_id``, else its ``generation_id``, else the ``X-Request-Id`` header."""
    if isinstance(body, dict):
        found = _string(body.get("request_id")) or _string(body.get("generation_id"))
        if found is not None:
            return found
    return _string(response.headers.get("x-request-id"))


def number_field(body: Any, name: str) -> float | None:
    """A finite, non-negative number the body gives under ``name`` (a number or its text)."""
    if not isinstance(body, dict):
        return None
    value = body.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) and number >= 0 else None


def texts(body: Any) -> list[str]:
    """Every human text the envelope carries, in order, each once.

    The gateway puts its words in whichever of these it has: ``message``,
    ``description``, ``reason``, the nested ``error``'s ``message`` /
    ``description`` / ``reason``, ``upstream_error``'s ``message`` /
    ``description``, and ``details[].message``. Any may be missing, null or of
    the wrong type; only non-blank strings count.
    """
    if not isinstance(body, dict):
        return []
    found: list[Any] = [body.get("message"), body.get("description"), body.get("reason")]
    for name in ("error", "upstream_error"):
        nested = body.get(name)
        if isinstance(nested, dict):
            found += [nested.get("message"), nested.get("description"), nested.get("reason")]
    details = body.get("details")
    if isinstance(details, list):
        for detail in details[:MAX_DETAILS]:
            found.append(detail.get("message") if isinstance(detail, dict) else detail)
    said: list[str] = []
    for value in found:
        text = _string(value)
        if text is not None and text not in said:
            said.append(text)
    return said


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, ``...`` included, when longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def detail(body: Any, code: str | None) -> str:
    """What a status error's message says after the status: the code, then the texts."""
    said_texts = [cut(t, TEXT_PREVIEW) for t in texts(body) if t != code]
    said = cut("; ".join(said_texts), TEXTS_PREVIEW) if said_texts else ""
    code = code and cut(code, CODE_PREVIEW)
    if code and said:
        return f": {code}: {said}"
    if code or said:
        return f": {code or said}"
    if isinstance(body, str) and body.strip():
        return f": {body.strip()[:BODY_PREVIEW]!r}"
    return ""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    The header is the answer's own word on when to come back, beside the
    envelope's ``retry_after_seconds`` (:func:`number_field`): the retries, the
    status hints of polling and ``RateLimitError.retry_after`` all read it here.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            import email.utils

            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
