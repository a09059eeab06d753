from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions.domain.runs import run_create
from sessions.models import Mode, Plan
from slides.models import Deck

LOCAL_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Create a run of a deck for a facilitator and print its join link and code."

    def add_arguments(self, parser):
        parser.add_argument("--deck", required=True, help="the deck's slug, e.g. dpup-intro")
        parser.add_argument("--facilitator", required=True, help="username of the facilitator")
        parser.add_argument("--title", help="defaults to the deck's title")
        parser.add_argument("--when", help="date and time, e.g. 2026-12-01T10:00 (default: now)")
        parser.add_argument("--agency", default="", help="the agency's name (slide 16)")
        parser.add_argument(
            "--initiative", action="append", default=[], help="an example initiative (repeatable)"
        )
        parser.add_argument("--plan", choices=Plan.values, default=Plan.FULL)
        parser.add_argument("--mode", choices=Mode.values, default=Mode.ONLINE)
        parser.add_argument("--no-waiting-room", action="store_true")
        parser.add_argument("--no-chat", action="store_true")
        parser.add_argument(
            "--base-url",
            help=f"where the site is served, for the printed links (default: SITE_URL, or "
            f"{LOCAL_URL})",
        )

    def handle(self, *args, **options):
        try:
            deck = Deck.objects.get(slug=options["deck"])
        except Deck.DoesNotExist as exc:
            known = ", ".join(Deck.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"No deck '{options['deck']}' (decks: {known}).") from exc
        try:
            facilitator = get_user_model().objects.get(username=options["facilitator"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user '{options['facilitator']}'.") from exc
        when = timezone.now()
        if options["when"]:
            try:
                when = datetime.fromisoformat(options["when"])
            except ValueError as exc:
                raise CommandError(f"--when: not a date and time: {options['when']!r}.") from exc
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        run = run_create(
            deck=deck,
            facilitator=facilitator,
            title=options["title"] or deck.title,
            scheduled_at=when,
            agency_name=options["agency"],
            agency_initiatives="\n".join(options["initiative"]),
            plan=options["plan"],
            mode=options["mode"],
            waiting_room=not options["no_waiting_room"],
            chat_enabled=not options["no_chat"],
        )
        base = (options["base_url"] or settings.SITE_URL or LOCAL_URL).rstrip("/")
        self.stdout.write(f"Created run '{run.title}' for {facilitator.get_username()}.")
        self.stdout.write(f"Join link: {base}{run.join_path}")
        self.stdout.write(f"Join code: {run.display_code}")
        self.stdout.write(f"Console:   {base}{run.get_absolute_url()}")
        if not options["base_url"]:
            # The links were guessed: say how to print the right ones for another address.
            self.stdout.write("--base-url (or SITE_URL) sets the address these links use.")
