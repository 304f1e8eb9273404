from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "What `make run` does before serving: migrate, load the sample data, make sure an admin exists, and (DEMO_PROBES=1) probe the profiled models against the fake provider. In one process, so a second run is quick."

    def handle(self, *args, verbosity: int, **options):
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
        call_command("load_sample_data", verbosity=verbosity, stdout=self.stdout)
        call_command("ensure_admin", verbosity=verbosity, stdout=self.stdout)
        if settings.DEMO_PROBES:
            call_command("demo_probes", verbosity=verbosity, stdout=self.stdout)
