import json
import statistics

from django.core.management.base import BaseCommand, CommandError

from monitoring.adapters import ADAPTERS
from monitoring.keys import read_key
from monitoring.models import Outcome, ProbeTarget
from monitoring.probing import ProbeSpec, probe_targets, run_probes


class Command(BaseCommand):
    help = (
        "Probe model APIs now: configured targets (--model LAB/MODEL [--host HOST] | --all), saving each run, or "
        "any endpoint (--base-url URL --api-model NAME) without saving anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", help="LAB/MODEL: probe this model's configured targets")
        parser.add_argument("--host", help="with --model: only the target at this host")
        parser.add_argument("--all", action="store_true", help="probe every enabled target")
        parser.add_argument("--base-url", help="probe this endpoint, without saving")
        parser.add_argument("--api-model", help="with --base-url: the model name the API expects")
        parser.add_argument("--adapter", choices=sorted(ADAPTERS), default="openai")
        parser.add_argument(
            "--key-env",
            default="",
            help="the environment variable that holds the API key (one matching PROBE_KEY_ENV_PATTERNS)",
        )
        parser.add_argument("--runs", type=int, default=1)
        parser.add_argument("--timeout", type=float, default=30.0)
        parser.add_argument("--json", action="store_true", help="one JSON object per run, then a summary")

    def handle(self, *args, **options):
        if options["base_url"]:
            return self._probe_endpoint(options)
        targets = ProbeTarget.objects.filter(enabled=True).select_related(
            "offering__model__lab", "offering__host"
        )
        if options["model"]:
            lab, _, slug = options["model"].partition("/")
            targets = targets.filter(offering__model__lab__slug=lab, offering__model__slug=slug)
            if options["host"]:
                targets = targets.filter(offering__host__slug=options["host"])
        elif not options["all"]:
            raise CommandError(
                "Say what to probe: --model LAB/MODEL, --all, or --base-url URL --api-model NAME."
            )
        if not targets:
            raise CommandError(
                "No enabled probe target matches; add one in the admin (Monitoring › Probe targets)."
            )
        for run in probe_targets(targets):
            self.stdout.write(
                f"{run.target}: {run.outcome} {run.latency_ms or 0:.0f} ms {run.error}".rstrip()
            )

    def _probe_endpoint(self, options):
        if not options["api_model"]:
            raise CommandError("--base-url needs --api-model, the model name the API expects.")
        key, problem = read_key(options["key_env"])
        if problem:
            raise CommandError(f"--key-env: {problem}.")
        spec = ProbeSpec(
            options["adapter"], options["base_url"], options["api_model"], key=key, timeout=options["timeout"]
        )
        results = run_probes([spec] * max(1, options["runs"]), concurrency=1)
        for result in results:
            line = result.as_dict()
            self.stdout.write(
                json.dumps(line) if options["json"] else " ".join(f"{k}={v}" for k, v in line.items())
            )
        ok = [r for r in results if r.outcome == Outcome.OK]
        counted = [r for r in results if r.http_status != 429]  # rate-limited runs are shown, not counted
        latencies = sorted(r.latency_ms for r in ok)
        summary = {
            "runs": len(results),
            "ok": len(ok),
            "availability": round(len(ok) / len(counted), 4) if counted else None,
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p95_ms": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
            if latencies
            else None,
        }
        self.stdout.write(
            json.dumps(summary) if options["json"] else " ".join(f"{k}={v}" for k, v in summary.items())
        )
