import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenledger.settings")

app = Celery("tokenledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="tokenledger.ping")
def ping() -> str:
    """Answers "pong": lets operators and tests see that a worker consumes tasks."""
    return "pong"
