"""The ``ai-stats-music`` command line (``python -m ai_stats_music.cli``).

Run ``ai-stats-music --help`` for the commands, the exit codes and the JSON
output; ``ai-stats-music demo`` for the whole flow with no key and no network.
The package never imports this module: ``import ai_stats_music`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ai-stats-music``; return its exit code.

    The command's own module is imported here, inside the guard: a Ctrl-C
    while it loads is one line and exit 130, never a traceback. (The package,
    ``ai_stats_music`` itself, is imported before any code of this module runs;
    an interrupt in that import is Python's own.)
    """
    try:
        from ._cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted while starting up: nothing was sent\n")
        return 130
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
