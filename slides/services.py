"""Everything that changes decks: loading content folders into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import models, transaction

from slides.content import DeckData, read_deck_folder
from slides.models import Deck, OpenText, Poll, Prompt, Ranking, RatingScale, Slide, WordCloud


def _sync(
    queryset: models.QuerySet, *, match: str, rows: list[dict[str, Any]], parent: dict[str, Any]
) -> list[models.Model]:
    """Make the rows under one parent equal `rows`: update matches, create new, delete extra.

    Rows whose values already match are not written, so loading an unchanged deck writes
    nothing but the deck's own timestamp.
    """
    existing = {getattr(obj, match): obj for obj in queryset}
    kept = []
    for row in rows:
        obj = existing.pop(row[match], None)
        if obj is None:
            obj = queryset.model(**parent, **row)
            obj.save()
        else:
            changed = [name for name, value in row.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, row[name])
            if changed:
                obj.save(update_fields=changed)
        kept.append(obj)
    for obj in existing.values():
        obj.delete()
    return kept


def _sync_lines(children, texts: list[str], *, parent: dict) -> None:
    """A parent's lines of text in their order (a poll's options, a rating scale's statements,
    a ranking's items): each row matched by its place."""
    _sync(
        children.all(),
        match="order",
        rows=[{"order": order, "text": text} for order, text in enumerate(texts)],
        parent=parent,
    )


def _sync_one(
    model: type[models.Model], *, slide: Slide, values: dict | None
) -> models.Model | None:
    """The optional one-per-slide interaction (poll, prompt, word cloud, rating scale,
    ranking, open question): update, create or delete."""
    if values is None:
        model.objects.filter(slide=slide).delete()
        return None
    obj, _ = model.objects.update_or_create(slide=slide, defaults=values)
    return obj


@transaction.atomic
def deck_load(*, path: Path | str) -> Deck:
    """Create or update a deck from its content folder, all or nothing.

    Raises slides.content.ContentError (every problem with file and line) before anything
    is written if the folder is not valid.
    """
    data = read_deck_folder(path)
    return deck_save(data=data)


@transaction.atomic
def deck_save(*, data: DeckData) -> Deck:
    """Write a checked DeckData to the database, matching existing rows by their keys."""
    deck, _ = Deck.objects.update_or_create(
        slug=data.slug, defaults={"title": data.title, "description": data.description}
    )
    _sync(
        deck.links.all(),
        match="key",
        rows=[
            {"key": key, "url": url, "order": order}
            for order, (key, url) in enumerate(data.links.items())
        ],
        parent={"deck": deck},
    )
    _sync(
        deck.segments.all(),
        match="key",
        rows=[
            {
                "key": segment.key,
                "order": order,
                "title": segment.title,
                "summary": segment.summary,
                "first_slide": segment.first_slide,
                "last_slide": segment.last_slide,
                "minutes": segment.minutes,
                "short_minutes": segment.short_minutes,
                "owners": segment.owners,
            }
            for order, segment in enumerate(data.segments)
        ],
        parent={"deck": deck},
    )

    # Slides are matched by key, so one that moved keeps its row. Park moved slides on
    # numbers past any real one first: (deck, number) is unique at every step.
    wanted = {slide.key: slide.number for slide in data.slides}
    Slide.objects.filter(deck=deck).exclude(key__in=wanted).delete()
    moved = [s for s in Slide.objects.filter(deck=deck) if s.number != wanted[s.key]]
    for offset, slide in enumerate(moved):
        Slide.objects.filter(pk=slide.pk).update(number=30000 + offset)
    slides = _sync(
        Slide.objects.filter(deck=deck),
        match="key",
        rows=[
            {
                "key": slide.key,
                "number": slide.number,
                "title": slide.title,
                "body": slide.body,
                "notes": slide.notes,
            }
            for slide in data.slides
        ],
        parent={"deck": deck},
    )
    by_number = {slide.number: slide for slide in slides}
    for slide_data in data.slides:
        slide = by_number[slide_data.number]
        _sync(
            slide.videos.all(),
            match="order",
            rows=[
                {"order": order, "title": video.title, "page_url": video.page, "url": video.url}
                for order, video in enumerate(slide_data.videos)
            ],
            parent={"slide": slide},
        )
        prompt = slide_data.prompt
        _sync_one(
            Prompt,
            slide=slide,
            values=prompt
            and {"key": prompt.key, "text": prompt.text, "breakouts": prompt.breakouts},
        )
        words = slide_data.words
        _sync_one(
            WordCloud,
            slide=slide,
            values=words
            and {"key": words.key, "question": words.question, "max_words": words.max_words},
        )
        rating_data = slide_data.rating
        rating = _sync_one(
            RatingScale,
            slide=slide,
            values=rating_data
            and {
                "key": rating_data.key,
                "question": rating_data.question,
                "low": rating_data.low,
                "high": rating_data.high,
                "low_label": rating_data.low_label,
                "high_label": rating_data.high_label,
            },
        )
        if rating is not None:
            _sync_lines(rating.statements, rating_data.statements, parent={"rating": rating})
        ranking_data = slide_data.ranking
        ranking = _sync_one(
            Ranking,
            slide=slide,
            values=ranking_data and {"key": ranking_data.key, "question": ranking_data.question},
        )
        if ranking is not None:
            _sync_lines(ranking.items, ranking_data.items, parent={"ranking": ranking})
        opened = slide_data.open
        _sync_one(
            OpenText,
            slide=slide,
            values=opened and {"key": opened.key, "question": opened.question},
        )
        poll_data = slide_data.poll
        poll = _sync_one(
            Poll,
            slide=slide,
            values=poll_data
            and {
                "key": poll_data.key,
                "question": poll_data.question,
                "multiple": poll_data.multiple,
            },
        )
        if poll is not None:
            _sync_lines(poll.options, poll_data.options, parent={"poll": poll})

    questions = _sync(
        deck.questions.all(),
        match="key",
        rows=[
            {
                "key": question.key,
                "order": order,
                "slide_id": by_number[question.slide].pk,
                "answer_slide_id": by_number[question.answer_slide].pk,
                "text": question.text,
                "multiple": question.multiple,
                "explanation": question.explanation,
            }
            for order, question in enumerate(data.questions)
        ],
        parent={"deck": deck},
    )
    for question, question_data in zip(questions, data.questions, strict=True):
        _sync(
            question.choices.all(),
            match="order",
            rows=[
                {"order": order, "text": choice.text, "is_correct": choice.correct}
                for order, choice in enumerate(question_data.choices)
            ],
            parent={"question": question},
        )
    return deck
