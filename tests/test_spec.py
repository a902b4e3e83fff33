"""openapi.yaml says what upstream says (shared/upstream/README.md), and nothing less.

The spec is the music subset of the gateway's newest published document, cut
by tools/spec_subset.py (`nox -s update_spec`): four operations, bearer auth,
the typed answer. These tests pin every request and answer field and enum of
the upstream notes, so that an update of the spec that drops or renames one
(and the regeneration that would follow) is caught here, by name, and reviewed.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml
from _support import ROOT
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

SPEC_PATH = ROOT / "openapi.yaml"
GENERATED_SPEC_PATH = ROOT / "generated" / "ai_stats_gateway" / "openapi.json"

Schema = dict[str, Any]

# -- what upstream documents (shared/upstream/README.md) ----------------------

OPERATIONS: dict[tuple[str, str], str] = {
    ("/music/generate", "post"): "generateMusic",
    ("/music/generate/{music_id}", "get"): "getMusicGeneration",
    ("/music/generations", "post"): "generateMusicAlias",
    ("/music/generations/{music_id}", "get"): "getMusicGenerationAlias",
}
# Upstream's own music excerpt of its newest published document, verbatim.
LATEST = ROOT / "tests" / "data" / "music-2026-08-latest.yaml"

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}  # declared inline: its fields are pinned below
STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
UNIT: Schema = {"type": "number", "minimum": 0, "maximum": 1}
URI: Schema = {"type": "string", "format": "uri"}
NULLABLE_BOOLEAN: Schema = {"type": "boolean", "nullable": True}
NULLABLE_STRING: Schema = {"type": "string", "nullable": True}
NUMBER_OR_STRING: Schema = {"oneOf": [NUMBER, STRING]}
NUMBER_OR_NUMBERS: Schema = {"oneOf": [NUMBER, {"type": "object", "additionalProperties": NUMBER}]}

# Per object: field -> the schema keywords it must carry (descriptions and
# examples are free to change, the shape is not).
REQUEST_FIELDS: dict[str, Schema] = {
    "model": STRING,
    "prompt": STRING,
    "duration": INTEGER,
    "format": {"type": "string", "enum": ["mp3", "wav", "ogg", "aac"]},
    "provider": {"$ref": "#/components/schemas/ProviderRoutingOptions"},
    "suno": OBJECT,
    "elevenlabs": OBJECT,
    "echo_upstream_request": BOOLEAN,
    "debug": {"$ref": "#/components/schemas/DebugOptions"},
}

PROVIDER_FIELDS: dict[str, Schema] = {
    "order": STRINGS,
    "only": STRINGS,
    "ignore": STRINGS,
    "include_alpha": BOOLEAN,
    "allow_fallbacks": NULLABLE_BOOLEAN,
    "require_parameters": NULLABLE_BOOLEAN,
    "required_execution_region": NULLABLE_STRING,
    "required_data_region": NULLABLE_STRING,
    "require_zero_data_retention": NULLABLE_BOOLEAN,
    "data_collection": {"type": "string", "nullable": True, "enum": ["allow", "deny"]},
    "zdr": NULLABLE_BOOLEAN,
    "enforce_distillable_text": NULLABLE_BOOLEAN,
    "quantizations": {"type": "array", "nullable": True, "items": STRING},
    "sort": {"oneOf": [STRING, {"type": "object", "additionalProperties": True}]},
    "max_price": OBJECT,
    "preferred_min_throughput": NUMBER_OR_NUMBERS,
    "preferred_max_latency": NUMBER_OR_NUMBERS,
}

MAX_PRICE_FIELDS: dict[str, Schema] = {
    "prompt": NUMBER_OR_STRING,
    "completion": NUMBER_OR_STRING,
    "image": NUMBER_OR_STRING,
    "audio": NUMBER_OR_STRING,
    "request": NUMBER_OR_STRING,
}

# Suno's own camelCase names: the gateway forwards them as they are.
SUNO_FIELDS: dict[str, Schema] = {
    "prompt": STRING,
    "style": STRING,
    "title": STRING,
    "customMode": BOOLEAN,
    "instrumental": BOOLEAN,
    "personaId": STRING,
    "model": STRING,
    "negativeTags": STRING,
    "vocalGender": {"type": "string", "enum": ["m", "f"]},
    "styleWeight": UNIT,
    "weirdnessConstraint": UNIT,
    "audioWeight": UNIT,
    "callBackUrl": URI,
}

# ElevenLabs' own snake_case names.
ELEVENLABS_FIELDS: dict[str, Schema] = {
    "prompt": STRING,
    "composition_plan": OBJECT,
    "music_length_ms": INTEGER,
    "model_id": STRING,
    "force_instrumental": BOOLEAN,
    "store_for_inpainting": BOOLEAN,
    "with_timestamps": BOOLEAN,
    "sign_with_c2pa": BOOLEAN,
    "output_format": STRING,
}

DEBUG_FIELDS: dict[str, Schema] = {
    "enabled": BOOLEAN,
    "return_upstream_request": BOOLEAN,
    "return_upstream_response": BOOLEAN,
    "trace": BOOLEAN,
    "trace_level": {"type": "string", "enum": ["summary", "full"]},
}

# The answer: typed since the newest document, extra keys still allowed.
RESPONSE_FIELDS: dict[str, Schema] = {
    "id": STRING,
    "object": {"type": "string", "enum": ["music"]},
    "status": {"type": "string", "enum": ["queued", "in_progress", "completed", "failed"]},
    "model": STRING,
    "provider": STRING,
    "nativeResponseId": NULLABLE_STRING,
    "audio_url": URI,
    "audio_base64": STRING,
    "result": {},  # any shape: the provider's own metadata
    "output": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    "usage": {"type": "object", "additionalProperties": True},
}
RESPONSE_REQUIRED = ["id", "object", "status", "model", "provider"]

# Objects by where they are declared: a schema, or a property path inside one.
OBJECTS: dict[tuple[str, ...], dict[str, Schema]] = {
    ("MusicGenerateRequest",): REQUEST_FIELDS,
    ("MusicGenerateRequest", "suno"): SUNO_FIELDS,
    ("MusicGenerateRequest", "elevenlabs"): ELEVENLABS_FIELDS,
    ("ProviderRoutingOptions",): PROVIDER_FIELDS,
    ("ProviderRoutingOptions", "max_price"): MAX_PRICE_FIELDS,
    ("DebugOptions",): DEBUG_FIELDS,
    ("MusicGenerateResponse",): RESPONSE_FIELDS,
}
SCHEMAS = {
    "MusicGenerateRequest",
    "MusicGenerateResponse",
    "ProviderRoutingOptions",
    "DebugOptions",
}

# -- helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as f:
        loaded = yaml.safe_load(f)
    assert isinstance(loaded, dict)
    return loaded


def _schemas(spec: dict[str, Any]) -> dict[str, Schema]:
    schemas = spec["components"]["schemas"]
    assert isinstance(schemas, dict)
    return schemas


def _resolve(spec: dict[str, Any], node: Schema) -> Schema:
    """Follow a local ``$ref`` (``#/a/b/c``) to the schema it names."""
    ref = node.get("$ref")
    if ref is None:
        return node
    assert isinstance(ref, str)
    assert ref.startswith("#/"), f"only local refs are expected, got {ref}"
    target: Any = spec
    for part in ref[2:].split("/"):
        target = target[part]
    assert isinstance(target, dict)
    return target


def _shape(schema: Schema) -> Schema:
    """The schema without its prose: what a generator and a validator act on."""
    return {k: v for k, v in schema.items() if k not in {"description", "example", "title"}}


# -- the document as a whole ---------------------------------------------------


def test_spec_is_a_valid_openapi_3_0_3_document(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    validate(spec, cls=OpenAPIV30SpecValidator)  # raises on the first error
    assert [e.message for e in OpenAPIV30SpecValidator(spec).iter_errors()] == []


def test_the_validator_is_not_a_rubber_stamp(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    del broken["paths"]["/music/generate"]["post"]["responses"]
    messages = [e.message for e in OpenAPIV30SpecValidator(broken).iter_errors()]
    # One error, naming the missing key (the quoting differs between the
    # jsonschema backends the validator may use).
    assert len(messages) == 1, messages
    assert re.match(r"""^['"]responses['"] is a required property""", messages[0]), messages


def test_info_servers_tag_and_security(spec: dict[str, Any]) -> None:
    assert spec["info"]["title"] == "Phaseo Gateway API"
    assert spec["info"]["version"] == "1.0.0"
    assert [server["url"] for server in spec["servers"]] == [
        "https://api.phaseo.app/v1",
        "https://eu.api.phaseo.app/v1",
        "https://us.api.phaseo.app/v1",
    ]
    assert [tag["name"] for tag in spec["tags"]] == ["Gateway"]
    assert spec["security"] == [{"BearerAuth": []}]
    scheme = spec["components"]["securitySchemes"]["BearerAuth"]
    assert _shape(scheme) == {"type": "http", "scheme": "bearer"}


def test_spec_is_upstreams_newest_music_excerpt(spec: dict[str, Any]) -> None:
    """The tool's cut of the newest document equals upstream's own excerpt of it."""
    latest = yaml.safe_load(LATEST.read_text(encoding="utf-8"))
    assert spec == latest


def test_exactly_the_four_upstream_operations(spec: dict[str, Any]) -> None:
    found = {
        (path, method): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    }
    assert found == OPERATIONS


@pytest.mark.parametrize(("path", "method"), list(OPERATIONS))
def test_operation_shape(spec: dict[str, Any], path: str, method: str) -> None:
    op = spec["paths"][path][method]
    assert op["tags"] == ["Gateway"]
    assert op["x-beta"] is True
    # No operation overrides the document-wide BearerAuth requirement.
    assert op.get("security", spec["security"]) == [{"BearerAuth": []}]
    # Upstream documents only the 200 answer, always the one answer schema.
    assert list(op["responses"]) == ["200"]
    answer = op["responses"]["200"]["content"]
    assert list(answer) == ["application/json"]
    assert answer["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MusicGenerateResponse"
    }
    if method == "post":
        assert "parameters" not in op
        body = op["requestBody"]
        assert body["required"] is True
        assert list(body["content"]) == ["application/json"]
        assert body["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/MusicGenerateRequest"
        }
    else:
        assert "requestBody" not in op
        assert [_shape(p) for p in op["parameters"]] == [
            {"name": "music_id", "in": "path", "required": True, "schema": {"type": "string"}}
        ]


# -- the objects -----------------------------------------------------------------


def _object(spec: dict[str, Any], where: tuple[str, ...]) -> Schema:
    node = _schemas(spec)[where[0]]
    for name in where[1:]:
        node = node["properties"][name]
    return node


def test_exactly_the_upstream_schemas(spec: dict[str, Any]) -> None:
    assert set(_schemas(spec)) == SCHEMAS


def test_only_the_request_model_and_the_answers_five_fields_are_required(
    spec: dict[str, Any],
) -> None:
    required = {
        where: _object(spec, where)["required"]
        for where in OBJECTS
        if "required" in _object(spec, where)
    }
    assert required == {
        ("MusicGenerateRequest",): ["model"],
        ("MusicGenerateResponse",): RESPONSE_REQUIRED,
    }


@pytest.mark.parametrize("where", list(OBJECTS), ids=".".join)
def test_object_has_exactly_the_upstream_fields(
    spec: dict[str, Any], where: tuple[str, ...]
) -> None:
    schema = _object(spec, where)
    assert schema["type"] == "object"
    expected = OBJECTS[where]
    properties = schema["properties"]
    assert set(properties) == set(expected), where
    for field, shape in expected.items():
        # An inline object's own fields are pinned under its own entry.
        own = {k: v for k, v in _shape(properties[field]).items() if k != "properties"}
        assert own == shape, f"{'.'.join(where)}.{field}"
        if "properties" in properties[field]:
            assert (*where, field) in OBJECTS, f"{'.'.join(where)}.{field} is not pinned"


def test_the_answer_keeps_extra_keys(spec: dict[str, Any]) -> None:
    assert _schemas(spec)["MusicGenerateResponse"]["additionalProperties"] is True


def test_every_ref_in_the_request_resolves_to_an_object(spec: dict[str, Any]) -> None:
    request = _schemas(spec)["MusicGenerateRequest"]
    seen: list[str] = []

    def walk(node: Schema) -> None:
        for prop in node.get("properties", {}).values():
            if "$ref" in prop:
                seen.append(prop["$ref"])
            target = _resolve(spec, prop)
            if target.get("type") == "object":
                walk(target)

    walk(request)
    assert sorted(seen) == [
        "#/components/schemas/DebugOptions",
        "#/components/schemas/ProviderRoutingOptions",
    ]


def test_suno_keys_are_camel_case_and_elevenlabs_keys_snake_case(spec: dict[str, Any]) -> None:
    suno = set(_object(spec, ("MusicGenerateRequest", "suno"))["properties"])
    assert {
        "customMode",
        "personaId",
        "negativeTags",
        "vocalGender",
        "styleWeight",
        "weirdnessConstraint",
        "audioWeight",
        "callBackUrl",
    } <= suno
    assert not any("_" in key for key in suno)
    elevenlabs = set(_object(spec, ("MusicGenerateRequest", "elevenlabs"))["properties"])
    assert {"composition_plan", "music_length_ms", "model_id", "force_instrumental"} <= elevenlabs
    assert not any(key != key.lower() for key in elevenlabs)


# -- the copy that travels with the generated package --------------------------


def test_generated_openapi_json_is_the_parsed_yaml(spec: dict[str, Any]) -> None:
    shipped = json.loads(GENERATED_SPEC_PATH.read_text(encoding="utf-8"))
    assert shipped == spec
