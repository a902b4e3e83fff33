"""The arguments of the :class:`~._faults.Fault` constructors, checked and shaped.

Each constructor fails at once, with a message naming the argument, on a
value the gateway could not play (a status out of range, a negative delay);
the bodies of error and HTML faults are made here too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

__all__ = ["error_body", "error_status", "html_page", "mid_body", "seconds", "status_code"]

_HTML_PAGE: Final = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def seconds(value: float | None, name: str, *, allow_none: bool) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise ValueError(f"{name} is required")
    if isinstance(value, bool) or not (
        isinstance(value, int | float) and math.isfinite(value) and value >= 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def mid_body(value: bool | int) -> bool | int:
    if value is True or value is False:
        return value
    if type(value) is not int or value < 0:
        raise ValueError(f"mid_body must be a bool or a byte count >= 0, got {value!r}")
    return value


def status_code(code: int, low: int = 100) -> int:
    if type(code) is not int or not low <= code <= 599:
        raise ValueError(f"status must be an int in {low}..599, got {code!r}")
    return code


def error_status(code: int, retry_after: float | str | None) -> int:
    """``code`` checked as an error status (400..599) and ``retry_after`` as seconds or a date."""
    if retry_after is not None and not isinstance(retry_after, str):
        seconds(retry_after, "retry_after", allow_none=False)
    return status_code(code, 400)


def error_body(body: bytes | str | Mapping[str, Any] | None) -> tuple[bytes | None, str]:
    """The raw body and content type of ``Fault.status``'s ``body`` (None: the default)."""
    if body is None:
        return None, "application/json"
    if isinstance(body, Mapping):
        return json.dumps(body, separators=(",", ":")).encode("utf-8"), "application/json"
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    return raw, "text/plain; charset=utf-8"


def html_page(code: int) -> bytes:
    """The HTML error page an nginx in front of the gateway sends for ``code``."""
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    return _HTML_PAGE.format(code=code, phrase=phrase).encode("utf-8")
