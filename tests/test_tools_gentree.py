"""tools/gentree.py on its own: finishing a generation and the tree diff, on small trees.

``tests/test_generation.py`` runs ``nox -s generate`` / ``check_generated``
end to end (slow); here the pieces are called directly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support import ROOT

from tools import gentree
from tools.gentree import GenTreeError, files, spec_json, tree_diff, write_spec_json


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two equal trees, ``fresh`` and ``committed``."""
    fresh, committed = tmp_path / "fresh", tmp_path / "committed"
    for top in (fresh, committed):
        _write(top / "__init__.py", '"""Generated."""\n')
        _write(top / "models" / "a.py", "x = 1\ny = 2\n")
        _write(top / "py.typed", "")
    return fresh, committed


# -- files / tree_diff -------------------------------------------------------------------


def test_files_lists_every_file_by_relative_path_without_bytecode(tmp_path: Path) -> None:
    _write(tmp_path / "b.py", "b")
    _write(tmp_path / "a" / "c.py", "c")
    _write(tmp_path / "a" / "__pycache__" / "c.cpython-311.pyc", b"\x00")
    _write(tmp_path / ".ruff_cache" / "CACHEDIR.TAG", "tag")  # a cache that is drift
    (tmp_path / "empty").mkdir()

    assert files(tmp_path) == {".ruff_cache/CACHEDIR.TAG": b"tag", "a/c.py": b"c", "b.py": b"b"}


def test_files_of_a_tree_under_a_pycache_named_parent_still_lists_it(tmp_path: Path) -> None:
    top = tmp_path / "__pycache__" / "tree"
    _write(top / "x.py", "x")
    assert files(top) == {"x.py": b"x"}


def test_equal_trees_have_no_diff_whatever_bytecode_lies_beside(tmp_path: Path) -> None:
    fresh, committed = _pair(tmp_path)
    _write(committed / "__pycache__" / "__init__.cpython-311.pyc", b"\x00bytecode")
    assert tree_diff(fresh, committed) == []


def test_a_changed_file_is_a_unified_diff_from_committed_to_fresh(tmp_path: Path) -> None:
    fresh, committed = _pair(tmp_path)
    _write(fresh / "models" / "a.py", "x = 1\ny = 3\n")

    assert tree_diff(fresh, committed) == [
        "--- generated/ai_stats_gateway/models/a.py\n",
        "+++ fresh/ai_stats_gateway/models/a.py\n",
        "@@ -1,2 +1,2 @@\n",
        " x = 1\n",
        "-y = 2\n",
        "+y = 3\n",
    ]


def test_added_and_removed_files_are_named_for_the_maintainer(tmp_path: Path) -> None:
    fresh, committed = _pair(tmp_path)
    _write(fresh / "models" / "new.py", "new\n")  # the generator makes it; the commit lacks it
    _write(committed / ".ruff_cache" / "CACHEDIR.TAG", "tag")  # committed, not generated
    (committed / "py.typed").unlink()

    assert tree_diff(fresh, committed) == [
        "only in generated/ (not produced by the generator): .ruff_cache/CACHEDIR.TAG\n",
        "missing from generated/: models/new.py\n",
        "missing from generated/: py.typed\n",
    ]


def test_a_file_that_is_not_utf8_is_still_diffed(tmp_path: Path) -> None:
    fresh, committed = _pair(tmp_path)
    _write(committed / "blob.bin", b"\xff\n")
    _write(fresh / "blob.bin", b"ok\n")

    lines = tree_diff(fresh, committed, fresh_label="new", committed_label="old")

    assert lines == [
        "--- old/blob.bin\n",
        "+++ new/blob.bin\n",
        "@@ -1 +1 @@\n",
        "-\ufffd\n",
        "+ok\n",
    ]


def test_bytes_that_read_the_same_once_replaced_are_still_drift(tmp_path: Path) -> None:
    fresh, committed = _pair(tmp_path)
    _write(committed / "blob.bin", b"\xff\xfe\n")
    _write(fresh / "blob.bin", b"\xff\xfd\n")  # both decode to two U+FFFD

    assert tree_diff(fresh, committed) == [
        "differs from the generator's output (not text): blob.bin\n"
    ]


# -- spec_json / write_spec_json ---------------------------------------------------------

SPEC = """\
openapi: 3.1.0
info:
  title: Café API
  version: 1.0.0
paths:
  /z: {}
  /a: {}
components:
  schemas:
    N:
      type: integer
      enum: [2, 1]
"""


def test_spec_json_keeps_the_documents_order_and_its_text() -> None:
    text = spec_json(SPEC)

    assert text.endswith("}\n")
    assert '"title": "Café API"' in text  # not \u00e9
    assert list(json.loads(text)["paths"]) == ["/z", "/a"]
    assert text.splitlines()[1] == '  "openapi": "3.1.0",'


def test_spec_json_is_the_same_bytes_every_time() -> None:
    assert spec_json(SPEC) == spec_json(SPEC)
    assert spec_json(SPEC).encode() == spec_json(SPEC.replace("{}", "{ }")).encode()


def test_spec_json_of_openapi_yaml_is_the_committed_openapi_json() -> None:
    # The shipped copy must be byte-identical, or check_generated would fail.
    committed = (ROOT / "generated" / "ai_stats_gateway" / "openapi.json").read_bytes()
    assert spec_json((ROOT / "openapi.yaml").read_text(encoding="utf-8")).encode() == committed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("openapi: [unclosed\n", "the spec is not valid YAML"),
        ("- a\n- b\n", "the spec is not a mapping \\(got list\\)"),
        ("", "the spec is not a mapping \\(got NoneType\\)"),
    ],
)
def test_a_spec_that_is_no_document_is_a_gentree_error(text: str, message: str) -> None:
    with pytest.raises(GenTreeError, match=message):
        spec_json(text)


def test_write_spec_json_writes_the_rendering(tmp_path: Path) -> None:
    spec = _write(tmp_path / "openapi.yaml", SPEC)
    out = tmp_path / "openapi.json"

    write_spec_json(spec, out)

    assert out.read_bytes() == spec_json(SPEC).encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["openapi.json", "openapi.yaml"]


def test_a_failed_write_leaves_the_earlier_file_and_no_partial_one(tmp_path: Path) -> None:
    spec = _write(tmp_path / "openapi.yaml", "openapi: [unclosed\n")
    out = _write(tmp_path / "openapi.json", "{}\n")

    with pytest.raises(GenTreeError):
        write_spec_json(spec, out)
    with pytest.raises(GenTreeError, match="cannot read the spec"):
        write_spec_json(tmp_path / "missing.yaml", out)

    assert out.read_text() == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["openapi.json", "openapi.yaml"]


# -- finish / install / main ---------------------------------------------------------------


def _generator_output(top: Path) -> Path:
    _write(top / "__init__.py", '"""Generated."""\n')
    _write(top / "models" / "__init__.py", "")
    _write(top / ".ruff_cache" / "0.17.6" / "123", b"\x00")
    _write(top / "models" / "__pycache__" / "x.pyc", b"\x00")
    return top


def test_finish_leaves_the_package_and_only_the_package(tmp_path: Path) -> None:
    out = _generator_output(tmp_path / "out")
    spec = _write(tmp_path / "openapi.yaml", SPEC)

    gentree.finish(out, spec=spec)

    assert files(out) == {
        "__init__.py": b'"""Generated."""\n',
        "models/__init__.py": b"",
        "openapi.json": spec_json(SPEC).encode(),
        "py.typed": b"",
    }
    assert not (out / "models" / "__pycache__").exists()


def test_finish_refuses_a_missing_output(tmp_path: Path) -> None:
    with pytest.raises(GenTreeError, match="the generator wrote no package"):
        gentree.finish(tmp_path / "nothing", spec=tmp_path / "openapi.yaml")


def test_install_replaces_the_destination_whole(tmp_path: Path) -> None:
    out = _write(tmp_path / "out" / "a.py", "a").parent
    dest = tmp_path / "generated" / "pkg"
    _write(dest / "stale.py", "old")

    gentree.install(out, dest)

    assert files(dest) == {"a.py": b"a"}


def test_main_finish_into_then_diff_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write(tmp_path / "openapi.yaml", SPEC)
    out, dest = _generator_output(tmp_path / "out"), tmp_path / "generated" / "pkg"

    assert gentree.main(["finish", str(out), "--spec", str(spec), "--into", str(dest)]) == 0
    assert gentree.main(["diff", str(out), str(dest)]) == 0

    assert capsys.readouterr().out == "generated/ is up to date with the spec\n"
    assert files(dest) == files(out)


def test_main_diff_prints_the_diff_and_the_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh, committed = _pair(tmp_path)
    (committed / "models" / "a.py").unlink()

    assert gentree.main(["diff", str(fresh), str(committed)]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert "missing from generated/: models/a.py" in lines
    assert lines[-1].startswith("generated/ai_stats_gateway differs from what openapi.yaml")
    assert "run `nox -s generate` and commit the result." in lines[-1]


def test_main_diff_without_a_committed_tree_says_what_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh, _ = _pair(tmp_path)

    assert gentree.main(["diff", str(fresh), str(tmp_path / "absent")]) == 1

    assert "generated/ai_stats_gateway is missing: run `nox -s generate`" in capsys.readouterr().err


def test_main_reports_a_bad_spec_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _write(tmp_path / "openapi.yaml", "- not a document\n")
    out = _generator_output(tmp_path / "out")

    assert gentree.main(["finish", str(out), "--spec", str(spec)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("gentree: the spec is not a mapping")
    assert "Traceback" not in err
