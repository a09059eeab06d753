"""Agenda arithmetic: time used, time left, projected end and what to cut when running over.

Pure functions of the run's stored timestamps and a `now`, so the same numbers come out in
a test, a page render and a push. Browsers only tick the countdown between renders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# Warn when this little of a segment is left (or a tenth of it, whichever is longer).
WARN_SECONDS = 60
# Cue the next segment's owner this long before their turn.
HANDOFF_SECONDS = 120
# A remaining segment is never cut below this share of its plan, nor below a minute.
KEEP_SHARE = 0.4


def whole_minutes(seconds: float) -> int:
    """Seconds to the nearest whole minute (half a minute rounds up), ignoring the sign."""
    return math.floor(abs(seconds) / 60 + 0.5)


@dataclass(frozen=True)
class SegmentTime:
    index: int
    key: str
    title: str
    owners: list[str]
    planned: int  # seconds
    actual: float  # seconds so far
    state: str  # "done", "current" or "upcoming"


@dataclass(frozen=True)
class Cut:
    index: int
    title: str
    planned_minutes: int
    cut_minutes: int

    @property
    def new_minutes(self) -> int:
        return self.planned_minutes - self.cut_minutes


@dataclass(frozen=True)
class AgendaStatus:
    now: datetime
    running: bool
    segments: list[SegmentTime]
    current: int
    total_planned: int
    total_elapsed: float
    late_by: float  # seconds the run will finish late if the rest goes to plan (<0: early)
    projected_end: datetime
    cuts: list[Cut]
    unrecoverable: float  # seconds still late after every suggested cut

    @property
    def segment(self) -> SegmentTime:
        return self.segments[self.current]

    @property
    def remaining(self) -> float:
        """Seconds left in the current segment; negative once it overruns."""
        return self.segment.planned - self.segment.actual

    @property
    def warn_at(self) -> float:
        return max(WARN_SECONDS, self.segment.planned / 10)

    @property
    def warning(self) -> bool:
        return 0 <= self.remaining <= self.warn_at

    @property
    def overrun(self) -> bool:
        return self.remaining < 0

    @property
    def next_segment(self) -> SegmentTime | None:
        if self.current + 1 < len(self.segments):
            return self.segments[self.current + 1]
        return None

    @property
    def deadline(self) -> datetime:
        """When the current segment's planned time runs out (in the past once overrunning)."""
        return self.now + timedelta(seconds=self.remaining)


def agenda_status(
    *,
    titles: list[tuple[str, str, list[str]]],
    planned: list[int],
    actuals: list[float],
    current: int,
    running_since: datetime | None,
    started_at: datetime | None,
    scheduled_at: datetime,
    now: datetime,
) -> AgendaStatus:
    """Where the agenda stands at `now`.

    titles: (key, title, owners) per segment; planned: seconds per segment; actuals: seconds
    accumulated per segment before running_since (missing entries count as 0).
    """
    running = running_since is not None
    spent = [float(actuals[i]) if i < len(actuals) else 0.0 for i in range(len(planned))]
    if running:
        spent[current] += max(0.0, (now - running_since).total_seconds())
    segments = [
        SegmentTime(
            index=i,
            key=key,
            title=title,
            owners=owners,
            planned=planned[i],
            actual=spent[i],
            state="current" if i == current else ("done" if i < current else "upcoming"),
        )
        for i, (key, title, owners) in enumerate(titles)
    ]
    total_planned = sum(planned)
    total_elapsed = sum(spent)
    # The rest of the run, if it goes to plan from here: what's left of the current segment
    # (nothing if it's already over) plus every later segment's full plan.
    left_now = max(0.0, planned[current] - spent[current])
    later = [s for s in segments if s.index > current]
    still_to_come = left_now + sum(s.planned - s.actual for s in later if s.actual < s.planned)
    late_by = total_elapsed + still_to_come - total_planned
    base = now if (running or started_at) else max(now, scheduled_at)
    projected_end = base + timedelta(seconds=still_to_come)
    cuts, unrecoverable = suggest_cuts(later, late_by)
    return AgendaStatus(
        now=now,
        running=running,
        segments=segments,
        current=current,
        total_planned=total_planned,
        total_elapsed=total_elapsed,
        late_by=late_by,
        projected_end=projected_end,
        cuts=cuts,
        unrecoverable=unrecoverable,
    )


def suggest_cuts(later: list[SegmentTime], late_by: float) -> tuple[list[Cut], float]:
    """Whole minutes to take from the segments still to come so the run ends on time.

    Each segment gives in proportion to what it can spare (it keeps at least KEEP_SHARE of
    its plan and a minute), so long segments give most. Returns the cuts and the seconds
    that no cut can recover.
    """
    late_minutes = whole_minutes(late_by) if late_by > 0 else 0
    if late_minutes <= 0:
        return [], 0.0
    spare = {}
    for segment in later:
        minutes = segment.planned // 60
        keep = max(1, math.ceil(minutes * KEEP_SHARE))
        if minutes > keep:
            spare[segment.index] = minutes - keep
    total_spare = sum(spare.values())
    target = min(late_minutes, total_spare)
    cuts_by_index: dict[int, int] = {}
    if target:
        # Largest-remainder rounding keeps the sum exact.
        shares = {i: target * s / total_spare for i, s in spare.items()}
        cuts_by_index = {i: math.floor(share) for i, share in shares.items()}
        leftover = target - sum(cuts_by_index.values())
        for i in sorted(
            shares, key=lambda i: (shares[i] - cuts_by_index[i], spare[i]), reverse=True
        ):
            if leftover == 0:
                break
            if cuts_by_index[i] < spare[i]:
                cuts_by_index[i] += 1
                leftover -= 1
    cuts = [
        Cut(
            index=s.index,
            title=s.title,
            planned_minutes=s.planned // 60,
            cut_minutes=cuts_by_index[s.index],
        )
        for s in later
        if cuts_by_index.get(s.index)
    ]
    return cuts, max(0.0, (late_minutes - target) * 60.0)
