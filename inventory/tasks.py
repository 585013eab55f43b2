from celery import shared_task

from core.tasks import PERIODIC_SWEEP
from inventory import import_files


@shared_task(name="inventory.tasks.sweep_import_files", **PERIODIC_SWEEP)
def sweep_import_files() -> int:
    """Periodic (Celery beat): delete the stock import's temporary files left behind (inventory.import_files)."""
    return import_files.import_files_sweep()
