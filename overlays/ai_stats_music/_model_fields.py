"""How the models read an answer's object and write it back, fast and losslessly.

Every model parses the same way: a table maps each wire key to an attribute
and the exact types it takes; values of those types become attributes,
``null`` reads ``None`` (remembered, so ``to_dict`` sends it back), and
anything else is kept in ``additional_properties``. Parsing runs for every
clip of every status answer while a job is polled, so it is one pass that
sets the instance's ``__dict__`` at once, without the frozen ``__init__``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias, TypeVar

import attrs

from ._errors import MalformedResponseError

JSON: TypeAlias = Any
#: A field's table: wire key -> (attribute name, accepted exact types).
FieldTable: TypeAlias = Mapping[str, tuple[str, tuple[type, ...]]]
MISSING: Final = object()
_NO_NULLS: Final[frozenset[str]] = frozenset()
_M = TypeVar("_M")

STR: Final = (str,)
INT: Final = (int,)
NUM: Final = (int, float)  # exact types: a bool is not a number here
LIST: Final = (list,)
#: The exact types a flat model's field takes on the wire, by its annotation.
_WIRE_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "int | None": INT,
    "float | None": NUM,
    "str | None": STR,
    "list[JSON] | None": LIST,
}
#: The fields of every model that are not wire keys of their own.
_NOT_WIRE: Final = frozenset({"additional_properties", "_nulls"})


def parse_fields(
    src: Mapping[str, Any],
    spec: FieldTable,
    defaults: dict[str, Any],
) -> dict[str, Any]:
    """The attribute values of a model parsed from one answer object.

    ``spec`` maps a wire key to (attribute name, accepted exact types). Values
    of those types become attributes, ``null`` becomes ``None`` (remembered in
    ``_nulls`` for ``to_dict``), and anything else is an additional property.
    One pass, no copies: this runs for every clip of every status answer.
    """
    state = defaults.copy()
    extra: dict[str, Any] = {}
    nulls: list[str] | None = None
    for key, value in src.items():
        known = spec.get(key)
        if known is not None:
            if type(value) in known[1]:
                state[known[0]] = value
                continue
            if value is None:
                if nulls is None:
                    nulls = [key]
                else:
                    nulls.append(key)
                continue
        extra[key] = value
    state["additional_properties"] = extra
    state["_nulls"] = _NO_NULLS if nulls is None else frozenset(nulls)
    return state


_new = object.__new__
_set = object.__setattr__


def make(cls: type[_M], state: dict[str, Any]) -> _M:
    """An instance of a frozen attrs model from all its attribute values, without ``__init__``.

    ``from_dict`` is on the hot path of polling (see bench/): setting the
    instance's ``__dict__`` in one go costs a fraction of the keyword
    ``__init__`` of a frozen class. ``state`` must hold every attribute (the
    models have no validators to skip).
    """
    obj = _new(cls)
    _set(obj, "__dict__", state)
    return obj


def emit(out: dict[str, Any], key: str, value: Any, nulls: frozenset[str]) -> None:
    """Write ``key`` back as it came: its value, or ``null`` if it was sent as one."""
    if value is not None:
        out[key] = value
    elif key in nulls:
        out[key] = None


def require_mapping(src: object, where: str) -> Mapping[str, Any]:
    """``src`` if it is a JSON object, else ``MalformedResponseError`` naming ``where``."""
    if type(src) is not dict and not isinstance(src, Mapping):
        raise MalformedResponseError(
            f"expected a JSON object for {where}, got {type(src).__name__}", field=where
        )
    return src


def flat_table(cls: type) -> dict[str, tuple[str, tuple[type, ...]]]:
    """The wire table of a flat model, from its attrs fields in declaration order:
    each field is the wire key of its name, taking the exact types its annotation
    names (an annotation not in ``_WIRE_TYPES`` fails at import, not on an answer)."""
    return {
        f.name: (f.name, _WIRE_TYPES[str(f.type)])
        for f in attrs.fields(cls)
        if f.name not in _NOT_WIRE
    }


def parse_flat(
    cls: type[_M], src: object, where: str, spec: FieldTable, defaults: dict[str, Any]
) -> _M:
    """A flat model (a clip, a usage: scalar fields named as their wire keys) from its object."""
    return make(cls, parse_fields(require_mapping(src, where), spec, defaults))


def flat_to_dict(obj: object, spec: FieldTable) -> dict[str, JSON]:
    """The object a flat model was read from (``parse_flat`` of it gives it back),
    keys in the table's order."""
    out: dict[str, Any] = {}
    state = obj.__dict__
    nulls = state["_nulls"]
    for key in spec:
        emit(out, key, state[key], nulls)
    out.update(state["additional_properties"])
    return out
