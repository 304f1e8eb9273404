"""The sync lease names its run (so the next sync can mark a run left by a crashed worker as failed), and a
catch-up job on beat retries, with backoff, each source whose weekly sync was skipped or failed."""

import django.db.models.deletion
from django.db import migrations, models

TASK_NAME = "Price sync catch-up"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Every 15 minutes, never at minute 0 when the weekly job starts (the two would meet at the lease).
    quarterly, _ = CrontabSchedule.objects.get_or_create(
        minute="7,22,37,52", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "pricing.tasks.sync_overdue_sources", "crontab": quarterly,
                  "description": "Sync again each enabled source with no successful sync in 7 days, with backoff "
                                 "(15 minutes doubling to 6 hours) after each failed or skipped attempt."},  # fmt: skip
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0007_new_sources_and_daily_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="synclease",
            name="run",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="pricing.syncrun",
            ),
        ),
        migrations.AlterField(
            model_name="synclease",
            name="holder",
            field=models.CharField(blank=True, help_text="host:pid:time of the process holding it.", max_length=200),
        ),
        migrations.RunPython(create, remove),
    ]
