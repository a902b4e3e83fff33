"""tools/spec_subset.py cuts the music API out of the gateway's whole document.

Tested on a real whole published document (tests/data/full-2026-08-22.yaml, 70
paths and 175 schemas) and on upstream's own music excerpt
(tests/data/music-2026-08-latest.yaml), plus small documents made here for the
cases those two do not contain (aliases, discriminators, other components).
What the subset should hold is computed here independently of the tool.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from _repo import Nox, copy_project, shared_nox
from _support import ROOT
from openapi_spec_validator import OpenAPIV30SpecValidator

from tools import spec_subset
from tools.spec_subset import SpecSubsetError, subset_text, write_subset

DATA = Path(__file__).resolve().parent / "data"
FULL = DATA / "full-2026-08-22.yaml"
LATEST = DATA / "music-2026-08-latest.yaml"
SPEC = ROOT / "openapi.yaml"

MUSIC_OPERATIONS = {
    ("/music/generate", "post"): "generateMusic",
    ("/music/generate/{music_id}", "get"): "getMusicGeneration",
    ("/music/generations", "post"): "generateMusicAlias",
    ("/music/generations/{music_id}", "get"): "getMusicGenerationAlias",
}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
SCHEMA_REF = re.compile(r'"\$ref": "#/components/schemas/([^"]+)"')


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _parse(text: str) -> dict[str, Any]:
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def _body(text: str) -> str:
    """The text without its leading comment lines."""
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def _cut(document: dict[str, Any], name: str = "doc.yaml") -> str:
    return subset_text(yaml.safe_dump(document, sort_keys=False).encode(), name).text


def _reachable_schemas(document: dict[str, Any]) -> set[str]:
    """The schemas the music paths reach, found by text search to a fixed point."""
    schemas = document["components"]["schemas"]
    music = {p: item for p, item in document["paths"].items() if p.startswith("/music/")}
    found: set[str] = set()
    frontier = set(SCHEMA_REF.findall(json.dumps(music)))
    while frontier:
        found |= frontier
        frontier = {
            name for s in frontier for name in SCHEMA_REF.findall(json.dumps(schemas[s]))
        } - found
    return found


def _all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _all_refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _all_refs(item)]
    return []


def _follow(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    target: Any = document
    for token in ref[2:].split("/"):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return target


@pytest.fixture(scope="module")
def full_text() -> str:
    return subset_text(FULL.read_bytes(), FULL.name).text


@pytest.fixture(scope="module")
def full_cut(full_text: str) -> dict[str, Any]:
    return _parse(full_text)


# -- the whole published document ------------------------------------------------------


def test_the_source_is_a_whole_document() -> None:
    source = _load(FULL)
    assert len(source["paths"]) == 70
    assert len(source["components"]["schemas"]) == 175


def test_exactly_the_four_music_operations(full_cut: dict[str, Any]) -> None:
    found = {
        (path, method): op["operationId"]
        for path, item in full_cut["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }
    assert found == MUSIC_OPERATIONS


def test_exactly_the_schemas_the_music_paths_reach(full_cut: dict[str, Any]) -> None:
    expected = _reachable_schemas(_load(FULL))
    assert expected == {
        "MusicGenerateRequest",
        "MusicGenerateResponse",
        "ProviderRoutingOptions",
        "DebugOptions",
    }
    assert set(full_cut["components"]["schemas"]) == expected


def test_kept_parts_are_the_sources_verbatim(full_cut: dict[str, Any]) -> None:
    source = _load(FULL)
    for key in ("openapi", "info", "servers", "security", "tags"):
        assert full_cut[key] == source[key], key
    for path, item in full_cut["paths"].items():
        assert item == source["paths"][path]
    for name, schema in full_cut["components"]["schemas"].items():
        assert schema == source["components"]["schemas"][name]
    assert full_cut["components"]["securitySchemes"] == source["components"]["securitySchemes"]
    # Nothing else: no other top-level key, no other kind of component.
    kept = ["openapi", "info", "servers", "security", "paths", "tags", "components"]
    assert list(full_cut) == kept
    assert list(full_cut["components"]) == ["securitySchemes", "schemas"]


def test_source_key_order_is_kept(full_cut: dict[str, Any]) -> None:
    source = _load(FULL)
    assert list(full_cut) == [k for k in source if k in full_cut]
    assert list(full_cut["paths"]) == [p for p in source["paths"] if p.startswith("/music/")]
    schemas = source["components"]["schemas"]
    assert list(full_cut["components"]["schemas"]) == [
        s for s in schemas if s in full_cut["components"]["schemas"]
    ]
    request = full_cut["components"]["schemas"]["MusicGenerateRequest"]
    assert list(request["properties"]) == list(schemas["MusicGenerateRequest"]["properties"])


def test_nothing_dangles_and_the_result_is_valid_openapi(full_cut: dict[str, Any]) -> None:
    refs = _all_refs(full_cut)
    assert refs  # the check below has something to check
    for ref in refs:
        assert isinstance(_follow(full_cut, ref), dict), ref
    assert [e.message for e in OpenAPIV30SpecValidator(full_cut).iter_errors()] == []


def test_header_names_the_source_file_and_its_sha256(full_text: str) -> None:
    digest = hashlib.sha256(FULL.read_bytes()).hexdigest()
    comments = [line for line in full_text.splitlines() if line.startswith("#")]
    assert f"# Source: full-2026-08-22.yaml, sha256 {digest}" in comments
    assert full_text.startswith(spec_subset.HEADER)
    # The header is comments only: the document itself starts right after it,
    # and the last comment is the digest of what follows.
    body = _body(full_text)
    assert body.startswith("openapi: 3.0.3\n")
    assert comments[-1] == f"# Body sha256 {hashlib.sha256(body.encode()).hexdigest()}"


def test_deterministic(full_text: str) -> None:
    assert subset_text(FULL.read_bytes(), FULL.name).text == full_text


def test_no_anchors_or_aliases_and_unicode_kept(full_text: str) -> None:
    assert not re.search(r"[&*][A-Za-z0-9_]+\s*$", _body(full_text), re.M)
    assert "\\u" not in full_text


def test_json_source_gives_the_same_result(tmp_path: Path, full_text: str) -> None:
    as_json = tmp_path / "full.json"
    as_json.write_text(json.dumps(_load(FULL), indent=2, ensure_ascii=False), encoding="utf-8")
    from_json = subset_text(as_json.read_bytes(), as_json.name).text
    assert _body(from_json) == _body(full_text)
    digest = hashlib.sha256(as_json.read_bytes()).hexdigest()
    assert f"# Source: full.json, sha256 {digest}\n" in from_json


def test_idempotent_on_its_own_output(tmp_path: Path, full_text: str) -> None:
    first = tmp_path / "openapi.yaml"
    first.write_text(full_text, encoding="utf-8")
    again = subset_text(first.read_bytes(), first.name).text
    assert again == full_text  # the original source line is carried over


def test_a_hand_edited_output_is_a_new_source(full_text: str) -> None:
    edited = full_text.replace("summary: Generate music\n", "summary: Make a song\n", 1)
    assert edited != full_text
    again = subset_text(edited.encode(), "openapi.yaml").text
    digest = hashlib.sha256(edited.encode()).hexdigest()
    assert f"# Source: openapi.yaml, sha256 {digest}\n" in again
    assert "full-2026-08-22.yaml" not in again
    assert "summary: Make a song" in again


# -- upstream's own music excerpt, and the committed spec --------------------------------


def test_the_latest_excerpt_comes_out_equal_to_itself() -> None:
    out = subset_text(LATEST.read_bytes(), LATEST.name).text
    assert _parse(out) == _load(LATEST)
    digest = hashlib.sha256(LATEST.read_bytes()).hexdigest()
    assert f"# Source: music-2026-08-latest.yaml, sha256 {digest}\n" in out


def test_the_committed_spec_is_the_tools_unmodified_output() -> None:
    """openapi.yaml is written by the tool, never by hand (a hand edit would change this)."""
    text = SPEC.read_text(encoding="utf-8")
    assert subset_text(SPEC.read_bytes(), SPEC.name).text == text
    assert not text.splitlines()[len(spec_subset.HEADER.splitlines())].startswith(
        "# Source: openapi.yaml,"
    )


# -- what the real documents do not contain ------------------------------------------------


def _doc(**extra_schemas: Any) -> dict[str, Any]:
    """A small music document whose request references ``Req``."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/music/x": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Req"}}
                        }
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/other": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Unused"}
                                }
                            },
                        }
                    }
                }
            },
        },
        "components": {
            "schemas": {
                "Unused": {"type": "object"},
                "Req": {"type": "object", "properties": {}},
                **extra_schemas,
            }
        },
    }


def test_other_component_kinds_are_followed_transitively() -> None:
    document = _doc()
    op = document["paths"]["/music/x"]["post"]
    op["parameters"] = [{"$ref": "#/components/parameters/Id"}]
    op["responses"]["400"] = {"$ref": "#/components/responses/Bad"}
    document["components"]["parameters"] = {
        "Id": {"name": "id", "in": "query", "schema": {"$ref": "#/components/schemas/Id"}},
        "Unused": {"name": "u", "in": "query", "schema": {"type": "string"}},
    }
    document["components"]["responses"] = {
        "Bad": {
            "description": "bad",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    }
    document["components"]["schemas"]["Id"] = {"type": "string"}
    document["components"]["schemas"]["Error"] = {
        "type": "object",
        "properties": {"code": {"$ref": "#/components/schemas/Code"}},
    }
    document["components"]["schemas"]["Code"] = {"type": "string"}

    out = _parse(_cut(document))

    assert list(out["paths"]) == ["/music/x"]
    assert set(out["components"]["parameters"]) == {"Id"}
    assert set(out["components"]["responses"]) == {"Bad"}
    assert list(out["components"]["schemas"]) == ["Req", "Id", "Error", "Code"]


def test_discriminator_mappings_are_followed() -> None:
    document = _doc(
        Cat={"type": "object"},
        Dog={"type": "object"},
        Pet={
            "oneOf": [{"$ref": "#/components/schemas/Cat"}],
            "discriminator": {
                "propertyName": "kind",
                "mapping": {"cat": "#/components/schemas/Cat", "dog": "Dog"},
            },
        },
    )
    document["components"]["schemas"]["Req"]["properties"]["pet"] = {
        "$ref": "#/components/schemas/Pet"
    }
    out = _parse(_cut(document))
    assert set(out["components"]["schemas"]) == {"Req", "Pet", "Cat", "Dog"}


def test_cycles_terminate() -> None:
    document = _doc(Node={"type": "object", "properties": {}})
    node = document["components"]["schemas"]["Node"]
    node["properties"]["next"] = {"$ref": "#/components/schemas/Node"}
    document["components"]["schemas"]["Req"]["properties"]["head"] = {
        "$ref": "#/components/schemas/Node"
    }
    assert set(_parse(_cut(document))["components"]["schemas"]) == {"Req", "Node"}


def test_all_security_schemes_and_all_tags_are_kept() -> None:
    document = _doc()
    document["tags"] = [{"name": "Gateway"}, {"name": "Unused", "description": "é ♪"}]
    document["security"] = [{"Bearer": []}]
    document["components"]["securitySchemes"] = {
        "Bearer": {"type": "http", "scheme": "bearer"},
        "Other": {"type": "apiKey", "in": "header", "name": "X-Key"},
    }
    document["externalDocs"] = {"url": "https://example.invalid"}
    out = _parse(_cut(document))
    assert out["tags"] == document["tags"]
    assert out["security"] == [{"Bearer": []}]
    assert set(out["components"]["securitySchemes"]) == {"Bearer", "Other"}
    assert "externalDocs" not in out


def test_yaml_aliases_are_written_out_and_unicode_is_kept() -> None:
    source = (
        "openapi: 3.0.3\n"
        "info: {title: t, version: '1'}\n"
        "paths:\n"
        "  /music/a:\n"
        "    get:\n"
        "      description: Génère de la musique ♪\n"
        "      responses: &answers\n"
        "        200: {description: ok}\n"
        "  /music/b:\n"
        "    get:\n"
        "      responses: *answers\n"
    )
    text = subset_text(source.encode(), "a.yaml").text
    assert "&" not in _body(text)
    assert "*" not in _body(text)
    assert "Génère de la musique ♪" in text
    out = _parse(text)
    # YAML's int key 200 becomes the string every OpenAPI document uses.
    assert out["paths"]["/music/b"]["get"]["responses"] == {"200": {"description": "ok"}}


def test_date_like_strings_stay_strings() -> None:
    source = "openapi: 3.0.3\ninfo: {title: t, version: 2026-08-22}\npaths:\n  /music/a: {}\n"
    text = subset_text(source.encode(), "a.yaml").text
    assert _parse(text)["info"]["version"] == "2026-08-22"


def test_multi_line_text_round_trips() -> None:
    document = _doc()
    document["info"]["description"] = "Line one.\n\n  Indented: yes\ntrailing space \n"
    text = _cut(document)
    assert _parse(text)["info"]["description"] == document["info"]["description"]
    assert subset_text(text.encode(), "openapi.yaml").text == text


# -- errors ----------------------------------------------------------------------------


def test_missing_ref_target_is_an_error_naming_it() -> None:
    document = _doc()
    document["components"]["schemas"]["Req"]["properties"]["x"] = {
        "$ref": "#/components/schemas/Nope"
    }
    with pytest.raises(SpecSubsetError, match=r"'#/components/schemas/Nope' points to nothing"):
        _cut(document)


@pytest.mark.parametrize(
    "ref", ["other.yaml#/components/schemas/X", "https://example.invalid/s.json", "X"]
)
def test_non_local_ref_is_an_error(ref: str) -> None:
    document = _doc()
    document["components"]["schemas"]["Req"]["properties"]["x"] = {"$ref": ref}
    with pytest.raises(SpecSubsetError, match=r"points outside the document") as info:
        _cut(document)
    assert "/components/schemas/Req/properties/x" in str(info.value)


def test_local_ref_outside_components_is_an_error() -> None:
    document = _doc()
    document["components"]["schemas"]["Req"]["properties"]["x"] = {"$ref": "#/info"}
    with pytest.raises(SpecSubsetError, match=r"does not name a component"):
        _cut(document)


def test_a_document_with_no_music_path_is_an_error() -> None:
    document = _load(FULL)
    document["paths"] = {p: i for p, i in document["paths"].items() if "/music" not in p}
    with pytest.raises(SpecSubsetError, match=r"no music path \(none of its 66 paths"):
        _cut(document)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"- a\n- b\n", "not an OpenAPI document"),
        (b"swagger: '2.0'\npaths: {}\n", "not an OpenAPI 3 document"),
        (b"openapi: 3.0.3\npaths: [\n", "neither valid JSON nor valid YAML"),
        (b'{"openapi": "3.0.3", ', "neither valid JSON nor valid YAML"),
        (b"openapi: 3.0.3\ninfo: \xff\n", "not UTF-8"),
        (b"openapi: 3.0.3\ninfo: {}\n", "no paths"),
        (b"openapi: 3.0.3\npaths:\n  /music/a: {}\n  true: {}\n", "is not a string"),
    ],
)
def test_bad_sources_are_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(SpecSubsetError, match=re.escape(message)):
        subset_text(data, "bad.yaml")


def test_a_document_nested_too_deeply_is_a_clear_error() -> None:
    deep = "openapi: 3.0.3\npaths:\n  /music/a:\n    x: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(SpecSubsetError, match="nested too deeply"):
        subset_text(deep.encode(), "deep.yaml")


def test_components_that_are_not_a_mapping_are_a_clear_error() -> None:
    document = _doc()
    document["components"]["parameters"] = [{"name": "x", "in": "query"}]
    document["paths"]["/music/x"]["post"]["parameters"] = [{"$ref": "#/components/parameters/0"}]
    with pytest.raises(SpecSubsetError, match="components/parameters is not a mapping"):
        _cut(document)


def test_an_error_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    out.write_text("before\n")
    document = copy.deepcopy(_doc())
    document["paths"] = {"/other": document["paths"]["/other"]}
    source = tmp_path / "src.yaml"
    source.write_text(yaml.safe_dump(document))
    with pytest.raises(SpecSubsetError):
        write_subset(source, out)
    assert out.read_text() == "before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["openapi.yaml", "src.yaml"]


# -- the command line ------------------------------------------------------------------


def test_cli_writes_the_subset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "openapi.yaml"
    assert spec_subset.main([str(FULL), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == subset_text(FULL.read_bytes(), FULL.name).text
    printed = capsys.readouterr().out
    assert f"wrote {out}: 4 operations, 5 components; Source: full-2026-08-22.yaml" in printed
    assert sorted(p.name for p in out.parent.iterdir()) == ["openapi.yaml"]  # no temp file left


def test_cli_reports_errors_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert spec_subset.main([str(missing), "--out", str(tmp_path / "o.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("spec_subset: error: cannot read ")
    assert "Traceback" not in err
    assert not (tmp_path / "o.yaml").exists()


# -- nox -s update_spec, end to end (slow: runs nox in a copy of the repository) --------


@pytest.fixture
def nox_copy(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Nox, Path]:
    return shared_nox(tmp_path_factory), copy_project(tmp_path / "project")


@pytest.mark.slow
def test_nox_update_spec_cuts_the_spec_and_regenerates(
    nox_copy: tuple[Nox, Path], tmp_path: Path
) -> None:
    nox, project = nox_copy
    elsewhere = tmp_path / "downloads"
    elsewhere.mkdir()
    shutil.copy2(FULL, elsewhere / "openapi.public.yaml")
    generated = project / "generated" / "ai_stats_gateway"
    answer_model = generated / "models" / "music_generate_response.py"
    typed_answer = answer_model.read_text(encoding="utf-8")

    # PATH is taken relative to where nox was invoked, not to the noxfile.
    done = nox.run(project, "update_spec", "openapi.public.yaml", cwd=elsewhere)

    assert done.returncode == 0, done.describe()
    spec = (project / "openapi.yaml").read_text(encoding="utf-8")
    assert spec == subset_text(FULL.read_bytes(), "openapi.public.yaml").text
    # The August document's answer is untyped: the regeneration followed the spec.
    assert answer_model.read_text(encoding="utf-8") != typed_answer
    assert "status: MusicGenerateResponseStatus" not in answer_model.read_text(encoding="utf-8")
    assert json.loads((generated / "openapi.json").read_text(encoding="utf-8")) == _parse(spec)
    check = nox.run(project, "check_generated")
    assert check.returncode == 0, check.describe()


@pytest.mark.slow
def test_nox_update_spec_on_a_bad_document_changes_nothing(
    nox_copy: tuple[Nox, Path], tmp_path: Path
) -> None:
    nox, project = nox_copy
    before = (project / "openapi.yaml").read_bytes()
    bad = tmp_path / "no-music.yaml"
    bad.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /chat: {}\n")

    done = nox.run(project, "update_spec", str(bad))
    assert done.returncode != 0
    assert "spec_subset: error: the document has no music path" in done.output
    assert (project / "openapi.yaml").read_bytes() == before

    usage = nox.run(project, "update_spec")
    assert usage.returncode != 0
    assert "usage: nox -s update_spec -- PATH" in usage.output
