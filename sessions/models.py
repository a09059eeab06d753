"""A live run of a deck: its team, its participants and the agenda runner's state.

The database is the truth. Timers are stored as timestamps and accumulated seconds, never
ticked: `actuals[i]` holds the seconds spent in segment i before `running_since`, and while
the clock runs the current segment also has `now - running_since`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from slides.content import DeckData, SegmentData
from slides.models import Deck, Role

# Read aloud without confusion: no 0/O, 1/I/L, U/V. 30 symbols x 9 = 44 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 9


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What someone typed or read aloud -> a code: case, spaces and hyphens don't matter."""
    return "".join(ch for ch in text.upper() if ch not in " -_.\t")


def format_code(code: str) -> str:
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))


class Mode(models.TextChoices):
    ONLINE = "online", "Online, beside a video call"
    IN_PERSON = "in_person", "In person"


class Platform(models.TextChoices):
    TEAMS = "teams", "Microsoft Teams"
    ZOOM = "zoom", "Zoom"
    JABBER = "jabber", "Cisco Jabber"
    OTHER = "other", "Another platform"


class Plan(models.TextChoices):
    FULL = "full", "Full plan"
    SHORT = "short", "Short plan"


class Status(models.TextChoices):
    DRAFT = "draft", "Not started"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended"


class Run(models.Model):
    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="runs")
    deck_snapshot = models.JSONField(help_text="The deck as it was when the run was set up.")
    deck_revision = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    scheduled_at = models.DateTimeField()
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_runs"
    )

    agency_name = models.CharField(max_length=200, blank=True)
    agency_initiatives = models.TextField(blank=True, help_text="One initiative per line.")
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.ONLINE)
    platform = models.CharField(
        max_length=20, choices=Platform.choices, default=Platform.TEAMS, blank=True
    )
    plan = models.CharField(max_length=10, choices=Plan.choices, default=Plan.FULL)
    waiting_room = models.BooleanField(default=True)
    chat_enabled = models.BooleanField(default=True)
    takes_notes = models.BooleanField(default=False)
    takes_photos = models.BooleanField(default=False)
    takes_recordings = models.BooleanField(default=False)
    recordings_audience = models.CharField(
        max_length=300, blank=True, help_text="Who will see or use notes, photos or recordings."
    )
    retention_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after the run ends before participants' data is deleted."
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=0)
    audience_versions = models.JSONField(default=dict, blank=True)
    slide_number = models.PositiveSmallIntegerField(default=1)
    max_slide_shown = models.PositiveSmallIntegerField(default=1)
    segment_index = models.PositiveSmallIntegerField(default=0)
    actuals = models.JSONField(default=list, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.display_code})"

    def get_absolute_url(self) -> str:
        return reverse("runs:console", kwargs={"code": self.code})

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def join_path(self) -> str:
        return reverse("runs:join", kwargs={"code": self.code})

    @cached_property
    def deck_data(self) -> DeckData:
        return DeckData.from_dict(self.deck_snapshot)

    @property
    def segments(self) -> list[SegmentData]:
        return self.deck_data.segments

    @property
    def slide_count(self) -> int:
        return len(self.deck_data.slides)

    @property
    def current_segment(self) -> SegmentData:
        return self.segments[self.segment_index]

    def planned_seconds(self) -> list[int]:
        short = self.plan == Plan.SHORT
        return [60 * (s.short_minutes if short else s.minutes) for s in self.segments]

    @property
    def planned_minutes(self) -> int:
        return sum(self.planned_seconds()) // 60

    @property
    def initiatives(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.agency_initiatives.splitlines() if line.strip())

    @property
    def is_live(self) -> bool:
        return self.status == Status.LIVE

    @property
    def is_running(self) -> bool:
        return self.running_since is not None

    @property
    def purge_after(self):
        if self.ended_at is None:
            return None
        return self.ended_at + timedelta(days=self.retention_days)

    def records_anything(self) -> bool:
        return self.takes_notes or self.takes_photos or self.takes_recordings

    def recorded_kinds(self) -> list[str]:
        kinds = [("notes", self.takes_notes), ("photos", self.takes_photos)]
        kinds.append(("recordings", self.takes_recordings))
        return [name for name, taken in kinds if taken]


class TeamMember(models.Model):
    """A role on a run's facilitation team. One person may hold several roles."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="run_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    segments = models.JSONField(
        default=list,
        blank=True,
        help_text="Presenters only: keys of the segments this presenter owns (empty: all).",
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "user", "role"], name="teammember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class RoleInvite(models.Model):
    """A link that grants a role on a run to whoever opens it after logging in."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "role", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invite for {self.run}"

    def get_absolute_url(self) -> str:
        return reverse("runs:invite", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.run.status != Status.ENDED


class ParticipantStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to be admitted"
    ADMITTED = "admitted", "Admitted"
    REMOVED = "removed", "Removed by the host"
    LEFT = "left", "Left and deleted their data"


class Participant(models.Model):
    """Someone following a run, without an account: known by their browser's session."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="participants")
    number = models.PositiveIntegerField(help_text="Order of joining, for 'Participant 7'.")
    display_name = models.CharField(max_length=60, blank=True)
    show_name = models.BooleanField(
        default=False, help_text="Show the name on shared screens (projector, shared results)."
    )
    status = models.CharField(
        max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.WAITING
    )
    joined_at = models.DateTimeField(default=timezone.now)
    admitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="participant_unique_number"),
        ]

    def __str__(self) -> str:
        return self.team_label

    @property
    def team_label(self) -> str:
        """How the facilitation team sees this person."""
        return self.display_name or f"Participant {self.number}"

    @property
    def public_label(self) -> str:
        """How this person appears on shared screens: named only if they chose to be."""
        if self.display_name and self.show_name:
            return self.display_name
        return "Anonymous"


class Presence(models.Model):
    """A team member's open socket, so the team can see who of them is connected.

    Rows go on disconnect; a crashed server can't say goodbye, so a row also counts only
    while its socket keeps pinging (see PRESENCE_TTL in selectors).
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    view = models.CharField(max_length=20)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} on {self.view}"
