from celery import shared_task

from accounts.privacy import apply_retention as apply_retention_now


@shared_task(name="accounts.tasks.apply_retention")
def apply_retention() -> str:
    """Nightly (Celery beat): delete or anonymise personal data older than the retention settings."""
    return str(apply_retention_now())
