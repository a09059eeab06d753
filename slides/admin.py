from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.utils.html import format_html

from slides.content import STATEMENTS_MAX
from slides.fit import deck_problems, describe, slide_fit
from slides.models import (
    Deck,
    DeckLink,
    OpenText,
    Poll,
    PollOption,
    Prompt,
    Ranking,
    RatingScale,
    Role,
    Segment,
    Slide,
    Video,
    WordCloud,
)
from slides.selectors import deck_data


class SegmentForm(forms.ModelForm):
    owners = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Roles that own this segment.",
    )

    class Meta:
        model = Segment
        fields = [
            "order",
            "key",
            "title",
            "first_slide",
            "last_slide",
            "minutes",
            "short_minutes",
            "owners",
            "summary",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def clean_owners(self) -> list[str]:
        return Role.canonical(self.cleaned_data["owners"])


class TellsAboutStartedRuns:
    """After a save, say which runs the change reaches (a run keeps the deck as it was when it
    started, so an edit reaches only runs not started yet and new ones), and name any slide
    the edit left too full for the shared screen."""

    def deck_of(self, obj) -> Deck:
        return obj if isinstance(obj, Deck) else obj.deck

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        deck = self.deck_of(form.instance)
        for fit in deck_problems(deck_data(deck)):
            self.message_user(request, f"“{deck.title}”: {describe(fit)}", messages.WARNING)
        started = deck.runs.exclude(status="draft").count()  # live or ended
        if started:
            self.message_user(
                request,
                f"{started} run{pluralize(started)} of “{deck.title}” already started: "
                f"{'they keep' if started > 1 else 'it keeps'} the deck as it was then. "
                "This change reaches runs not started yet, and new ones.",
                messages.WARNING,
            )


class DeckLinkInline(admin.TabularInline):
    model = DeckLink
    extra = 0


class SegmentInline(admin.StackedInline):
    model = Segment
    form = SegmentForm
    extra = 0
    ordering = ["order"]


@admin.register(Deck)
class DeckAdmin(TellsAboutStartedRuns, admin.ModelAdmin):
    list_display = ["title", "slug", "slide_count", "updated_at", "preview"]
    search_fields = ["title", "slug"]
    inlines = [DeckLinkInline, SegmentInline]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="Slides")
    def slide_count(self, deck: Deck) -> int:
        return deck.slides.count()

    @admin.display(description="Preview")
    def preview(self, deck: Deck) -> str:
        return format_html('<a href="{}">Preview deck</a>', deck.get_absolute_url())


class VideoInline(admin.TabularInline):
    model = Video
    extra = 0


class PromptInline(admin.StackedInline):
    model = Prompt
    extra = 0
    max_num = 1


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LinesField(forms.CharField):
    """Text in a textarea, one item a line: changed only if its lines changed (a browser sends
    a textarea back with Windows line ends, and perhaps a newline at the end)."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 60})

    def has_changed(self, initial, data) -> bool:
        return _lines(initial) != _lines(data)


class OnePerLineInlineForm(forms.ModelForm):
    """An inline's form for a parent whose child rows are lines of text (a poll's options, a
    ranking's items): one textarea, one line per child, so they are edited on the inline's
    own page (the slide's) rather than on a page of the parent's.

    A subclass names the children's related name (`lines_of`), the field's label and its
    limits; the child model has `order` and `text` and a foreign key to the parent. Lines
    are kept in the order written; a child row is rewritten only if its line changed."""

    lines_of = ""  # the parent's related name for its children, e.g. "options"
    lines_label = "One per line"
    fewest, most, longest = 2, 10, 200

    lines = LinesField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["lines"]
        field.label = self.lines_label
        field.help_text = (
            f"{self.fewest} to {self.most} lines, each different, up to {self.longest} "
            "characters. The order here is the order everyone sees."
        )
        if self.instance.pk:
            field.initial = "\n".join(self._children().values_list("text", flat=True))

    def _children(self):
        return getattr(self.instance, self.lines_of).all()

    def clean_lines(self) -> list[str]:
        given = [line.strip() for line in (self.cleaned_data["lines"] or "").splitlines()]
        # Blank lines at the ends are only how a textarea ends; one in between is a mistake.
        while given and not given[-1]:
            given.pop()
        while given and not given[0]:
            given.pop(0)
        problems = []
        if any(not line for line in given):
            problems.append("Take out the empty line: every line is one.")
        lines = [line for line in given if line]
        if not self.fewest <= len(lines) <= self.most:
            problems.append(
                f"Write {self.fewest} to {self.most} lines, one each: there are {len(lines)}."
            )
        for line in lines:
            if len(line) > self.longest:
                problems.append(f"Keep each line to {self.longest} characters: “{line[:40]}…”.")
        seen: set[str] = set()
        for line in lines:
            if line.casefold() in seen:
                problems.append(f"“{line}” is there twice: each line must be different.")
            seen.add(line.casefold())
        if problems:
            raise forms.ValidationError(problems)
        return lines

    def save(self, commit: bool = True):
        parent = super().save(commit=commit)
        if commit:
            self._save_lines(parent)
        else:
            save_m2m = self.save_m2m

            def save_all() -> None:
                save_m2m()
                self._save_lines(parent)

            self.save_m2m = save_all
        return parent

    def _save_lines(self, parent) -> None:
        children = getattr(parent, self.lines_of)
        existing = {child.order: child for child in children.all()}
        for order, text in enumerate(self.cleaned_data["lines"]):
            child = existing.pop(order, None)
            if child is None:
                children.create(order=order, text=text)
            elif child.text != text:
                child.text = text
                child.save(update_fields=["text"])
        for child in existing.values():
            child.delete()


class PollForm(OnePerLineInlineForm):
    lines_of = "options"
    lines_label = "Options, one per line"

    class Meta:
        model = Poll
        fields = ["key", "question", "multiple", "lines"]


class PollInline(admin.StackedInline):
    model = Poll
    form = PollForm
    extra = 0
    max_num = 1
    fields = ["key", "question", "multiple", "lines"]


class RankingForm(OnePerLineInlineForm):
    lines_of = "items"
    lines_label = "Items to put in order, one per line"

    class Meta:
        model = Ranking
        fields = ["key", "question", "lines"]


class RankingInline(admin.StackedInline):
    model = Ranking
    form = RankingForm
    extra = 0
    max_num = 1
    fields = ["key", "question", "lines"]


class RatingScaleForm(OnePerLineInlineForm):
    lines_of = "statements"
    lines_label = "Statements to rate, one per line"
    fewest, most = 1, STATEMENTS_MAX

    class Meta:
        model = RatingScale
        fields = ["key", "question", "low", "high", "low_label", "high_label", "lines"]


class RatingScaleInline(admin.StackedInline):
    model = RatingScale
    form = RatingScaleForm
    extra = 0
    max_num = 1
    verbose_name = "rating scale"
    fields = ["key", "question", ("low", "high"), ("low_label", "high_label"), "lines"]


class WordCloudInline(admin.StackedInline):
    model = WordCloud
    extra = 0
    max_num = 1
    verbose_name = "word cloud"


class OpenTextInline(admin.StackedInline):
    model = OpenText
    extra = 0
    max_num = 1


@admin.register(Slide)
class SlideAdmin(TellsAboutStartedRuns, admin.ModelAdmin):
    list_display = ["number", "title", "deck", "preview"]
    list_display_links = ["number", "title"]
    list_filter = ["deck"]
    search_fields = ["title", "body", "notes"]
    ordering = ["deck", "number"]
    fields = ["deck", "number", "key", "title", "body", "notes", "preview", "on_the_screen"]
    readonly_fields = ["preview", "on_the_screen"]
    inlines = [
        VideoInline, PromptInline, PollInline, WordCloudInline, RatingScaleInline, RankingInline,
        OpenTextInline,
    ]  # fmt: skip
    list_select_related = ["deck"]

    @admin.display(description="On the shared screen")
    def on_the_screen(self, slide: Slide) -> str:
        if not slide.pk:
            return "Save the slide to see whether it fits the shared screen."
        data = deck_data(slide.deck)
        fit = slide_fit(data, data.slide(slide.number))
        if not fit.fits:
            said = describe(fit)
            return said[0].upper() + said[1:]
        return (
            f"Fits: even at the smallest text size its content takes about "
            f"{round(100 * fit.room)}% of the room there is."
        )

    @admin.display(description="Preview")
    def preview(self, slide: Slide) -> str:
        if not slide.pk:
            return "Save the slide to preview it."
        return format_html(
            '<a href="{}">Preview slide {}</a>', slide.get_absolute_url(), slide.number
        )


class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0
    min_num = 2


@admin.register(Poll)
class PollAdmin(TellsAboutStartedRuns, admin.ModelAdmin):
    list_display = ["question", "key", "slide"]
    list_select_related = ["slide", "slide__deck"]
    inlines = [PollOptionInline]

    def deck_of(self, obj) -> Deck:
        return obj.slide.deck
