"""Counting a rating scale's answers: pure functions over what is stored (no database)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatementResult:
    """One statement's ratings: how many gave each rating (low to high), and the mean."""

    text: str
    counts: list[tuple[int, int]]
    rated: int
    mean: float | None

    @property
    def most(self) -> int:
        return max((n for _, n in self.counts), default=0)

    def bars(self) -> list[RatingBar]:
        """Each rating with its count, drawn as a column as tall as its share of the most
        given (the tallest is full height)."""
        top = self.most or 1
        return [RatingBar(value, n, round(100 * n / top)) for value, n in self.counts]


@dataclass(frozen=True)
class RatingBar:
    value: int
    count: int
    percent: int

    @property
    def gap(self) -> int:
        """The column's empty height above it (an SVG draws from the top)."""
        return 100 - self.percent


def rating_results(item, all_ratings: list[list[int | None]]) -> list[StatementResult]:
    """Each statement's distribution and mean over everyone's ratings."""
    scale = range(item.scale_low, item.scale_high + 1)
    results = []
    for index, text in enumerate(item.options):
        given = [r[index] for r in all_ratings if r[index] is not None]
        counts = [(value, given.count(value)) for value in scale]
        mean = round(sum(given) / len(given), 1) if given else None
        results.append(StatementResult(text, counts, len(given), mean))
    return results
