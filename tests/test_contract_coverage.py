"""The contract tests (tests/test_contract.py) cover every operation of ``openapi.yaml``.

Kept apart from them on purpose: the regeneration drill (tests/test_drill.py)
adds an operation to a copy of the spec and runs the tests that drive the
fake gateway, which must still pass there; this one, which does not drive the
fake, is what fails in the real tree when an operation is added, until the
fake serves it and the contract tests name it.
"""

from __future__ import annotations

import schemathesis
from _support import ROOT
from schemathesis.core.result import Ok
from test_contract import CREATE, STATUS

SPEC = ROOT / "openapi.yaml"


def test_every_operation_of_the_spec_is_under_contract() -> None:
    operations = set()
    for result in schemathesis.openapi.from_path(SPEC).get_all_operations():
        assert isinstance(result, Ok), result
        operations.add((result.ok().path, result.ok().method.upper()))
    assert operations == {(p, "POST") for p in CREATE} | {(p, "GET") for p in STATUS}
