from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from slides.content import write_deck_folder
from slides.models import Deck
from slides.selectors import deck_data


class Command(BaseCommand):
    help = "Write a deck from the database as a content folder (the format load_deck reads)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the deck's slug, e.g. dpup-intro")
        parser.add_argument("outdir", help="folder to write deck.yaml, quiz.yaml and slides/ into")

    def handle(self, *args, slug: str, outdir: str, **options):
        try:
            deck = Deck.objects.get(slug=slug)
        except Deck.DoesNotExist as exc:
            known = ", ".join(Deck.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"No deck '{slug}' (decks: {known}).") from exc
        folder = Path(outdir)
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder} exists and is not a folder.")
        written = write_deck_folder(deck_data(deck), folder)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(written)} files to {folder}."))
