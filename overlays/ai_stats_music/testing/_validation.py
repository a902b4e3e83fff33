"""What the gateway checks in a create request: the spec's schema, then Suno's rules.

The schema is ``MusicGenerateRequest`` from the OpenAPI document that travels
with the generated package (``openapi.json``), so the fake checks exactly what
the spec says, and follows it when the spec changes. The validator is built
once, on first use.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any, Final

from .._gen import package

__all__ = [
    "InvalidRequest",
    "effective_prompts",
    "load_spec",
    "parse_create_body",
    "prepare",
    "split_model",
]

_SCHEMA_NAME: Final = "MusicGenerateRequest"
_MAX_VALUE_PREVIEW: Final = 200


class InvalidRequest(ValueError):
    """The request is refused; ``reason`` names the field (it is the 400 answer's reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.cache
def load_spec() -> dict[str, Any]:
    """The OpenAPI document the generated package was generated from."""
    text = (resources.files(package) / "openapi.json").read_text(encoding="utf-8")
    spec = json.loads(text)
    if not isinstance(spec, dict):
        raise RuntimeError("openapi.json of the generated package is not a JSON object")
    return spec


@functools.cache
def _validator() -> Any:
    # Imported here: openapi-schema-validator takes about half a second to import
    # (it loads pydantic-settings), a cost only a gateway that serves should pay.
    from openapi_schema_validator import OAS30Validator

    components = load_spec().get("components", {})
    if _SCHEMA_NAME not in components.get("schemas", {}):
        raise RuntimeError(f"the spec has no components.schemas.{_SCHEMA_NAME}")
    # The refs in the spec are document-local (#/components/schemas/...): a root
    # schema that carries the components resolves them against itself.
    schema = {"$ref": f"#/components/schemas/{_SCHEMA_NAME}", "components": components}
    OAS30Validator.check_schema(schema)
    return OAS30Validator(schema)


def prepare() -> None:
    """Build the validator now (it is cached), so that no request waits for it."""
    _validator()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _field_path(path: Sequence[object]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _schema_reason(error: Any) -> str:
    path = _field_path(list(error.absolute_path))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            field = f"{path}.{missing[0]}" if path else str(missing[0])
            return f"{field} is required"
    message = str(error.message)
    if len(message) > _MAX_VALUE_PREVIEW:
        message = message[:_MAX_VALUE_PREVIEW] + "..."
    return f"{path or 'body'}: {message}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else type(value).__name__


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def effective_prompts(body: dict[str, Any]) -> tuple[str, ...]:
    """Every prompt a request carries: ``suno.prompt``, ``elevenlabs.prompt``, ``prompt``."""
    found: list[str] = []
    for holder in (body.get("suno"), body.get("elevenlabs"), body):
        if isinstance(holder, dict) and isinstance(holder.get("prompt"), str):
            found.append(holder["prompt"])
    return tuple(found)


def _suno_rules(body: dict[str, Any]) -> None:
    suno = body.get("suno")
    options: dict[str, Any] = suno if isinstance(suno, dict) else {}
    has_prompt = _present(options.get("prompt")) or _present(body.get("prompt"))
    if not options.get("customMode", False):
        if not has_prompt:
            raise InvalidRequest(
                "prompt is required when suno.customMode is false (set prompt or suno.prompt)"
            )
        return
    for field in ("style", "title"):
        if not _present(options.get(field)):
            raise InvalidRequest(f"suno.{field} is required when suno.customMode is true")
    if not options.get("instrumental", False) and not has_prompt:
        raise InvalidRequest(
            "suno.prompt (or prompt) is required when suno.customMode is true "
            "and suno.instrumental is false"
        )


def split_model(model: str) -> tuple[str, str]:
    """``"suno/v4.5plus"`` -> ``("suno", "v4.5plus")``; raises InvalidRequest otherwise."""
    provider, sep, name = model.partition("/")
    if not (sep and provider.strip() and name.strip()):
        raise InvalidRequest(
            f"model: expected '<provider>/<model>' such as 'eleven-labs/music', got {model[:80]!r}"
        )
    return provider, name


def parse_create_body(raw: bytes) -> dict[str, Any]:
    """Parse and check a create request body; raises :class:`InvalidRequest`."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest(f"body: not valid JSON ({exc})") from None
    except RecursionError:  # a few kilobytes of "[[[[": a 400, like any unreadable body
        raise InvalidRequest("body: JSON nested too deeply") from None
    if not isinstance(body, dict):
        raise InvalidRequest(f"body: expected a JSON object, got {_json_type(body)}")
    for error in _validator().iter_errors(body):
        raise InvalidRequest(_schema_reason(error))
    provider, _ = split_model(body["model"])
    if provider == "suno":
        _suno_rules(body)
    return body
