"""Celery tasks of the registry: imports of uploaded exports, nightly checks.

links_recheck_task runs on celery beat (CELERY_BEAT_SCHEDULE in
shop/settings/tasks.py).
"""

import logging
from pathlib import Path

from celery import shared_task

from catalog.models import ImportBatch
from catalog.registry.imports import batch_claim, links_recheck, registry_import

logger = logging.getLogger(__name__)


# Tried again this long after another live process was found running the
# batch: by then it has finished it, or died and left it to this task.
CLAIMED_RETRY_SECONDS = 60


# Acknowledged when done, not when taken: a worker killed in the middle
# leaves the message to the broker, which hands it to a worker again (Redis:
# after its visibility timeout), and that run finishes the import.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def registry_import_task(self, batch_id: int, force: bool = False) -> str:
    """Import the uploaded file of a batch, then delete the file.

    force reads a file imported before again. The file holds ID numbers:
    it is removed whatever the outcome. Return the batch's status.
    """
    with batch_claim(batch_id) as claimed:
        if not claimed:
            logger.warning("registry import running elsewhere batch=%s", batch_id)
            raise self.retry(countdown=CLAIMED_RETRY_SECONDS)
        return _import_claimed(batch_id, force)


def _import_claimed(batch_id: int, force: bool) -> str:
    batch = ImportBatch.objects.get(pk=batch_id)
    path = Path(batch.stored_path)
    try:
        if batch.is_finished:
            # Handed out again after a later upload of the file finished it.
            logger.info("registry import already finished batch=%s", batch_id)
            return batch.status
        return registry_import(batch=batch, path=path, force=force).status
    finally:
        if batch.stored_path:
            path.unlink(missing_ok=True)
            ImportBatch.objects.filter(pk=batch_id).update(stored_path="")


@shared_task
def links_recheck_task() -> dict:
    """Re-check every benefit link against the registry as it stands."""
    flagged, cleared = links_recheck()
    logger.info("nightly link recheck flagged=%d cleared=%d", flagged, cleared)
    return {"flagged": flagged, "cleared": cleared}
