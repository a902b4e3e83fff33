"""A griffe extension for nox -s docs: reStructuredText markup in docstrings becomes Markdown.

The docstrings use reStructuredText in places: ``:class:`X``` roles, which
Markdown would print as ``:class:`` followed by the name, and the ``::`` that
ends a paragraph introducing a literal block, which Markdown would print as
is (the indented block after it is already code in Markdown). Rewriting them
when griffe loads the source keeps the docstrings as they are (they are read
in editors and by ``help()`` too, where reST is at home) and the rendered page
clean.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|exc|data|obj|const):`~?([^`]+)`")
# reST: "text::" reads "text:", and a "::" standing apart (" ::" or a line of
# its own) vanishes; either way a literal block follows, after a blank line.
_LITERAL_AFTER_WORD = re.compile(r"(?<=\S)::$", re.M)
_LITERAL_ALONE = re.compile(r"[ \t]*(?<!\S)::$", re.M)


def rest_to_markdown(text: str) -> str:
    """The docstring ``text`` with its reST roles and literal-block markers made Markdown."""
    text = _ROLE.sub(r"`\1`", text)
    text = _LITERAL_AFTER_WORD.sub(":", text)
    return _LITERAL_ALONE.sub("", text)


class RstRoles(griffe.Extension):
    """Make the reST of every docstring griffe loads Markdown (see ``rest_to_markdown``)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rest_to_markdown(obj.docstring.value)
