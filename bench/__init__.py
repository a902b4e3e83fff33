"""Benchmarks of ai-stats-music against what users would use instead: ``nox -s bench``.

Every figure is a ratio against a baseline measured in the same run (the
machines are shared and noisy); see ``bench/run.py`` and ``bench/results/``.
"""
