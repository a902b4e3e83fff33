"""Maintainers' tools: not part of the package, not shipped."""
