from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

FACILITATORS = "Facilitators"
# Facilitators prepare workshops: they may edit decks, slides, agenda and quiz in admin.
EDITABLE = ["deck", "decklink", "segment", "slide", "video", "prompt", "poll", "polloption",
            "wordcloud", "opentext", "question", "choice"]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Make sure the demo facilitator account exists (staff, in the Facilitators group) and "
        "print how to log in. An existing account keeps its password. Development only: "
        "refuses in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("DEMO_USERNAME", "facilitator"))
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "dpup-demo"))

    @transaction.atomic
    def handle(self, *args, username: str, password: str, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            raise CommandError("The demo account is for development; create real accounts instead.")
        group, _ = Group.objects.get_or_create(name=FACILITATORS)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=["slides", "quiz"], content_type__model__in=EDITABLE
            )
        )
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
            user.set_password(password)
        # Only a new account gets the password: setting it again (even to the same one) makes
        # a new hash, and that signed the account out of every browser at each `make run`.
        user.is_staff = True
        user.is_active = True
        user.save()
        user.groups.add(group)
        verb, note = ("Created", "") if created else ("Ready", " (unless you changed it)")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: demo facilitator  username: {username}  password: {password}{note}"
            )
        )
