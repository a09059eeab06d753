from __future__ import annotations

from django.core.management.base import BaseCommand

from sessions.domain.runs import runs_purge_expired


class Command(BaseCommand):
    help = (
        "Delete participants' data from ended runs once their retention period has passed "
        "(run it daily, e.g. from cron)."
    )

    def handle(self, *args, **options):
        purged = runs_purge_expired()
        for run in purged:
            self.stdout.write(
                f"Deleted participants' data from '{run.title}' ({run.display_code})."
            )
        self.stdout.write(self.style.SUCCESS(f"{len(purged)} run(s) purged."))
