"""A mkdocs hook for nox -s docs: the benchmark results, served from where they live.

The Performance page (``docs/guide/performance.md``) links the last benchmark
run, ``bench/results/latest.md``, its raw ``latest.json`` and the
``polling.png`` plot. Those files are written by ``nox -s bench`` at the
repository's root, outside ``docs/``, and mkdocs serves only what is under
``docs/``. Copying them into ``docs/`` by hand would leave two copies that
drift apart; instead this hook adds them to the site at build time, under
``bench/results/``, and rewrites the guide's links to them.

The guide writes those links relative to its own file in the repository
(``../../bench/results/latest.md`` from ``docs/guide/``), so that they work
when the Markdown is read on GitHub; on the site, the same target is one level
nearer (``../bench/results/latest.md``), which is what the rewrite gives.
``latest.md`` becomes a page of the site (not in the navigation), whose own
links to its siblings then work as they are.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files, InclusionLevel

ROOT = Path(__file__).resolve().parent.parent
# What is published from outside docs/: the repository folder, and where it
# lands in the site (the same relative path, so links read alike in both).
PUBLISHED = "bench/results"
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def on_files(files: Files, config: Any) -> Files:
    """Add every file of ``bench/results/`` to the site, ``latest.md`` as a page."""
    source = ROOT / PUBLISHED
    for path in sorted(source.iterdir()):
        if not path.is_file():
            continue
        files.append(
            File.generated(
                config,
                f"{PUBLISHED}/{path.name}",
                abs_src_path=str(path),
                inclusion=InclusionLevel.NOT_IN_NAV,
            )
        )
    return files


def _site_target(page_uri: str, target: str, docs_dir: Path) -> str | None:
    """The link to write on the site for ``target``, or None to leave it alone.

    ``target`` is resolved against the page's file in the repository; only a
    target inside ``bench/results/`` is rewritten, to the path of its copy
    relative to the page in the site.
    """
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^[/#]", target):
        return None  # a URL, an absolute path or an anchor of the page itself
    path, hashmark, fragment = target.partition("#")
    page_dir = (docs_dir / page_uri).parent
    resolved = Path(posixpath.normpath((page_dir / path).as_posix()))
    try:
        inside = resolved.relative_to(ROOT / PUBLISHED)
    except ValueError:
        return None
    copy = f"{PUBLISHED}/{inside.as_posix()}"
    relative = posixpath.relpath(copy, posixpath.dirname(page_uri) or ".")
    return relative + hashmark + fragment


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point the page's links into ``bench/results/`` at the copies this hook adds."""
    docs_dir = Path(config["docs_dir"]).resolve()
    page_uri = page.file.src_uri

    def rewrite(match: re.Match[str]) -> str:
        target = _site_target(page_uri, match.group(2), docs_dir)
        if target is None:
            return match.group(0)
        return f"{match.group(1)}{target}{match.group(3)}"

    return _LINK.sub(rewrite, markdown)
