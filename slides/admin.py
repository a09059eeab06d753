from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.utils.html import format_html

from slides.fit import deck_problems, describe, slide_fit
from slides.models import (
    Deck,
    DeckLink,
    OpenText,
    Poll,
    PollOption,
    Prompt,
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


class PollInline(admin.StackedInline):
    model = Poll
    extra = 0
    max_num = 1
    show_change_link = True
    fields = ["key", "question", "multiple"]


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
    inlines = [VideoInline, PromptInline, PollInline, WordCloudInline, OpenTextInline]
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
