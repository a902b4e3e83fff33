"""openapi.yaml says what upstream says (shared/upstream/README.md), and nothing less.

The spec is kept as upstream publishes it: four operations, bearer auth, one
untyped answer schema. These tests pin every request field and enum of the
upstream notes, so that an edit of the spec that drops or renames one (and the
regeneration that would follow) is caught here, by name.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

ROOT = Path(__file__).resolve().parent.parent
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

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
UNIT: Schema = {"type": "number", "minimum": 0, "maximum": 1}

# Per object: field -> the schema keywords it must carry (descriptions and
# examples are free to change, the shape is not).
REQUEST_FIELDS: dict[str, Schema] = {
    "model": STRING,
    "prompt": STRING,
    "duration": INTEGER,
    "format": {"type": "string", "enum": ["mp3", "wav", "ogg", "aac"]},
    "provider": {"$ref": "#/components/schemas/ProviderRoutingOptions"},
    "suno": {"$ref": "#/components/schemas/SunoMusicOptions"},
    "elevenlabs": {"$ref": "#/components/schemas/ElevenLabsMusicOptions"},
    "echo_upstream_request": BOOLEAN,
    "debug": {"$ref": "#/components/schemas/DebugOptions"},
}

PROVIDER_FIELDS: dict[str, Schema] = {
    "order": STRINGS,
    "only": STRINGS,
    "ignore": STRINGS,
    "include_alpha": BOOLEAN,
    "allow_fallbacks": BOOLEAN,
    "require_parameters": BOOLEAN,
    "require_zero_data_retention": BOOLEAN,
    "zdr": BOOLEAN,
    "enforce_distillable_text": BOOLEAN,
    "required_execution_region": STRING,
    "required_data_region": STRING,
    "sort": STRING,
    "quantizations": STRINGS,
    "max_price": {"$ref": "#/components/schemas/ProviderMaxPrice"},
    "preferred_min_throughput": NUMBER,
    "preferred_max_latency": NUMBER,
}

MAX_PRICE_FIELDS: dict[str, Schema] = {
    "prompt": NUMBER,
    "completion": NUMBER,
    "image": NUMBER,
    "audio": NUMBER,
    "request": NUMBER,
}

# Suno's own camelCase names: the gateway forwards them as they are.
SUNO_FIELDS: dict[str, Schema] = {
    "prompt": STRING,
    "style": STRING,
    "title": STRING,
    "customMode": {"type": "boolean", "default": False},
    "instrumental": {"type": "boolean", "default": False},
    "personaId": STRING,
    "personaModel": STRING,
    "model": STRING,
    "negativeTags": STRING,
    "vocalGender": {"type": "string", "enum": ["m", "f"]},
    "styleWeight": UNIT,
    "weirdnessConstraint": UNIT,
    "audioWeight": UNIT,
    "callBackUrl": STRING,
}

# ElevenLabs' own snake_case names.
ELEVENLABS_FIELDS: dict[str, Schema] = {
    "prompt": STRING,
    "composition_plan": {"type": "object", "additionalProperties": True},
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
    "trace_level": STRING,
}

OBJECTS: dict[str, dict[str, Schema]] = {
    "MusicGenerateRequest": REQUEST_FIELDS,
    "ProviderRoutingOptions": PROVIDER_FIELDS,
    "ProviderMaxPrice": MAX_PRICE_FIELDS,
    "SunoMusicOptions": SUNO_FIELDS,
    "ElevenLabsMusicOptions": ELEVENLABS_FIELDS,
    "DebugOptions": DEBUG_FIELDS,
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


def test_info_server_tag_and_security(spec: dict[str, Any]) -> None:
    assert spec["info"]["title"] == "AI Stats Gateway API"
    assert spec["info"]["version"] == "1.0.0"
    assert spec["servers"] == [{"url": "https://api.phaseo.app/v1"}]
    assert [tag["name"] for tag in spec["tags"]] == ["Gateway"]
    assert spec["security"] == [{"BearerAuth": []}]
    scheme = spec["components"]["securitySchemes"]["BearerAuth"]
    assert _shape(scheme) == {"type": "http", "scheme": "bearer"}


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
    # No operation overrides the document-wide BearerAuth requirement.
    assert op.get("security", spec["security"]) == [{"BearerAuth": []}]
    # Upstream documents only the 200 answer, always the untyped object.
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


# -- the request body ----------------------------------------------------------


def test_request_requires_only_model(spec: dict[str, Any]) -> None:
    request = _schemas(spec)["MusicGenerateRequest"]
    assert request["type"] == "object"
    assert request["required"] == ["model"]


@pytest.mark.parametrize("name", list(OBJECTS))
def test_object_has_exactly_the_upstream_fields(spec: dict[str, Any], name: str) -> None:
    schema = _schemas(spec)[name]
    assert schema["type"] == "object"
    expected = OBJECTS[name]
    properties = schema["properties"]
    assert set(properties) == set(expected), name
    for field, shape in expected.items():
        assert _shape(properties[field]) == shape, f"{name}.{field}"
    # Only the top-level request has a required field.
    if name != "MusicGenerateRequest":
        assert "required" not in schema


def test_every_ref_in_the_request_resolves_to_an_object(spec: dict[str, Any]) -> None:
    request = _schemas(spec)["MusicGenerateRequest"]
    seen: list[str] = []

    def walk(node: Schema) -> None:
        for prop in node.get("properties", {}).values():
            if "$ref" in prop:
                seen.append(prop["$ref"])
                target = _resolve(spec, prop)
                assert target["type"] == "object"
                walk(target)

    walk(request)
    assert sorted(seen) == sorted(
        f"#/components/schemas/{name}" for name in OBJECTS if name != "MusicGenerateRequest"
    )


def test_format_and_vocal_gender_enums(spec: dict[str, Any]) -> None:
    schemas = _schemas(spec)
    assert schemas["MusicGenerateRequest"]["properties"]["format"]["enum"] == [
        "mp3",
        "wav",
        "ogg",
        "aac",
    ]
    assert schemas["SunoMusicOptions"]["properties"]["vocalGender"]["enum"] == ["m", "f"]


def test_suno_keys_are_camel_case_and_elevenlabs_keys_snake_case(spec: dict[str, Any]) -> None:
    schemas = _schemas(spec)
    suno = set(schemas["SunoMusicOptions"]["properties"])
    assert {
        "customMode",
        "personaId",
        "personaModel",
        "negativeTags",
        "vocalGender",
        "styleWeight",
        "weirdnessConstraint",
        "audioWeight",
        "callBackUrl",
    } <= suno
    assert not any("_" in key for key in suno)
    elevenlabs = set(schemas["ElevenLabsMusicOptions"]["properties"])
    assert {"composition_plan", "music_length_ms", "model_id", "force_instrumental"} <= elevenlabs
    assert not any(key != key.lower() for key in elevenlabs)


# -- the answer ----------------------------------------------------------------


def test_answers_stay_untyped_as_upstream_publishes_them(spec: dict[str, Any]) -> None:
    schemas = _schemas(spec)
    assert _shape(schemas["MusicGenerateResponse"]) == {
        "type": "object",
        "additionalProperties": True,
    }
    assert set(schemas) == {*OBJECTS, "MusicGenerateResponse"}


# -- the copy that travels with the generated package --------------------------


def test_generated_openapi_json_is_the_parsed_yaml(spec: dict[str, Any]) -> None:
    shipped = json.loads(GENERATED_SPEC_PATH.read_text(encoding="utf-8"))
    assert shipped == spec
