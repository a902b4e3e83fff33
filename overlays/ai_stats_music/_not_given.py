"""``NotGiven`` and ``NOT_GIVEN``: the default of an argument that was left out.

A module of its own because the clients, their per-call options and the fake
gateway all need the sentinel, and none of them should have to import a client
to get it.
"""

from __future__ import annotations

from typing import Final

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument left out, which is not ``None``.

    ``timeout=None`` means "no bound"; leaving ``timeout`` out means "the
    client's". A sentinel tells the two apart; it is falsy and pickles as
    itself.
    """

    __slots__ = ()
    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: The default of every per-call option: "use the client's setting".
NOT_GIVEN: Final = NotGiven()
