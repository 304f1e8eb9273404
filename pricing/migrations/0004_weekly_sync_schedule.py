"""The price sources we know, and the weekly sync on Celery beat (both editable in the admin)."""

from django.db import migrations

SOURCES = {
    "models_dev": {"name": "models.dev", "url": "https://models.dev/api.json", "homepage": "https://models.dev",
                   "licence": "MIT (github.com/sst/models.dev)", "priority": 10},
    "litellm": {"name": "LiteLLM price table",
                "url": "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
                "homepage": "https://github.com/BerriAI/litellm", "licence": "MIT (github.com/BerriAI/litellm)",
                "priority": 20},
    "openrouter": {"name": "OpenRouter models API", "url": "https://openrouter.ai/api/v1/models",
                   "homepage": "https://openrouter.ai/models", "licence": "", "priority": 30},
}  # fmt: skip
TASK_NAME = "Weekly price sync"


def create(apps, schema_editor):
    PriceSource = apps.get_model("pricing", "PriceSource")
    for slug, values in SOURCES.items():
        PriceSource.objects.update_or_create(slug=slug, defaults=values)
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    weekly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "pricing.tasks.sync_enabled_sources", "crontab": weekly,
                  "description": "Sync the prices of every enabled source (Mondays 03:00 UTC)."},  # fmt: skip
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_sync_runs_quotes_and_held_changes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
