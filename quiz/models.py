from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from slides.models import Deck, Slide


class Question(models.Model):
    """A quiz question, asked on one slide and answered on another."""

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=80)
    slide = models.ForeignKey(
        Slide, on_delete=models.CASCADE, related_name="quiz_questions", help_text="Asked here."
    )
    answer_slide = models.ForeignKey(
        Slide, on_delete=models.CASCADE, related_name="quiz_answers", help_text="Answered here."
    )
    text = models.CharField(max_length=300)
    multiple = models.BooleanField(
        default=False, help_text="Choose all that apply (otherwise exactly one answer)."
    )
    explanation = models.CharField(max_length=300, help_text="One line, shown with the answer.")

    class Meta:
        ordering = ["deck", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "key"], name="question_unique_key"),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        errors = {}
        for field in ("slide", "answer_slide"):
            slide = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if slide is not None and self.deck_id and slide.deck_id != self.deck_id:
                errors[field] = "Choose a slide of this question's deck."
        if self.slide_id and self.answer_slide_id and self.slide.number >= self.answer_slide.number:
            errors["answer_slide"] = "The answer slide must come after the question slide."
        if errors:
            raise ValidationError(errors)

    def correct_choices(self) -> list[Choice]:
        return [choice for choice in self.choices.all() if choice.is_correct]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text


def check_choices(*, multiple: bool, correct: int, total: int) -> str | None:
    """Why a question's choices are not valid, or None. Shared by admin and the loader."""
    if total < 2:
        return "A question needs at least two choices."
    if not multiple and correct != 1:
        return f"A single-choice question needs exactly one correct choice (it has {correct})."
    if multiple and correct < 1:
        return "A multiple-choice question needs at least one correct choice."
    return None
