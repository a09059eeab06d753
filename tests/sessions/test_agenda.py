from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sessions.domain.agenda import SegmentTime, agenda_status, suggest_cuts

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PLAN = [10, 5, 10, 10, 20, 5, 5, 10, 15]
TITLES = [(f"s{i}", f"Segment {i}", ["host"]) for i in range(len(PLAN))]


def status(actuals, current, *, running_for=0.0, started=True, now=T0):
    return agenda_status(
        titles=TITLES,
        planned=[m * 60 for m in PLAN],
        actuals=actuals,
        current=current,
        running_since=(now - timedelta(seconds=running_for)) if running_for else None,
        started_at=T0 if started else None,
        scheduled_at=T0,
        now=now,
    )


def test_on_plan_projects_the_planned_end():
    s = status([600, 300], 2, running_for=120)
    assert s.total_planned == 90 * 60
    assert s.total_elapsed == 600 + 300 + 120
    assert s.remaining == 480
    assert s.late_by == 0
    assert s.projected_end == T0 + timedelta(seconds=480 + 60 * sum(PLAN[3:]))
    assert s.cuts == [] and not s.warning and not s.overrun


def test_warning_then_overrun():
    assert status([], 0, running_for=9 * 60 + 30).warning
    late = status([], 0, running_for=13 * 60)
    assert late.overrun and late.remaining == -180
    assert late.late_by == 180


def test_overrun_suggests_cuts_from_later_segments_summing_to_the_delay():
    s = status([900, 600, 900], 3, running_for=15 * 60)  # 5+5+5 min over, now 5 over
    assert round(s.late_by) == 20 * 60
    assert sum(cut.cut_minutes for cut in s.cuts) == 20
    assert all(cut.index > 3 for cut in s.cuts)
    biggest = max(s.cuts, key=lambda cut: cut.cut_minutes)
    assert biggest.title == "Segment 4"  # the 20-minute segment gives most
    assert s.unrecoverable == 0


def test_cuts_never_take_a_segment_below_its_floor():
    later = [SegmentTime(i, f"k{i}", f"S{i}", [], 5 * 60, 0, "upcoming") for i in range(3)]
    cuts, unrecoverable = suggest_cuts(later, late_by=30 * 60)
    assert [c.new_minutes for c in cuts] == [2, 2, 2]
    assert unrecoverable == (30 - 9) * 60


def test_running_early_is_not_late():
    s = status([300], 1, running_for=60)
    assert s.late_by == -300 and s.cuts == []


def test_paused_clock_does_not_move():
    s = status([200], 0)
    assert not s.running and s.total_elapsed == 200


def test_before_the_start_the_end_is_scheduled_start_plus_plan():
    s = status([], 0, started=False, now=T0 - timedelta(hours=1))
    assert s.projected_end == T0 + timedelta(minutes=90)
