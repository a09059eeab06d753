"""Everything that changes a run's activities (prompts, polls, quiz questions, word clouds,
rating scales, rankings, open questions) as a whole: the deck's interactions following the
slides, and the console opening, closing and counting them.

State changes the room must see at once (opening, closing, revealing) are published straight
away, like a slide change. Things that arrive in numbers (answers, chat lines, hands, votes)
mark an area of the run as changed, and `live/activity.py` pushes each changed area at most a
few times a second, rendered once per audience.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sessions.domain.guards import get_interaction, lock_run, require_open
from sessions.domain.once import first_submission
from sessions.domain.permissions import ActionError, Actor, check
from sessions.domain.rankings import ranking_items_check
from sessions.domain.ratings import scale_check
from sessions.live import activity
from sessions.live.publish import publish_live
from sessions.models import RESULTS_SHOWN, Interaction, Kind, Run, State
from slides.content import STATEMENT_MAX, STATEMENTS_MAX, WORDS_MAX


def sync_deck_interactions(run: Run) -> None:
    """Create (or refresh, while not yet used) the run's copies of its deck's prompts, polls,
    word clouds, rating scales, rankings, open questions and quiz questions, from the frozen
    deck."""
    deck = run.deck_data
    wanted = {}
    for slide in deck.slides:
        if slide.prompt:
            wanted[slide.prompt.key] = {
                "kind": Kind.PROMPT,
                "slide_number": slide.number,
                "text": slide.prompt.text,
                "breakouts": slide.prompt.breakouts,
            }
        if slide.poll:
            wanted[slide.poll.key] = {
                "kind": Kind.POLL,
                "slide_number": slide.number,
                "text": slide.poll.question,
                "options": slide.poll.options,
                "multiple": slide.poll.multiple,
                "results_visible": run.poll_results_visible,
            }
        if slide.words:
            wanted[slide.words.key] = {
                "kind": Kind.WORDS,
                "slide_number": slide.number,
                "text": slide.words.question,
                "max_words": slide.words.max_words,
                "results_visible": run.poll_results_visible,
            }
        if slide.rating:
            wanted[slide.rating.key] = {
                "kind": Kind.RATING,
                "slide_number": slide.number,
                "text": slide.rating.question,
                "options": slide.rating.statements,
                "scale_low": slide.rating.low,
                "scale_high": slide.rating.high,
                "low_label": slide.rating.low_label,
                "high_label": slide.rating.high_label,
                "results_visible": run.poll_results_visible,
            }
        if slide.ranking:
            wanted[slide.ranking.key] = {
                "kind": Kind.RANKING,
                "slide_number": slide.number,
                "text": slide.ranking.question,
                "options": slide.ranking.items,
                "results_visible": run.poll_results_visible,
            }
        if slide.open:
            wanted[slide.open.key] = {
                "kind": Kind.TEXT,
                "slide_number": slide.number,
                "text": slide.open.question,
                "results_visible": False,  # free text: the team reads it before the room does
            }
    for question in deck.questions:
        wanted[question.key] = {
            "kind": Kind.QUIZ,
            "slide_number": question.slide,
            "answer_slide_number": question.answer_slide,
            "text": question.text,
            "options": [choice.text for choice in question.choices],
            "multiple": question.multiple,
            "correct": question.correct_indexes,
            "explanation": question.explanation,
        }
    existing = {i.key: i for i in run.interactions.filter(slide_number__isnull=False)}
    for key, values in wanted.items():
        item = existing.pop(key, None)
        if item is None:
            Interaction.objects.create(run=run, key=key, **values)
        elif item.state == State.READY and not item.responses.exists():
            Interaction.objects.filter(pk=item.pk).update(**values)
    for item in existing.values():
        if item.state == State.READY and not item.responses.exists():
            item.delete()


def follow_slide(run: Run, previous: int) -> None:
    """The live slide changed from `previous` to run.slide_number: open what belongs to the
    new slide, close what belonged only to the old one, and reveal a quiz question when its
    answer slide comes up. Runs inside the slide change's transaction."""
    now = timezone.now()
    number = run.slide_number
    if number == previous:
        return
    for item in run.interactions.filter(slide_number__isnull=False):
        on_new = item.slide_number == number
        if on_new and (item.state == State.READY or _back_to_its_slide(item)):
            open_interaction(item, now)
        elif item.kind == Kind.QUIZ and item.answer_slide_number == number:
            if item.state in (State.OPEN, State.CLOSED):
                item.state = State.REVEALED
                item.save(update_fields=["state"])
        elif item.slide_number == previous and item.state == State.OPEN:
            item.state = State.CLOSED
            item.closed_with_slide = True
            item.save(update_fields=["state", "closed_with_slide"])


def _back_to_its_slide(item: Interaction) -> bool:
    """Closed only because the slides moved on (not by hand, nor by its timer running out):
    when its slide comes back, so does the activity."""
    return item.state == State.CLOSED and item.closed_with_slide and item.closes_at is None


def open_interaction(item: Interaction, now, timer_seconds: int | None = None) -> None:
    item.state = State.OPEN
    item.opened_at = now
    item.timer_seconds = timer_seconds
    item.closes_at = now + timedelta(seconds=timer_seconds) if timer_seconds else None
    item.closed_with_slide = False
    item.save(
        update_fields=["state", "opened_at", "timer_seconds", "closes_at", "closed_with_slide"]
    )


@transaction.atomic
def interaction_open(
    *, run: Run, actor: Actor, interaction: int, timer: int | None = None
) -> Interaction:
    """Open (or re-open) any interaction by hand; it stays open until closed by hand."""
    run = lock_run(run)
    check("interaction.open", actor, run.current_segment)
    require_open(run)
    item = get_interaction(run, interaction)
    if item.state == State.REVEALED:
        raise ActionError(
            "Its answer has been revealed: ask it again as a new question instead, so nobody "
            "answers after seeing the answer and the scores stay as they were."
        )
    if timer is not None and not 10 <= timer <= 600:
        raise ActionError("A timer runs for between 10 seconds and 10 minutes.")
    if item.kind != Kind.QUIZ and timer:
        raise ActionError("Only quiz questions have timers.")
    open_interaction(item, timezone.now(), timer)
    publish_live(run, "interaction.opened")
    return item


@transaction.atomic
def interaction_close(*, run: Run, actor: Actor, interaction: int) -> Interaction:
    run = lock_run(run)
    check("interaction.close", actor, run.current_segment)
    item = get_interaction(run, interaction)
    if item.state != State.OPEN:
        raise ActionError("That isn't open.")
    item.state = State.CLOSED
    item.closes_at = None
    item.closed_with_slide = False
    item.save(update_fields=["state", "closes_at", "closed_with_slide"])
    publish_live(run, "interaction.closed")
    return item


@transaction.atomic
def interaction_results(*, run: Run, actor: Actor, interaction: int, visible: bool) -> Interaction:
    """Show a poll's, word cloud's, rating scale's, ranking's or open question's results to
    participants (and on the projector), or hide them again."""
    run = lock_run(run)
    check("interaction.results", actor, run.current_segment)
    item = get_interaction(run, interaction)
    if item.kind not in RESULTS_SHOWN:
        raise ActionError(
            "Only polls, word clouds, rating scales, rankings and open questions have results "
            "to show."
        )
    item.results_visible = visible
    item.save(update_fields=["results_visible"])
    publish_live(run, "interaction.results")
    return item


@transaction.atomic
def interaction_create(
    *, run: Run, actor: Actor, kind: str, text: str, options: list[str] | None = None,
    multiple: bool = False, max_words: int = 3, scale_low: int = 1, scale_high: int = 5,
    low_label: str = "", high_label: str = "", token: str | None = None,
) -> Interaction | None:  # fmt: skip
    """An ad-hoc prompt, poll, word cloud, rating scale (its statements in `options`),
    ranking (its items in `options`) or open question, opened at once. A repeat of the same
    submission (`token`, see once.py) opens nothing more and returns None: the first one's card
    clears the form."""
    run = lock_run(run)
    check("interaction.create", actor, run.current_segment)
    require_open(run)
    text = text.strip()
    if kind not in (Kind.PROMPT, Kind.POLL, Kind.WORDS, Kind.RATING, Kind.RANKING, Kind.TEXT):
        raise ActionError(
            "Make a prompt, a poll, a word cloud, a rating scale, a ranking or an open question."
        )
    if kind == Kind.WORDS and not 1 <= max_words <= WORDS_MAX:
        raise ActionError(f"A word cloud asks for 1 to {WORDS_MAX} words each.")
    if not text or len(text) > 300:
        raise ActionError("Write the question in 1 to 300 characters.")
    options = [option.strip() for option in (options or []) if option.strip()]
    if kind == Kind.POLL and not 2 <= len(options) <= 8:
        raise ActionError("A poll needs between 2 and 8 options.")
    if kind == Kind.RATING:
        if not 1 <= len(options) <= STATEMENTS_MAX:
            raise ActionError(f"A rating scale needs 1 to {STATEMENTS_MAX} statements to rate.")
        scale_check(scale_low, scale_high)
        low_label, high_label = low_label.strip(), high_label.strip()
        if len(low_label) > 80 or len(high_label) > 80:
            raise ActionError("Keep the scale's labels under 80 characters.")
    if kind == Kind.POLL and len(set(options)) != len(options):
        raise ActionError("Each option must be different.")
    if kind == Kind.RATING:
        if len(set(options)) != len(options):
            raise ActionError("Each statement must be different.")
        if any(len(option) > STATEMENT_MAX for option in options):
            raise ActionError(f"Keep each statement to {STATEMENT_MAX} characters.")
    elif kind == Kind.RANKING:
        ranking_items_check(options)
    elif any(len(option) > 120 for option in options):
        raise ActionError("Keep each option under 120 characters.")
    with first_submission(run.pk, actor, token) as first:
        if not first:
            return None
        count = run.interactions.filter(key__startswith="adhoc-").count()
        item = Interaction.objects.create(
            run=run,
            kind=kind,
            key=f"adhoc-{count + 1}",
            text=text,
            options=options if kind in (Kind.POLL, Kind.RATING, Kind.RANKING) else [],
            multiple=multiple and kind == Kind.POLL,
            max_words=max_words if kind == Kind.WORDS else 3,
            **(
                {
                    "scale_low": scale_low,
                    "scale_high": scale_high,
                    "low_label": low_label,
                    "high_label": high_label,
                }
                if kind == Kind.RATING
                else {}
            ),  # fmt: skip
            # Free text: the team reads it before the room sees it (polls and the like follow
            # the run's setting for poll results).
            results_visible=run.poll_results_visible and kind != Kind.TEXT,
        )
        open_interaction(item, timezone.now())
        publish_live(run, "interaction.opened")
    return item


@transaction.atomic
def interaction_tally(
    *, run: Run, actor: Actor, interaction: int, option: int, amount: int = 1
) -> None:
    """Count answers given aloud or in the chat, by hand."""
    run = lock_run(run)
    check("interaction.tally", actor, run.current_segment)
    require_open(run)
    item = get_interaction(run, interaction)
    if not item.is_choice or not 0 <= option < len(item.options):
        raise ActionError("No such option.")
    counts = list(item.manual_tally) + [0] * (len(item.options) - len(item.manual_tally))
    counts[option] = max(0, counts[option] + amount)
    item.manual_tally = counts
    item.save(update_fields=["manual_tally"])
    activity.changed(run.pk, activity.RESPONSES)
