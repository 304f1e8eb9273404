"""Two more price sources (genai-prices, llm-prices) in the weekly sync, and a daily job that brings announced
prices into force on their date (both editable in the admin)."""

from django.db import migrations

SOURCES = {
    "genai_prices": {"name": "genai-prices",
                     "url": "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json",
                     "homepage": "https://github.com/pydantic/genai-prices",
                     "licence": "MIT (github.com/pydantic/genai-prices)", "priority": 25},
    "llm_prices": {"name": "llm-prices", "url": "https://www.llm-prices.com/historical-v1.json",
                   "homepage": "https://www.llm-prices.com", "licence": "no licence file: values used as facts",
                   "priority": 15},
}  # fmt: skip
TASK_NAME = "Daily: announced prices come into force"


def create(apps, schema_editor):
    PriceSource = apps.get_model("pricing", "PriceSource")
    for slug, values in SOURCES.items():
        PriceSource.objects.update_or_create(slug=slug, defaults=values)
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "pricing.tasks.apply_scheduled_prices", "crontab": daily,
                  "description": "List the prices that came into force today (00:05 UTC); no sync needed."},  # fmt: skip
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0006_source_records_effective_dates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
