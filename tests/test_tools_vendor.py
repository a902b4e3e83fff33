"""tools/vendor.py on its own: the import rewriter and the copy, on small trees in tmp_path.

``tests/test_vendor.py`` runs ``nox -s vendor`` end to end (slow); here each
rule is checked directly, on the import forms that are easy to get wrong.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tools import vendor
from tools.vendor import VendorError, by_name_report, imports_by_name, make_relative

# -- make_relative ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from ai_stats_gateway.x import (a,\n b)\n",
            "from ..ai_stats_gateway.x import (a,\n b)\n",
        ),
        (
            "import ai_stats_gateway.models as m\n",
            "from ..ai_stats_gateway import models as m\n",
        ),
        ("import ai_stats_gateway\n", "from .. import ai_stats_gateway\n"),
        ("import ai_stats_gateway as g\n", "from .. import ai_stats_gateway as g\n"),
        (
            "import ai_stats_gateway.api.gateway as gw\n",
            "from ..ai_stats_gateway.api import gateway as gw\n",
        ),
        ("from ai_stats_gateway import models\n", "from ..ai_stats_gateway import models\n"),
        (
            "from   ai_stats_gateway.models   import  X as Y\n",
            "from ..ai_stats_gateway.models   import  X as Y\n",
        ),
        (
            "from ai_stats_gateway \\\n    import x\n",
            "from ..ai_stats_gateway \\\n    import x\n",
        ),
    ],
)
def test_imports_become_relative(source: str, expected: str) -> None:
    assert make_relative(source, dots="..") == expected


def test_comments_and_layout_of_a_multi_line_import_are_kept() -> None:
    source = textwrap.dedent(
        """\
        # import ai_stats_gateway  (a comment is not an import)
        from ai_stats_gateway.api.gateway import (  # the door
            generate_music,  # create
            get_music_generation,
        )  # end
        x = 1
        """
    )
    assert make_relative(source, dots="..") == source.replace(
        "from ai_stats_gateway.api.gateway import (", "from ..ai_stats_gateway.api.gateway import ("
    )


def test_only_our_absolute_imports_change() -> None:
    source = textwrap.dedent(
        '''\
        """from ai_stats_gateway import x -- in a docstring, not an import."""
        import os
        from . import _models
        from .ai_stats_gateway import y
        from ai_stats_gatewayx import z
        import ai_stats_music_extra as extra
        text = "import ai_stats_gateway"
        '''
    )
    assert make_relative(source, dots="..") == source


def test_nested_and_several_per_line_imports_are_each_rewritten() -> None:
    source = textwrap.dedent(
        """\
        try:
            import ai_stats_gateway as g; from ai_stats_gateway.models import (A,
                B); import json
        except ImportError:
            def late():
                from ai_stats_gateway import client
                return client
        """
    )
    expected = textwrap.dedent(
        """\
        try:
            from .. import ai_stats_gateway as g; from ..ai_stats_gateway.models import (A,
                B); import json
        except ImportError:
            def late():
                from ..ai_stats_gateway import client
                return client
        """
    )
    assert make_relative(source, dots="..") == expected


def test_offsets_are_those_ast_counts_non_ascii_text_and_form_feeds() -> None:
    # ast's columns are UTF-8 bytes, and a form feed is no line break to it:
    # slicing by characters or str.splitlines() would cut in the wrong place.
    source = '\x0c\n# café\nx = "é"; import ai_stats_gateway as g  # fin\u2028ok\n'
    expected = '\x0c\n# café\nx = "é"; from .. import ai_stats_gateway as g  # fin\u2028ok\n'
    assert make_relative(source, dots="..") == expected
    last = "from ai_stats_gateway import (a,\n    été)\nprint(été)\n"
    assert (
        make_relative(last, dots="..")
        == "from ..ai_stats_gateway import (a,\n    été)\nprint(été)\n"
    )


def test_a_file_without_a_final_newline_keeps_its_end() -> None:
    assert make_relative("import ai_stats_gateway as g", dots=".") == (
        "from . import ai_stats_gateway as g"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import ai_stats_gateway.models\n",  # binds `ai_stats_gateway`, not `models`
        "import os, ai_stats_gateway\n",
        'import importlib\nm = importlib.import_module("ai_stats_gateway")\n',
        'm = __import__("ai_stats_music.testing")\n',
    ],
)
def test_what_cannot_be_rewritten_safely_is_refused(source: str) -> None:
    with pytest.raises(VendorError, match=r"line \d+: cannot make .* relative"):
        make_relative(source, dots="..")


def test_a_file_that_is_not_python_is_a_vendor_error() -> None:
    with pytest.raises(VendorError, match="line 1: not Python"):
        make_relative("from ai_stats_gateway import (\n", dots="..")


# -- imports_by_name / by_name_report ---------------------------------------------------


def test_imports_by_name_finds_statements_and_calls_in_source_order() -> None:
    tree = ast.parse(
        textwrap.dedent(
            """\
            import importlib, importlib.metadata
            from importlib.resources import files
            spec = importlib.util.find_spec("ai_stats_gateway")
            v = importlib.metadata.version("ai-stats-music")
            import ai_stats_music.testing as t
            data = files("ai_stats_gateway")
            fine = importlib.import_module("json")
            name = "ai_stats_music"
            dynamic = importlib.import_module(name)
            """
        )
    )
    found = [(node.lineno, type(node).__name__) for node in imports_by_name(tree)]
    assert found == [(3, "Call"), (4, "Call"), (5, "Import"), (6, "Call")]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_report_names_file_and_line_and_skips_what_is_allowed(tmp_path: Path) -> None:
    top = tmp_path / "ai_stats_music"
    _write(top / "__init__.py", "from ._gen import X\n")
    _write(top / "_gen.py", "from ai_stats_gateway.models import X\n")
    _write(
        top / "testing" / "_stray.py",
        "import importlib\n\nfrom ai_stats_gateway.models import (\n    X,\n)\n\n"
        "spec = importlib.import_module('ai_stats_music.testing')\n",
    )

    report = by_name_report(top, allowed={Path("ai_stats_music/_gen.py")})

    assert report == [
        "ai_stats_music/testing/_stray.py:3: from ai_stats_gateway.models import X",
        "ai_stats_music/testing/_stray.py:7: importlib.import_module('ai_stats_music.testing')",
    ]
    assert len(by_name_report(top)) == 3


def test_the_report_refuses_a_file_that_is_not_python(tmp_path: Path) -> None:
    _write(tmp_path / "pkg" / "broken.py", "def (:\n")
    with pytest.raises(VendorError, match=r"pkg/broken.py:1: not Python"):
        by_name_report(tmp_path / "pkg")


# -- vendor(): the copy ------------------------------------------------------------------

DOOR = "from ai_stats_gateway.models import (  # the door\n    Model,\n)\n"


def _repo(root: Path, *, door: str = DOOR) -> Path:
    """A miniature repository: an overlay whose door imports a generated package."""
    overlay = root / "overlays" / "ai_stats_music"
    _write(overlay / "__init__.py", "from ._gen import Model\n\n__all__ = ['Model']\n")
    _write(overlay / "_gen.py", door)
    _write(overlay / "testing" / "__init__.py", "from .._gen import Model as Model\n")
    _write(overlay / "py.typed", "")
    _write(overlay / "__pycache__" / "_gen.cpython-311.pyc", "stale bytecode")
    generated = root / "generated" / "ai_stats_gateway"
    _write(generated / "__init__.py", '"""Generated."""\n')
    _write(generated / "models" / "__init__.py", "class Model:\n    kind = 'generated'\n")
    _write(generated / "openapi.json", "{}\n")
    _write(generated / ".ruff_cache" / "CACHEDIR.TAG", "cache")
    return root


def _tree(top: Path) -> dict[str, bytes]:
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in top.rglob("*") if p.is_file()}


def test_the_copy_is_both_packages_with_only_the_door_rewritten(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    dest = tmp_path / "svc" / "myservice" / "_vendor"
    logged: list[str] = []

    vendor.vendor(dest, root=root, log=logged.append)

    assert sorted(p.name for p in dest.iterdir()) == [
        "__init__.py",
        "ai_stats_gateway",
        "ai_stats_music",
    ]
    assert (dest / "__init__.py").read_text() == ""
    copied = _tree(dest / "ai_stats_music")
    assert copied.keys() == {"__init__.py", "_gen.py", "testing/__init__.py", "py.typed"}
    assert copied["_gen.py"].decode() == DOOR.replace(
        "from ai_stats_gateway", "from ..ai_stats_gateway"
    )
    assert copied["__init__.py"] == (root / "overlays/ai_stats_music/__init__.py").read_bytes()
    assert _tree(dest / "ai_stats_gateway").keys() == {
        "__init__.py",
        "models/__init__.py",
        "openapi.json",
    }
    assert logged[0] == f"created {dest / '__init__.py'} (the copy must live inside a package)"
    assert logged[-1].startswith(f"vendored ai_stats_music and ai_stats_gateway into {dest};")
    assert not [p for p in dest.iterdir() if p.name.startswith(".vendor-")]  # staging is gone


def test_the_copy_imports_without_either_top_level_name(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    service = tmp_path / "svc"
    _write(service / "myservice" / "__init__.py", "")
    vendor.vendor(service / "myservice" / "_vendor", root=root, log=lambda _: None)

    program = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from myservice._vendor.ai_stats_music import Model\n"
        "print(Model.kind, sorted(m for m in sys.modules if m.startswith('ai_stats')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", program, str(service)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "generated []"


def test_vendoring_again_replaces_the_previous_copy_and_keeps_the_init(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    dest = tmp_path / "svc" / "_vendor"
    stale = _write(dest / "ai_stats_music" / "_removed_since.py", "")
    _write(dest / "__init__.py", "# the user's\n")
    logged: list[str] = []

    vendor.vendor(dest, root=root, log=logged.append)

    assert not stale.exists()
    assert (dest / "__init__.py").read_text() == "# the user's\n"
    assert f"replaced {dest / 'ai_stats_music'}" in logged
    assert (dest / "ai_stats_music" / "_gen.py").exists()


def test_an_import_by_name_outside_the_door_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path / "repo")
    _write(
        root / "overlays/ai_stats_music/testing/_stray.py",
        "from ai_stats_gateway.models import Model\n",
    )
    dest = tmp_path / "svc" / "_vendor"

    with pytest.raises(VendorError) as caught:
        vendor.vendor(dest, root=root, log=lambda _: None)

    assert "outside ai_stats_music/_gen.py" in str(caught.value)
    assert "ai_stats_music/testing/_stray.py:1: from ai_stats_gateway.models import Model" in str(
        caught.value
    )
    assert not dest.exists()


def test_a_door_that_cannot_be_rewritten_leaves_an_earlier_copy_alone(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    dest = tmp_path / "svc" / "_vendor"
    vendor.vendor(dest, root=root, log=lambda _: None)
    before = _tree(dest)
    (root / "overlays/ai_stats_music/_gen.py").write_text("import ai_stats_gateway.models\n")

    with pytest.raises(
        VendorError, match=re.escape("cannot make 'import ai_stats_gateway.models' relative")
    ):
        vendor.vendor(dest, root=root, log=lambda _: None)

    assert _tree(dest) == before


@pytest.mark.parametrize(
    "where",
    ["overlays/ai_stats_music", "overlays/ai_stats_music/testing", "generated", "overlays"],
)
def test_dest_over_or_inside_the_packages_is_refused(tmp_path: Path, where: str) -> None:
    root = _repo(tmp_path / "repo")
    before = _tree(root)

    with pytest.raises(VendorError, match="DEST"):
        vendor.vendor(root / where, root=root, log=lambda _: None)

    assert _tree(root) == before


def test_main_reports_a_refusal_on_stderr_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    inside = vendor.ROOT / "overlays" / "ai_stats_music" / "_vendor"

    assert vendor.main([str(inside)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("vendor: DEST must not be inside the packages it copies: ")
    assert "Traceback" not in err
    assert not inside.exists()
