"""The ``ai-stats-music`` command line (``python -m ai_stats_music.cli``).

Run ``ai-stats-music --help`` for the commands, the exit codes and the JSON
output; ``ai-stats-music demo`` for the whole flow with no key and no network.
The package never imports this module: ``import ai_stats_music`` stays fast.
"""

from __future__ import annotations

import sys

from ._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
