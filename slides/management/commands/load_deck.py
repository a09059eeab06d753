from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from slides.content import ContentError
from slides.fit import deck_problems, describe
from slides.selectors import deck_data
from slides.services import deck_load


class Command(BaseCommand):
    help = "Create or update a deck from its content folder (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="e.g. content/decks/dpup-intro")

    def handle(self, *args, folder: str, **options):
        try:
            deck = deck_load(path=folder)
        except ContentError as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{folder}: not loaded, {count} problem{'s' if count != 1 else ''}:\n{exc}"
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded deck '{deck.slug}': {deck.slides.count()} slides, "
                f"{deck.segments.count()} agenda segments ({deck.total_minutes} minutes), "
                f"{deck.questions.count()} quiz questions."
            )
        )
        for fit in deck_problems(deck_data(deck)):
            slide = deck.slides.get(number=fit.number)
            files = sorted(Path(folder, "slides").glob(f"*-{slide.key}.md"))
            where = files[0] if files else Path(folder, "slides")
            self.stderr.write(self.style.WARNING(f"{where}: {describe(fit)}"))
