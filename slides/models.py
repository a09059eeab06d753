from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse


class Role(models.TextChoices):
    """The facilitation team's roles; a segment of the agenda is owned by one or more."""

    FACILITATOR = "facilitator", "Facilitator"
    HOST = "host", "Host"
    PRESENTER = "presenter", "Presenter"

    @classmethod
    def canonical(cls, roles) -> list[str]:
        """The given roles without duplicates, in the table's order."""
        wanted = set(roles)
        return [role for role in cls.values if role in wanted]


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Deck(models.Model):
    slug = models.SlugField(unique=True, help_text="Also the name of its content folder.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("slides:deck", kwargs={"slug": self.slug})

    @property
    def total_minutes(self) -> int:
        return sum(segment.minutes for segment in self.segments.all())

    @property
    def short_total_minutes(self) -> int:
        return sum(segment.short_minutes for segment in self.segments.all())


class DeckLink(models.Model):
    """A named address the deck refers to (the toolkit, where to find more)."""

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="links")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=50)
    url = models.URLField()

    class Meta:
        ordering = ["deck", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "key"], name="decklink_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.url}"


class Segment(models.Model):
    """A timed part of the agenda, covering a range of slides, owned by one or more roles."""

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="segments")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    first_slide = models.PositiveSmallIntegerField()
    last_slide = models.PositiveSmallIntegerField()
    minutes = models.PositiveSmallIntegerField(help_text="Planned minutes in the full plan.")
    short_minutes = models.PositiveSmallIntegerField(help_text="Planned minutes in the short plan.")
    owners = models.JSONField(
        default=list, help_text="Roles that own this segment; the first is the lead."
    )

    class Meta:
        ordering = ["deck", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "key"], name="segment_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def slide_range(self) -> str:
        if self.first_slide == self.last_slide:
            return str(self.first_slide)
        return f"{self.first_slide}–{self.last_slide}"

    @property
    def owner_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels.get(role, role) for role in self.owners]

    def clean(self) -> None:
        errors = {}
        unknown = sorted(set(self.owners or []) - set(Role.values))
        if not self.owners:
            errors["owners"] = "Choose at least one owner role."
        elif unknown:
            errors["owners"] = f"Unknown role(s): {', '.join(unknown)}."
        if self.first_slide and self.last_slide and self.first_slide > self.last_slide:
            errors["last_slide"] = "The last slide comes before the first."
        elif self.deck_id and self.last_slide:
            count = self.deck.slides.count()
            if self.first_slide < 1 or self.last_slide > count:
                errors["last_slide"] = f"Slides must be within the deck (1–{count})."
        if errors:
            raise ValidationError(errors)


class Slide(models.Model):
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="slides")
    number = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=80, help_text="Names the slide's content file.")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, help_text="Markdown that participants see.")
    notes = models.TextField(blank=True, help_text="Markdown for the facilitation team only.")

    class Meta:
        ordering = ["deck", "number"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "number"], name="slide_unique_number"),
            models.UniqueConstraint(fields=["deck", "key"], name="slide_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.body = normalise_newlines(self.body)
        self.notes = normalise_newlines(self.notes)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("slides:slide", kwargs={"slug": self.deck.slug, "number": self.number})


class Video(models.Model):
    """A video to play on a slide. The toolkit page is known; the video's own URL is set here."""

    slide = models.ForeignKey(Slide, on_delete=models.CASCADE, related_name="videos")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    page_url = models.URLField(help_text="The page where the video can be found.")
    url = models.URLField(blank=True, help_text="The video's own address, once known.")

    class Meta:
        ordering = ["slide", "order", "id"]

    def __str__(self) -> str:
        return self.title


def check_interaction_key(item: models.Model) -> None:
    """A slide's interaction (prompt, poll, word cloud, rating scale, ranking or open
    question) has a key no other interaction of its deck has: a run copies them all by key,
    so two with one key would leave only one in every run."""
    if not item.slide_id or not item.key:
        return
    deck_id = item.slide.deck_id
    Question = apps.get_model("quiz", "Question")  # quiz's models build on these: no import
    for model in (Prompt, Poll, WordCloud, RatingScale, Ranking, OpenText):
        taken = model.objects.filter(slide__deck_id=deck_id, key=item.key)
        if model is type(item):
            taken = taken.exclude(pk=item.pk)
        if taken.exists():
            noun = model._meta.verbose_name
            raise ValidationError({"key": f"A {noun} in this deck already has this key."})
    if Question.objects.filter(deck_id=deck_id, key=item.key).exists():
        raise ValidationError({"key": "A quiz question in this deck already has this key."})


class Prompt(models.Model):
    """A share-out prompt that opens when its slide goes live."""

    slide = models.OneToOneField(Slide, on_delete=models.CASCADE, related_name="prompt")
    key = models.SlugField(max_length=80)
    text = models.TextField()
    breakouts = models.BooleanField(
        default=False, help_text="The notes allow discussing this in breakout groups."
    )

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        check_interaction_key(self)


class Poll(models.Model):
    """A poll that opens when its slide goes live."""

    slide = models.OneToOneField(Slide, on_delete=models.CASCADE, related_name="poll")
    key = models.SlugField(max_length=80)
    question = models.CharField(max_length=300)
    multiple = models.BooleanField(default=False, help_text="Participants may choose several.")

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        check_interaction_key(self)


class WordCloud(models.Model):
    """A word cloud that opens when its slide goes live: each person sends a few words."""

    slide = models.OneToOneField(Slide, on_delete=models.CASCADE, related_name="wordcloud")
    key = models.SlugField(max_length=80)
    question = models.CharField(max_length=300)
    max_words = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Words or short phrases each person may send (1 to 10).",
    )

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        check_interaction_key(self)


class RatingScale(models.Model):
    """Statements each person rates on a scale (1 to 5 unless set otherwise), with labelled
    ends, that opens when its slide goes live."""

    slide = models.OneToOneField(Slide, on_delete=models.CASCADE, related_name="rating")
    key = models.SlugField(max_length=80)
    question = models.CharField(max_length=300)
    low = models.SmallIntegerField(
        default=1, validators=[MinValueValidator(0), MaxValueValidator(9)],
        help_text="The lowest rating (0 to 9).",
    )  # fmt: skip
    high = models.SmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="The highest rating (up to 10).",
    )  # fmt: skip
    low_label = models.CharField(max_length=80, blank=True, help_text="For example “Not at all”.")
    high_label = models.CharField(max_length=80, blank=True, help_text="For example “Completely”.")

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        check_interaction_key(self)
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValidationError({"high": "The highest rating must be above the lowest."})


class RatingStatement(models.Model):
    rating = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="statements")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["rating", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Ranking(models.Model):
    """Items each person puts in order, that opens when its slide goes live; the room sees
    the combined order (a Borda count)."""

    slide = models.OneToOneField(Slide, on_delete=models.CASCADE, related_name="ranking")
    key = models.SlugField(max_length=80)
    question = models.CharField(max_length=300)

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        check_interaction_key(self)


class RankingItem(models.Model):
    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["ranking", "order", "id"]

    def __str__(self) -> str:
        return self.text


class OpenText(models.Model):
    """An open question, answered in writing and read by the team (rather than shared aloud,
    as a share-out prompt is), that opens when its slide goes live."""

    slide = models.OneToOneField(Slide, on_delete=models.CASCADE, related_name="opentext")
    key = models.SlugField(max_length=80)
    question = models.CharField(max_length=300)

    class Meta:
        verbose_name = "open question"

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        check_interaction_key(self)


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["poll", "order", "id"]

    def __str__(self) -> str:
        return self.text
