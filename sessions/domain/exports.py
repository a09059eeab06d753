"""Results the team takes away from a run's report: a CSV per interaction and of attendance,
one XLSX workbook of them all, and the insights export, which holds no personal data.

Every file is built from the database as it is when it is asked for, so what a participant
deleted on "Your data" (or the retention period removed) is in no export made afterwards.
Every export made is recorded: who, when, which run and what.

A kind of interaction plugs in with one function, registered with `@exports(kind)`: it turns
the interaction and its responses into `Results` (the rows for the team, the counts for
insights). The files themselves are the same for every kind.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from sessions.domain import reactioncounts as reactions
from sessions.domain.borda import borda, is_order
from sessions.domain.permissions import Actor, check
from sessions.domain.ratingcount import rating_results
from sessions.domain.selectors import opened_interactions, slide_titles
from sessions.domain.wordcount import cloud, word_key
from sessions.models import (
    ExportRecord,
    Interaction,
    Kind,
    ParticipantStatus,
    Response,
    Run,
)
from slides.rendering import letter

What = ExportRecord.What
Cell = str | int | datetime | None

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV
# injection"): what a participant typed must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_MAX = 31
SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


class NoSuchExport(LookupError):
    """No such export of this run: an unknown kind of export, or no interaction by that key."""


@dataclass(frozen=True)
class Count:
    """How many gave one answer. `typed`: the answer is words a participant typed (not an
    option the deck wrote), so the insights export names it only when enough people gave it."""

    label: str
    number: int
    typed: bool = False
    # Typed words the team read and kept for insights (an open question's answer): named
    # whatever the count, which is not given.
    kept: bool = False
    # A score worked out from everyone's answers (a ranking's Borda score), not a number of
    # people: written as it is, once enough people answered (the results say so).
    score: bool = False


@dataclass
class Results:
    """One interaction as its exports hold it: a row per answer naming who gave it (for the
    team's files), and counts with no one named (for insights)."""

    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)


ResultsFunction = Callable[[Interaction, list[Response]], Results]
RESULTS: dict[str, ResultsFunction] = {}


def exports(*kinds: str) -> Callable[[ResultsFunction], ResultsFunction]:
    """Register the function that exports interactions of these kinds."""

    def register(function: ResultsFunction) -> ResultsFunction:
        for kind in kinds:
            RESULTS[kind] = function
        return function

    return register


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _option(item: Interaction, index: int) -> str:
    return f"{letter(index)}. {item.options[index]}"


@exports(Kind.POLL, Kind.QUIZ)
def _choice_results(item: Interaction, responses: list[Response]) -> Results:
    quiz = item.kind == Kind.QUIZ
    valid = range(len(item.options))
    results = Results(
        header=("Participant", "Answer", *(("Correct",) if quiz else ()), "Answered at")
    )
    counts = [0] * len(item.options)
    for response in responses:
        chosen = sorted(c for c in response.choices if c in valid)
        if not chosen:
            continue
        for choice in chosen:
            counts[choice] += 1
        right = ("yes" if chosen == sorted(item.correct) else "no",) if quiz else ()
        answer = "; ".join(_option(item, c) for c in chosen)
        results.rows.append((response.participant.team_label, answer, *right, response.updated_at))
    # Answers counted aloud or in the chat count as the report counts them.
    for index, extra in enumerate(item.manual_tally[: len(counts)]):
        counts[index] += extra
    for index, number in enumerate(counts):
        label = _option(item, index)
        if quiz and index in item.correct:
            label += " (correct)"
        results.counts.append(Count(label, number))
    return results


@exports(Kind.PROMPT)
def _prompt_results(item: Interaction, responses: list[Response]) -> Results:
    results = Results(
        header=(
            "Participant", "Breakout group", "Response", "Passed", "Offered to share aloud",
            "Shortlisted", "Shown on the projector", "Answered at",
        )
    )  # fmt: skip
    for r in responses:
        if not (r.text or r.passed or r.volunteer):
            continue
        group = r.breakout_group.number if r.breakout_group else None
        results.rows.append(
            (
                r.participant.team_label, group, r.text, _yes(r.passed and not r.text),
                _yes(r.volunteer), _yes(r.shortlisted), _yes(r.shown), r.updated_at,
            )
        )  # fmt: skip
    results.counts = [
        Count("Wrote a response", sum(1 for r in responses if r.text)),
        Count("Passed", sum(1 for r in responses if r.passed and not r.text)),
        Count("Offered to share aloud", sum(1 for r in responses if r.volunteer)),
    ]
    return results


@exports(Kind.WORDS)
def _word_results(item: Interaction, responses: list[Response]) -> Results:
    hidden = set(item.hidden_words)
    results = Results(header=("Participant", "Word", "Hidden by the team", "Sent at"))
    for r in responses:
        for word in r.words:
            results.rows.append(
                (r.participant.team_label, word, _yes(word_key(word) in hidden), r.updated_at)
            )
    shown, _ = cloud(item.hidden_words, [r.words for r in responses])
    results.counts = [Count(word.text, word.count, typed=True) for word in shown]
    return results


@exports(Kind.RATING)
def _rating_results(item: Interaction, responses: list[Response]) -> Results:
    results = Results(header=("Participant", *item.options, "Answered at"))
    given = []
    for r in responses:
        ratings = item.ratings_in(r.choices)
        if all(rating is None for rating in ratings):
            continue
        given.append(ratings)
        results.rows.append((r.participant.team_label, *ratings, r.updated_at))
    for result in rating_results(item, given):
        results.counts += [
            Count(f"{result.text}: rated {bar.value}", bar.count) for bar in result.bars()
        ]
    return results


@exports(Kind.RANKING)
def _ranking_results(item: Interaction, responses: list[Response]) -> Results:
    results = Results(header=("Participant", "Order", "Answered at"))
    for r in responses:
        if not is_order(r.choices, len(item.options)):
            continue
        order = "; ".join(f"{place}. {item.options[i]}" for place, i in enumerate(r.choices, 1))
        results.rows.append((r.participant.team_label, order, r.updated_at))
    combined, ranked = borda(item.options, [r.choices for r in responses])
    results.counts = [Count("People who ranked the items", ranked)]
    if ranked >= settings.INSIGHTS_MIN_COUNT:  # else a score would tell what a few people chose
        results.counts += [
            Count(f"{row.place}. {row.text} (Borda score)", row.score, score=True)
            for row in combined
        ]
    return results


@exports(Kind.TEXT)
def _open_results(item: Interaction, responses: list[Response]) -> Results:
    results = Results(
        header=("Participant", "Answer", "Hidden", "Kept for insights", "Answered at")
    )
    answered = [r for r in responses if r.text]
    for r in answered:
        results.rows.append(
            (r.participant.team_label, r.text, _yes(r.hidden), _yes(r.kept), r.updated_at)
        )
    results.counts = [Count("Answers", len(answered))]
    results.counts += [Count(r.text, 1, typed=True, kept=True) for r in answered if r.kept]
    return results


# --- reading the run --------------------------------------------------------------------------


def _results(items: list[Interaction]) -> list[tuple[Interaction, Results]]:
    """Each interaction's results, from one query for all their responses."""
    by_item: dict[int, list[Response]] = {item.pk: [] for item in items}
    for response in (
        Response.objects.filter(interaction__in=items)
        .select_related("participant", "breakout_group")
        .order_by("id")
    ):
        by_item[response.interaction_id].append(response)
    return [(item, RESULTS[item.kind](item, by_item[item.pk])) for item in items]


def _interaction(run: Run, key: str) -> Interaction:
    item = run.interactions.filter(key=key).first()
    if item is None:
        raise NoSuchExport(f"This workshop has no interaction “{key}” to export.")
    return item


ATTENDANCE_HEADER = (
    "Number", "Name (as the team sees it)", "Named on shared screens", "Status", "Joined at",
    "Admitted at",
)  # fmt: skip


def _attendance_rows(run: Run) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for person in run.participants.order_by("number"):
        # Someone who left took their data with them: only their number and that they left.
        left = person.status == ParticipantStatus.LEFT
        rows.append(
            (
                person.number, person.team_label, _yes(person.named_on_screens),
                person.get_status_display(), None if left else person.joined_at,
                None if left else person.admitted_at,
            )
        )  # fmt: skip
    return rows


def _title(item: Interaction) -> str:
    where = f", slide {item.slide_number}" if item.slide_number else ""
    return f"{item.get_kind_display()}{where}: {item.text}"


# --- writing the files ------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    """In the site's time zone, without one: a spreadsheet's dates have none."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _csv_cell(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: Iterable[str], rows: Iterable[Iterable[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark: without it Excel reads the file in the computer's legacy
    code page and "whānau" comes out as "whÄnau"."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word's end where one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " " and " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;—–-")


def sheet_title(text: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, not starting or
    ending with an apostrophe, and unique in the workbook (Excel compares them ignoring case)."""
    base = " ".join(SHEET_TITLE_BAD.sub(" ", text).split()).strip("'") or "Sheet"
    title, n = _shorten(base, SHEET_TITLE_MAX), 1
    while title.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        title = _shorten(base, SHEET_TITLE_MAX - len(suffix)) + suffix
    taken.add(title.casefold())
    return title


def _sheet(
    workbook: Workbook, title: str, heading: str, header: tuple[str, ...], rows: list
) -> None:
    """A sheet: what it is in the first row, the column names in the third, then the rows."""
    sheet = workbook.create_sheet(title)
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(list(header))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    widths = [len(name) for name in header]
    for row in rows:
        values = [_local(v) if isinstance(v, datetime) else v for v in row]
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
        )
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Text, even when it looks like a formula ("=HYPERLINK(...)"): openpyxl would
                # otherwise write it as one for Excel to run.
                cell.data_type = "s"
                cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
        for index, value in enumerate(values):
            shown = 19 if isinstance(value, datetime) else len(str(value or ""))
            widths[index] = max(widths[index], shown)
    for index, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(3, index + 1).column_letter].width = min(width + 2, 60)
    sheet.freeze_panes = "A4"
    if rows:
        sheet.auto_filter.ref = f"A3:{sheet.cell(3, len(header)).column_letter}{sheet.max_row}"


def _workbook(run: Run) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    attendance = _attendance_rows(run)
    _sheet(
        workbook, sheet_title("Attendance", taken), f"Attendance: {run.title}",
        ATTENDANCE_HEADER, attendance,
    )  # fmt: skip
    for number, (item, results) in enumerate(_results(list(opened_interactions(run))), start=1):
        title = sheet_title(f"{number} {item.text}", taken)
        _sheet(workbook, title, _title(item), results.header, results.rows)
    _sheet(
        workbook, sheet_title("Reactions", taken), f"Reactions per slide: {run.title}",
        REACTIONS_HEADER, [(*row[:2], *row[2], sum(row[2])) for row in _reaction_counts(run)],
    )  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- reactions: counts per slide, never anyone's own -----------------------------------------

REACTIONS_HEADER = ("Slide", "Slide title", *(c.label for c in reactions.CHOICES), "All")


def _reaction_counts(run: Run) -> list[tuple[int, str, list[int]]]:
    """Each slide that had a reaction: its number, its title and each reaction's count."""
    rows = reactions.reactions_by_slide(run, dict(slide_titles(run)))
    return [(row.number, row.title, row.counts) for row in rows]


INSIGHTS_HEADER = ("Slide", "Kind", "Question", "Answer", "Count")
KEPT = "kept by the team"  # the Count of an answer the team reviewed and kept


def _insights(run: Run) -> bytes:
    """Counts per interaction and nothing personal (DPUP's "Sharing Value"): no names, no
    free text unless the team reviewed and kept it (an open question's answers they chose;
    shortlisting a response for the room is not a review of what it gives away about
    someone, so no response is copied out), no totals from which a hidden count could be worked out,
    and a count below INSIGHTS_MIN_COUNT written as "fewer than N". Typed answers (a word
    cloud's words) given by fewer than N people are not named at all, only counted together."""
    least = settings.INSIGHTS_MIN_COUNT
    few = f"fewer than {least}"

    def shown(number: int) -> str | int:
        return number if number >= least else few

    rows: list[tuple[Cell, ...]] = []
    for item, results in _results(list(opened_interactions(run))):
        where = (item.slide_number, item.get_kind_display(), item.text)
        rare = [c.number for c in results.counts if c.typed and not c.kept and c.number < least]
        for count in results.counts:
            if count.kept:
                rows.append((*where, count.label, KEPT))
            elif count.score:
                rows.append((*where, count.label, count.number))
            elif not (count.typed and count.number < least):
                rows.append((*where, count.label, shown(count.number)))
        if rare:
            rows.append((*where, f"Other answers, each given by {few} people", shown(sum(rare))))
    # Reactions are counts already; a small one is written as any other count is.
    for number, title, counts in _reaction_counts(run):
        for choice, count in zip(reactions.CHOICES, counts, strict=True):
            if count:
                answer = f"{choice.emoji} {choice.label}"
                rows.append((number, "Reactions", title, answer, shown(count)))
    return _csv(INSIGHTS_HEADER, rows)


# --- the service ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def run_export(*, run: Run, actor: Actor, what: str, interaction_key: str = "") -> ExportFile:
    """One export of the run's results, built as the run is now and recorded (who, when,
    what): people's answers leave the app in these files, and the team can see who took them.
    NoSuchExport for an unknown `what`, or an interaction key the run doesn't have."""
    check("run.export", actor, doing="export this workshop's results")
    with transaction.atomic():
        if what == What.INTERACTION_CSV:
            item = _interaction(run, interaction_key)
            ((_, results),) = _results([item])
            made = ExportFile(
                f"{run.code}-{item.key}.csv", CSV_TYPE, _csv(results.header, results.rows)
            )
        elif what == What.ATTENDANCE_CSV:
            made = ExportFile(
                f"{run.code}-attendance.csv",
                CSV_TYPE,
                _csv(ATTENDANCE_HEADER, _attendance_rows(run)),
            )
        elif what == What.WORKBOOK:
            made = ExportFile(f"{run.code}-results.xlsx", XLSX_TYPE, _workbook(run))
        elif what == What.INSIGHTS:
            made = ExportFile(f"{run.code}-insights.csv", CSV_TYPE, _insights(run))
        else:
            raise NoSuchExport(f"There is no export called “{what}” of a workshop.")
        ExportRecord.objects.create(
            run=run,
            user_id=actor.user_id,
            what=what,
            interaction_key=interaction_key if what == What.INTERACTION_CSV else "",
        )
    return made


def report_exports(run: Run) -> dict:
    """The report's Export block: the exports made so far (newest first, with who made them)
    and the insights' threshold, which it explains."""
    return {
        "exports_made": list(run.exports.select_related("user")),
        "insights_min_count": settings.INSIGHTS_MIN_COUNT,
    }
