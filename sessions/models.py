"""A live run of a deck: its team, its participants and the agenda runner's state.

The database is the truth. Timers are stored as timestamps and accumulated seconds, never
ticked: `actuals[i]` holds the seconds spent in segment i before `running_since`, and while
the clock runs the current segment also has `now - running_since`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
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


def join_link_key(code: str) -> str:
    """The join link's key for a run's code: signed with the site's secret, so nobody can make
    one for a code they don't already have the link to. The first 16 characters (96 bits) of
    the signature: plenty against guessing, short enough for a link people read and share."""
    return signing.Signer(salt="runs.join-link").signature(code)[:16]


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


class JoinCard(models.TextChoices):
    """Whether the shared screen shows how to join: by itself before the start and on the
    first segment's slides, or as the team last asked (until they say otherwise)."""

    AUTO = "auto", "On the welcome slides"
    SHOWN = "shown", "Shown"
    HIDDEN = "hidden", "Hidden"


_decks: dict[tuple[int, int], DeckData] = {}


class RunManager(models.Manager):
    def get_queryset(self):
        # The frozen deck is big; it is parsed once per process (Run.deck_data), so rows
        # read for every action and socket leave it behind.
        return super().get_queryset().defer("deck_snapshot")


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
    chat_to_everyone = models.BooleanField(
        default=True,
        help_text="Participants' messages go to everyone (otherwise to the team only).",
    )
    poll_results_visible = models.BooleanField(
        default=False, help_text="Participants see poll results as they come in."
    )
    qa_moderated = models.BooleanField(
        default=False,
        help_text="Questions wait for the team to approve them before anyone else sees them.",
    )
    qa_anonymous = models.BooleanField(
        default=False, help_text="Participants may ask a question without their name."
    )
    reactions_enabled = models.BooleanField(
        default=True, help_text="Participants may send reactions (👍 ❤️ 😂 😮 👏) at any time."
    )
    quiz_scoreboard = models.BooleanField(
        default=False, help_text="Offer a quiz scoreboard (names of those who opt in only)."
    )
    scoreboard_shown = models.BooleanField(default=False)
    join_card = models.CharField(max_length=10, choices=JoinCard.choices, default=JoinCard.AUTO)
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
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When participants' data was deleted, as promised."
    )
    creation_token = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text="Made by the new-run page in the browser: the form posted twice makes one run.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RunManager()

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["facilitator", "creation_token"],
                condition=~models.Q(creation_token=""),
                name="run_unique_creation_token",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.display_code})"

    def get_absolute_url(self) -> str:
        return reverse("runs:console", kwargs={"code": self.code})

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def join_path(self) -> str:
        """The join link (and QR code): the code, and a key that lets it in even from an
        address that is refused codes for guessing (see views._by_code)."""
        query = urlencode({"k": join_link_key(self.code)})
        return f"{reverse('runs:join', kwargs={'code': self.code})}?{query}"

    @property
    def deck_data(self) -> DeckData:
        """The run's frozen deck, parsed once per process per revision."""
        key = (self.pk, self.deck_revision)
        deck = _decks.get(key) if self.pk else None
        if deck is None:
            if len(_decks) > 256:
                _decks.clear()
            deck = DeckData.from_dict(self.deck_snapshot)
            if self.pk:
                _decks[key] = deck
        return deck

    @property
    def segments(self) -> list[SegmentData]:
        return self.deck_data.segments

    @property
    def slide_count(self) -> int:
        return len(self.deck_data.slides)

    @property
    def current_segment(self) -> SegmentData:
        return self.segments[self.segment_index]

    @property
    def join_card_shown(self) -> bool:
        """The shared screen shows the QR code, address and code to join."""
        if self.status == Status.ENDED:
            return False
        if self.join_card != JoinCard.AUTO:
            return self.join_card == JoinCard.SHOWN
        return self.status == Status.DRAFT or self.segments[0].covers(self.slide_number)

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
        ordering = ["run_id", "role", "id"]
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
        ordering = ["run_id", "role", "-created_at"]

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
    DENIED = "denied", "Not admitted by the host"
    LEFT = "left", "Left and deleted their data"


# The host turned them away: that browser can't join the run again (as someone new either).
REFUSED = frozenset({ParticipantStatus.REMOVED, ParticipantStatus.DENIED})
GONE_MESSAGES = {
    ParticipantStatus.REMOVED: "The host has removed you from this workshop.",
    ParticipantStatus.DENIED: "The host didn't admit you to this workshop.",
    ParticipantStatus.LEFT: "You have left the workshop and your details have been deleted.",
}


def gone_message(status: str) -> str:
    """What a participant's page says once they are gone, by how they went (a status)."""
    return GONE_MESSAGES.get(status, GONE_MESSAGES[ParticipantStatus.LEFT])


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
    muted = models.BooleanField(default=False, help_text="May not write in the chat.")
    on_scoreboard = models.BooleanField(
        default=False, help_text="Chose to appear, by name, on the quiz scoreboard."
    )
    hand_raised_at = models.DateTimeField(null=True, blank=True)
    join_token = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text="Made by the join page in the browser: the same form posted twice (a double "
        "click) joins one participant.",
    )

    class Meta:
        ordering = ["run_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="participant_unique_number"),
            models.UniqueConstraint(
                fields=["run", "join_token"],
                condition=~models.Q(join_token=""),
                name="participant_unique_join_token",
            ),
        ]

    def __str__(self) -> str:
        return self.team_label

    @property
    def team_label(self) -> str:
        """How the facilitation team sees this person."""
        return self.display_name or f"Participant {self.number}"

    @property
    def named_on_screens(self) -> bool:
        """They gave a name and chose to show it on shared screens."""
        return bool(self.display_name and self.show_name)

    @property
    def refused(self) -> bool:
        """Removed or not admitted by the host: not to come back from this browser."""
        return self.status in REFUSED

    @property
    def gone(self) -> bool:
        """No longer in the workshop: they left, or the host removed or didn't admit them."""
        return self.refused or self.status == ParticipantStatus.LEFT

    @property
    def gone_message(self) -> str:
        """What their page says once they are gone (the live page and the gone page alike)."""
        return gone_message(self.status)

    @property
    def public_label(self) -> str:
        """How this person appears on shared screens: named only if they chose to be."""
        return self.display_name if self.named_on_screens else "Anonymous"


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


class SignedInSession(models.Model):
    """A signed-in browser's session, so an admin can end every one of a person's sessions
    ("Sign out everywhere"). It goes with its session: signing out, expiry (`clearsessions`)
    and sign out everywhere delete the session, and this row with it."""

    session = models.OneToOneField(
        "sessions.Session", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    signed_in_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"


# --- interactions: share-out prompts, polls and quiz questions --------------------------------


class Kind(models.TextChoices):
    PROMPT = "prompt", "Share-out prompt"
    POLL = "poll", "Poll"
    QUIZ = "quiz", "Quiz question"
    WORDS = "words", "Word cloud"
    RATING = "rating", "Rating scale"
    RANKING = "ranking", "Ranking"
    TEXT = "text", "Open question"


# Interactions with live results the team shows to the room when it chooses.
RESULTS_SHOWN = (Kind.POLL, Kind.WORDS, Kind.RATING, Kind.RANKING, Kind.TEXT)


class State(models.TextChoices):
    READY = "ready", "Not opened yet"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    REVEALED = "revealed", "Answer revealed"


class Interaction(models.Model):
    """An activity in a run (a prompt, poll, quiz question, word cloud, rating scale, ranking
    or open question): from the deck (keyed) or made up on the spot.

    Choices and the correct answer are copied from the run's frozen deck, so the run's
    answers keep their meaning whatever happens to the deck later.
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.SlugField(max_length=80, help_text="The deck's key, or adhoc-N.")
    slide_number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Opens when this slide goes live (deck interactions)."
    )
    answer_slide_number = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField()
    options = models.JSONField(default=list, blank=True)
    multiple = models.BooleanField(default=False)
    correct = models.JSONField(default=list, blank=True, help_text="Quiz: correct option indexes.")
    explanation = models.TextField(blank=True)
    breakouts = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.READY)
    results_visible = models.BooleanField(
        default=False, help_text="Polls: participants see the results."
    )
    manual_tally = models.JSONField(
        default=list, blank=True, help_text="Answers counted by hand (said aloud, sent in chat)."
    )
    closed_with_slide = models.BooleanField(
        default=False, help_text="Closed because its slide was left: it opens again if it returns."
    )
    asked_again = models.BooleanField(
        default=False, help_text="Quiz: revealed, then asked again as a new question."
    )
    timer_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    max_words = models.PositiveSmallIntegerField(
        default=3, help_text="Word cloud: words or short phrases each person may send."
    )
    hidden_words = models.JSONField(
        default=list, blank=True, help_text="Word cloud: words the team hid (as counted)."
    )
    scale_low = models.SmallIntegerField(default=1, help_text="Rating scale: the lowest rating.")
    scale_high = models.SmallIntegerField(default=5, help_text="Rating scale: the highest rating.")
    low_label = models.CharField(max_length=80, blank=True, help_text="Rating scale: its low end.")
    high_label = models.CharField(
        max_length=80, blank=True, help_text="Rating scale: its high end."
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="interaction_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def is_choice(self) -> bool:
        return self.kind in (Kind.POLL, Kind.QUIZ)

    def ratings_in(self, stored: list) -> list[int | None]:
        """Rating scales: a rating per statement from what a response stores (None for one
        not rated, or rated outside the scale as it is now)."""
        stored = list(stored) if isinstance(stored, list) else []
        stored = (stored + [None] * len(self.options))[: len(self.options)]
        low, high = self.scale_low, self.scale_high
        return [r if type(r) is int and low <= r <= high else None for r in stored]

    def on_slide(self, number: int) -> bool:
        """Its slide, or its answer slide, is slide `number`."""
        return number in (self.slide_number, self.answer_slide_number)

    def accepting(self, now) -> bool:
        """Open for answers at `now` (a quiz timer, if any, not yet run out)."""
        return self.state == State.OPEN and (self.closes_at is None or now < self.closes_at)


class Response(models.Model):
    """One participant's answer to one interaction: choices, or words (or a pass)."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="responses")
    choices = models.JSONField(
        default=list,
        blank=True,
        help_text="Poll and quiz: the options chosen. Rating scale: a rating per statement "
        "(null for one not rated). Ranking: the items' indexes in the person's order.",
    )
    words = models.JSONField(default=list, blank=True, help_text="Word cloud: the words sent.")
    text = models.TextField(blank=True)
    passed = models.BooleanField(default=False)
    volunteer = models.BooleanField(default=False, help_text="Offers to share aloud.")
    shortlisted = models.BooleanField(default=False)
    shown = models.BooleanField(default=False, help_text="On the projector.")
    hidden = models.BooleanField(
        default=False, help_text="Open question: the team hid this answer from the room."
    )
    kept = models.BooleanField(
        default=False,
        help_text="Open question: the team reviewed this answer and kept it for the insights "
        "export.",
    )
    breakout_group = models.ForeignKey(
        "BreakoutGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["interaction_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "participant"], name="response_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} on {self.interaction_id}"

    @property
    def ratings(self) -> list[tuple[str, int | None]]:
        """A rating scale's statements, each with this person's rating (None: not rated)."""
        item = self.interaction
        return list(zip(item.options, item.ratings_in(self.choices), strict=True))


class Breakout(models.Model):
    """Breakout groups discussing one prompt."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="breakouts")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "-started_at"]

    def __str__(self) -> str:
        return f"Breakouts on {self.interaction}"


class BreakoutGroup(models.Model):
    breakout = models.ForeignKey(Breakout, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField()
    summary = models.TextField(blank=True)
    summary_shown = models.BooleanField(default=False)
    # Who wrote or last edited the summary: it is theirs on "Your data", and goes with them.
    summary_by = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="breakout_summaries",
        help_text="The participant who wrote or last edited the summary (none if the team did).",
    )
    summary_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team member who wrote or last edited the summary.",
    )
    members = models.ManyToManyField(Participant, related_name="breakout_groups", blank=True)

    class Meta:
        ordering = ["breakout_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["breakout", "number"], name="group_unique_number"),
        ]

    def __str__(self) -> str:
        return f"Group {self.number}"


# --- chat, raised hands and questions ---------------------------------------------------------


class ChatMessage(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="chat_messages")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="chat_messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    to_team = models.BooleanField(default=False, help_text="Only the facilitation team sees it.")
    hidden = models.BooleanField(default=False, help_text="Hidden by the host.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run_id", "id"]

    def __str__(self) -> str:
        return self.text[:60]


ANONYMOUS_ASKER = "Asked anonymously"


class AudienceQuestion(models.Model):
    """A question from a participant for the Q&A, which others can upvote."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="questions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField()
    answered = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False, help_text="Hidden, or dismissed from the queue.")
    approved = models.BooleanField(
        default=True, help_text="Seen by everyone (a moderated run's questions wait for this)."
    )
    pinned = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False, help_text="Asked without the asker's name.")
    reply = models.TextField(blank=True, help_text="The team's written answer.")
    replied_at = models.DateTimeField(null=True, blank=True)
    on_screen = models.BooleanField(default=False, help_text="On the shared screen.")
    votes = models.PositiveIntegerField(default=0)
    voters = models.ManyToManyField(Participant, related_name="upvoted", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run_id", "-votes", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def team_label(self) -> str:
        """Who asked, as the team sees it: nobody's name on a question asked anonymously."""
        return ANONYMOUS_ASKER if self.anonymous else self.participant.team_label

    @property
    def public_label(self) -> str:
        """Who asked, as everyone sees it: named only if they chose to be, and not asked
        anonymously."""
        return ANONYMOUS_ASKER if self.anonymous else self.participant.public_label


class Reaction(models.Model):
    """How many of one reaction the room sent on one slide of a run: counted only, never
    recorded against the person who sent it."""

    class Emoji(models.TextChoices):
        THUMBS_UP = "👍", "Thumbs up"
        HEART = "❤️", "Heart"
        LAUGH = "😂", "Laughing"
        WOW = "😮", "Surprised"
        CLAP = "👏", "Applause"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="reactions")
    slide_number = models.PositiveSmallIntegerField()
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "slide_number", "emoji"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "slide_number", "emoji"], name="reaction_one_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} ×{self.count} on slide {self.slide_number} of {self.run_id}"


class ExportRecord(models.Model):
    """One export of a run's results: who made it, when, and what it held."""

    class What(models.TextChoices):
        INTERACTION_CSV = "interaction-csv", "One interaction (CSV)"
        ATTENDANCE_CSV = "attendance-csv", "Attendance (CSV)"
        WORKBOOK = "workbook", "Every interaction (XLSX)"
        INSIGHTS = "insights", "Insights, no personal data (CSV)"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="exports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    what = models.CharField(max_length=20, choices=What.choices)
    interaction_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_what_display()} of {self.run_id} by {self.user_id}"
