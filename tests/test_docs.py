"""The API reference (docs/reference/*.md) documents every public name, once.

``nox -s docs`` renders what the pages name, so a name added to ``__all__``
without a place in the reference would be missing from the site without a
warning; this test says where it is missing (or named twice, or named but
gone).
"""

from __future__ import annotations

import re
from collections import Counter

from _support import ROOT

import ai_stats_music
import ai_stats_music.testing

REFERENCE = ROOT / "docs" / "reference"
# A page lists a package's members under `::: package` as `- Name` lines.
_DIRECTIVE = re.compile(r"^::: (ai_stats_music(?:\.testing)?(?:\.\w+)?)\s*$", re.M)
_MEMBER = re.compile(r"^ {8}- (\w+)\s*$", re.M)
# Its value is the release, not an API; the changelog page covers it.
UNDOCUMENTED = {"ai_stats_music.__version__"}


def _documented() -> Counter[str]:
    names: Counter[str] = Counter()
    for page in sorted(REFERENCE.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for path in _DIRECTIVE.findall(text):
            if path == "ai_stats_music.testing":
                names.update(f"{path}.{m}" for m in _MEMBER.findall(text))
            else:
                names[path] += 1
    return names


def _public() -> set[str]:
    return {
        f"{module.__name__}.{name}"
        for module in (ai_stats_music, ai_stats_music.testing)
        for name in module.__all__
    } - UNDOCUMENTED


def test_every_public_name_is_on_one_reference_page() -> None:
    documented = _documented()
    assert sorted(_public() - set(documented)) == [], "not in docs/reference/*.md"
    assert sorted(set(documented) - _public()) == [], "in docs/reference/ but not public"
    assert sorted(n for n, count in documented.items() if count > 1) == [], "named twice"


GUIDE = ROOT / "docs" / "guide"


def test_the_readme_links_every_guide_page_and_nothing_that_is_not_there() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\((docs/[^)#\s]+)(?:#[^)\s]*)?\)", readme)
    assert [t for t in targets if not (ROOT / t).is_file()] == [], "README links a missing page"
    pages = {f"docs/guide/{page.name}" for page in GUIDE.glob("*.md")}
    assert sorted(pages - set(targets)) == [], "a guide page the README does not link"


def test_rest_markup_in_docstrings_is_rendered_as_markdown() -> None:
    from tools.griffe_roles import rest_to_markdown

    assert rest_to_markdown("flow, on (virtual) time::\n\n    code\n") == (
        "flow, on (virtual) time:\n\n    code\n"
    )
    assert rest_to_markdown("Enable them ::\n\n::\n") == "Enable them\n\n\n"
    assert rest_to_markdown("see :class:`~ai_stats_music.MusicJob`") == (
        "see `ai_stats_music.MusicJob`"
    )
    assert rest_to_markdown("`a::b` and std::string here") == "`a::b` and std::string here"
