from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from quiz.models import Choice, Question, check_choices
from slides.admin import TellsAboutStartedRuns


class ChoiceFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        correct = sum(1 for form in kept if form.cleaned_data.get("is_correct"))
        why = check_choices(multiple=self.instance.multiple, correct=correct, total=len(kept))
        if why:
            raise ValidationError(why)


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 0
    ordering = ["order"]


@admin.register(Question)
class QuestionAdmin(TellsAboutStartedRuns, admin.ModelAdmin):
    list_display = ["text", "deck", "slide", "answer_slide", "multiple"]
    list_filter = ["deck"]
    list_select_related = ["deck", "slide", "answer_slide"]
    search_fields = ["text", "explanation"]
    ordering = ["deck", "order"]
    inlines = [ChoiceInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in {"slide", "answer_slide"}:
            kwargs["queryset"] = db_field.related_model.objects.select_related("deck")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
