"""The Borda count that combines everyone's ranking into the room's order: pure, without the
database, so the rule is tested on its own.

With n items, a person's first choice scores n − 1, their second n − 2, … their last 0. An
item's score is the sum over everyone who ranked; the combined order is by score, highest
first, ties kept in the deck's order (the order the items were written in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RankedItem:
    """One item in the combined order."""

    index: int  # its place in the deck's list of items
    text: str
    score: int  # its Borda score
    place: int  # 1 for the top of the combined order
    percent: int  # its score against the most it could have had (n − 1 from everyone)


def is_order(order: object, count: int) -> bool:
    """`order` is a permutation of 0 … count − 1: every item once, nothing else."""
    return (
        isinstance(order, list)
        and len(order) == count
        and all(isinstance(i, int) and not isinstance(i, bool) for i in order)
        and sorted(order) == list(range(count))
    )


def borda(items: Sequence[str], orders: Iterable[object]) -> tuple[list[RankedItem], int]:
    """The combined order of `items` from everyone's `orders` (each a list of item indexes,
    top first), and how many people ranked. An order that is not a whole permutation of the
    items (none is stored, but the data may be older than the rule) counts for nothing."""
    count = len(items)
    scores = [0] * count
    ranked = 0
    for order in orders:
        if not is_order(order, count):
            continue
        ranked += 1
        for position, index in enumerate(order):  # type: ignore[arg-type]
            scores[index] += count - 1 - position
    most = ranked * (count - 1)
    by_score = sorted(range(count), key=lambda i: (-scores[i], i))
    return [
        RankedItem(
            index=i,
            text=items[i],
            score=scores[i],
            place=place,
            percent=round(100 * scores[i] / most) if most else 0,
        )
        for place, i in enumerate(by_score, start=1)
    ], ranked
