from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from dpup_workshop.text import InvalidText, clean
from sessions.models import CODE_ALPHABET, CODE_LENGTH, Plan, Run, normalise_code
from slides.models import Deck, Role


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TypedText(forms.CharField):
    """Text a person types, cleaned by the site's one rule (dpup_workshop.text) before the
    field's own checks, so `max_length` counts what is stored."""

    multiline = False

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return clean(value, multiline=self.multiline)
        except InvalidText as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class TypedLines(TypedText):
    multiline = True


def _team_choices():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class RunForm(forms.ModelForm):
    # New runs only, filled in by static/js/once.js: the form posted twice makes one run.
    token = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-fresh": ""}))
    hosts = forms.ModelMultipleChoiceField(
        queryset=_team_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="People with an account who will host (waiting room, timekeeping).",
    )
    presenters = forms.ModelMultipleChoiceField(
        queryset=_team_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="People with an account who will present. You can assign their segments "
        "and share invite links for others afterwards.",
    )

    class Meta:
        model = Run
        fields = [
            "deck",
            "title",
            "scheduled_at",
            "mode",
            "platform",
            "plan",
            "agency_name",
            "agency_initiatives",
            "waiting_room",
            "chat_enabled",
            "chat_to_everyone",
            "poll_results_visible",
            "qa_moderated",
            "qa_anonymous",
            "reactions_enabled",
            "quiz_scoreboard",
            "takes_notes",
            "takes_photos",
            "takes_recordings",
            "recordings_audience",
            "retention_days",
        ]
        labels = {
            "scheduled_at": "Date and time",
            "agency_name": "Agency name",
            "agency_initiatives": "The agency's example initiatives",
            "waiting_room": "Use a waiting room (the host admits people)",
            "chat_enabled": "Chat on",
            "chat_to_everyone": "Participants' chat messages go to everyone "
            "(untick: to the facilitation team only)",
            "poll_results_visible": "Participants see poll results as they come in, and word "
            "clouds', rating scales' and rankings' (untick: only when you show them; answers to "
            "open questions always wait for you)",
            "qa_moderated": "Moderate the Q&A: a question waits for the team's approval "
            "before participants see it",
            "qa_anonymous": "Participants may ask a question without their name "
            "(nobody sees it, the team included)",
            "reactions_enabled": "Participants may send reactions (👍 ❤️ 😂 😮 👏) at any time",
            "quiz_scoreboard": "Offer a quiz scoreboard (only people who opt in, by name)",
            "takes_notes": "Notes will be taken",
            "takes_photos": "Photos or screenshots will be taken",
            "takes_recordings": "The session will be recorded",
            "recordings_audience": "Who will see or use the notes, photos or recordings",
            "retention_days": "Keep participants' data for (days after the workshop)",
            "platform": "Video-call platform (online runs)",
        }
        help_texts = {
            "agency_name": "Shown on slide 16, 'What it means for …'.",
            "agency_initiatives": "One per line; shown on slide 16.",
            # The labels above say it all; the models' help (for the admin) would repeat them.
            **dict.fromkeys(
                ("chat_to_everyone", "poll_results_visible", "qa_moderated", "qa_anonymous",
                 "reactions_enabled", "quiz_scoreboard",
                 "recordings_audience", "retention_days"),
                "",
            ),
        }  # fmt: skip
        field_classes = {
            "title": TypedText,
            "agency_name": TypedText,
            "agency_initiatives": TypedLines,
            "recordings_audience": TypedText,
        }
        widgets = {
            "scheduled_at": DateTimeLocalInput(),
            "agency_initiatives": forms.Textarea(attrs={"rows": 4}),
            "mode": forms.RadioSelect,
            "plan": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deck"].queryset = Deck.objects.all()
        self.fields["deck"].empty_label = None
        self.fields["retention_days"].min_value = 1
        self.fields["retention_days"].widget.attrs.update(min=1, max=365)
        for name in ("hosts", "presenters"):
            self.fields[name].queryset = _team_choices()
            self.fields[name].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        deck = self.instance.deck if self.instance.pk else Deck.objects.first()
        if deck is not None:
            self.fields["plan"].choices = [
                (Plan.FULL, f"Full: {deck.total_minutes} minutes"),
                (Plan.SHORT, f"Short: {deck.short_total_minutes} minutes"),
            ]
        if self.instance.pk:
            del self.fields["deck"]
            del self.fields["hosts"]
            del self.fields["presenters"]
            del self.fields["token"]
        else:
            self.initial.setdefault(
                "scheduled_at",
                timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
            )

    def clean_token(self) -> str:
        return _clean_token(self, "check the details and create the run again")

    def clean_retention_days(self) -> int:
        days = self.cleaned_data["retention_days"]
        if not 1 <= days <= 365:
            raise forms.ValidationError("Keep data for between 1 and 365 days.")
        return days

    def clean(self):
        cleaned = super().clean()
        taken = any(
            cleaned.get(name) for name in ("takes_notes", "takes_photos", "takes_recordings")
        )
        if taken and not cleaned.get("recordings_audience", "").strip():
            self.add_error(
                "recordings_audience",
                "Say who will see or use them: participants are told before they join.",
            )
        if cleaned.get("mode") == "in_person":
            cleaned["platform"] = ""
        return cleaned


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Workshop code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text="The code on the screen or in the invitation, e.g. ABC-DEF-GHJ.",
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
            raise forms.ValidationError(
                f"A workshop code has {CODE_LENGTH} letters and digits, like ABC-DEF-GHJ."
            )
        return code


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _clean_token(form: forms.Form, then: str) -> str:
    """A form's submission token (see static/js/once.js): empty, or what the script makes."""
    token = form.cleaned_data["token"]
    if token and not FORM_TOKEN.fullmatch(token):
        raise forms.ValidationError(f"This form was changed on its way here: {then}.")
    return token


class JoinForm(forms.Form):
    # Filled in by static/js/once.js (see services.participant_join); without it, each post
    # is a new participant.
    token = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-fresh": ""}))
    display_name = TypedText(
        label="Your name (optional)",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Leave it empty to take part anonymously.",
    )
    show_name = forms.BooleanField(
        label="Show my name on shared screens (the projector and shared results)",
        required=False,
        help_text="If you don't tick this, shared screens show you as 'Anonymous'. "
        "The facilitation team always sees the name you give.",
    )

    def clean_token(self) -> str:
        return _clean_token(self, "check your name and join again")


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(queryset=_team_choices(), label="Person")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PRESENTER)
    segments = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Segments they present (presenters; none ticked: all presenter segments)",
    )

    def __init__(self, *args, run: Run, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _team_choices()
        self.fields["segments"].choices = [
            (segment.key, segment.title)
            for segment in run.segments
            if "presenter" in segment.owners
        ]


class InviteForm(forms.Form):
    # The least power first: the facilitator's role is handed on only on purpose.
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.PRESENTER,
        widget=forms.Select(attrs={"id": "invite-role"}),
    )
