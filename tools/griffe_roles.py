"""A griffe extension for nox -s docs: Sphinx roles in docstrings become code.

The docstrings use reStructuredText's ``:class:`X``` roles in places, which
Markdown would print as ``:class:`` followed by the name. Rewriting them when
griffe loads the source keeps the docstrings as they are (they are read in
editors and by ``help()`` too) and the rendered page clean.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|exc|data|obj|const):`~?([^`]+)`")


class RstRoles(griffe.Extension):
    """Replace ``:role:`name``` with ```name``` in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(r"`\1`", obj.docstring.value)
