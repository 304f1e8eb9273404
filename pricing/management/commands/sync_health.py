from django.core.management.base import BaseCommand, CommandError

from pricing.health import OVERDUE_AFTER, source_health


class Command(BaseCommand):
    help = (
        "Show the age of each enabled price source's last successful sync; exit 1 if any is overdue "
        f"(none in {OVERDUE_AFTER.days} days, or never), for a cron job or a monitor."
    )

    def handle(self, *args, **options):
        sources = source_health()
        for source in sources:
            line = source.describe()
            self.stdout.write(self.style.ERROR(line) if source.overdue else line)
        overdue = [source.source.slug for source in sources if source.overdue]
        if overdue:
            raise CommandError(f"{len(overdue)} price source(s) overdue: {', '.join(overdue)}")
        self.stdout.write(
            self.style.SUCCESS(f"All {len(sources)} price sources synced within {OVERDUE_AFTER.days} days.")
        )
