"""pytest fixtures for the fake gateway.

Enable them in a ``conftest.py``::

    pytest_plugins = ["ai_stats_music.testing.pytest_plugin"]

``fake_gateway`` is a :class:`~ai_stats_music.testing.FakeGateway` served for
one test. It runs on real time, unless the test also asks for ``fake_clock``:
then it runs on that :class:`~ai_stats_music.testing.VirtualClock`, and the
test moves time with ``fake_clock.advance(...)`` or hands ``fake_clock.sleep``
to the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import FakeGateway, VirtualClock

__all__ = ["fake_clock", "fake_gateway"]


@pytest.fixture
def fake_clock() -> VirtualClock:
    """A virtual clock at 0, which the ``fake_gateway`` of the same test runs on."""
    return VirtualClock()


@pytest.fixture
def fake_gateway(request: pytest.FixtureRequest) -> Iterator[FakeGateway]:
    """A fake gateway serving on loopback for the duration of the test."""
    clock = request.getfixturevalue("fake_clock") if "fake_clock" in request.fixturenames else None
    with FakeGateway(clock=clock).serve() as gateway:
        yield gateway
