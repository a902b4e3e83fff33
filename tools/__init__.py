"""The repository's own tools: importable, typed and tested like the overlay.

They are run from a checkout (``python -m tools.<name>``, or through the nox
sessions that wrap them) and are not part of the shipped packages.
"""
