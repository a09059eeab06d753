"""Reads of decks that are more than a one-liner."""

from __future__ import annotations

from django.db.models import Prefetch

from quiz.models import Question
from slides.content import (
    ChoiceData,
    DeckData,
    OpenData,
    PollData,
    PromptData,
    QuestionData,
    RankingData,
    RatingData,
    SegmentData,
    SlideData,
    VideoData,
    WordsData,
)
from slides.models import Deck, OpenText, Poll, Prompt, Ranking, RatingScale, Slide, WordCloud


def deck_data(deck: Deck) -> DeckData:
    """The whole deck as plain data, in a fixed number of queries whatever its size."""
    slides = (
        Slide.objects.filter(deck=deck)
        .order_by("number")
        .prefetch_related(
            "videos",
            Prefetch("poll", queryset=Poll.objects.prefetch_related("options")),
            Prefetch("prompt", queryset=Prompt.objects.all()),
            Prefetch("wordcloud", queryset=WordCloud.objects.all()),
            Prefetch("rating", queryset=RatingScale.objects.prefetch_related("statements")),
            Prefetch("ranking", queryset=Ranking.objects.prefetch_related("items")),
            Prefetch("opentext", queryset=OpenText.objects.all()),
        )
    )
    questions = (
        Question.objects.filter(deck=deck)
        .select_related("slide", "answer_slide")
        .prefetch_related("choices")
        .order_by("order", "id")
    )
    slide_data = []
    for slide in slides:
        poll = getattr(slide, "poll", None)
        prompt = getattr(slide, "prompt", None)
        words = getattr(slide, "wordcloud", None)
        rating = getattr(slide, "rating", None)
        ranking = getattr(slide, "ranking", None)
        opentext = getattr(slide, "opentext", None)
        slide_data.append(
            SlideData(
                number=slide.number,
                key=slide.key,
                title=slide.title,
                body=slide.body.strip(),
                notes=slide.notes.strip(),
                videos=[
                    VideoData(title=video.title, page=video.page_url, url=video.url)
                    for video in slide.videos.all()
                ],
                poll=poll
                and PollData(
                    key=poll.key,
                    question=poll.question,
                    multiple=poll.multiple,
                    options=[option.text for option in poll.options.all()],
                ),
                prompt=prompt
                and PromptData(key=prompt.key, text=prompt.text, breakouts=prompt.breakouts),
                words=words
                and WordsData(key=words.key, question=words.question, max_words=words.max_words),
                rating=rating
                and RatingData(
                    key=rating.key,
                    question=rating.question,
                    statements=[statement.text for statement in rating.statements.all()],
                    low=rating.low,
                    high=rating.high,
                    low_label=rating.low_label,
                    high_label=rating.high_label,
                ),
                ranking=ranking
                and RankingData(
                    key=ranking.key,
                    question=ranking.question,
                    items=[item.text for item in ranking.items.all()],
                ),
                open=opentext and OpenData(key=opentext.key, question=opentext.question),
            )
        )
    return DeckData(
        slug=deck.slug,
        title=deck.title,
        description=deck.description,
        links={link.key: link.url for link in deck.links.all()},
        segments=[
            SegmentData(
                key=segment.key,
                title=segment.title,
                summary=segment.summary,
                first_slide=segment.first_slide,
                last_slide=segment.last_slide,
                minutes=segment.minutes,
                short_minutes=segment.short_minutes,
                owners=list(segment.owners),
            )
            for segment in deck.segments.all()
        ],
        slides=slide_data,
        questions=[
            QuestionData(
                key=question.key,
                slide=question.slide.number,
                answer_slide=question.answer_slide.number,
                text=question.text,
                multiple=question.multiple,
                explanation=question.explanation,
                choices=[
                    ChoiceData(text=choice.text, correct=choice.is_correct)
                    for choice in question.choices.all()
                ],
            )
            for question in questions
        ],
    )
