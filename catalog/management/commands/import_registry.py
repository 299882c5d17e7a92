"""Import a registry export from the shell, with a progress bar."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from catalog.models import ImportBatch
from catalog.registry.imports import (
    applied_before,
    import_batch_create,
    registry_import,
)
from catalog.registry.reports import row_errors_xlsx

# No monitor thread: with one thread only, an import may read a large file
# in two processes (catalog.registry.halves).
tqdm.monitor_interval = 0

SHOWN_ERRORS = 20
# The phase, how far, the bar and the time taken: a rate in %/s says nothing.
BAR = "{desc}{percentage:3.0f}%|{bar}| {elapsed}"


class Command(BaseCommand):
    help = "Import a registry export (XLSX, or CSV in UTF-8, UTF-8 with BOM or GBK)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The export file.")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Apply nothing when any row is rejected (default: apply the "
            "valid households).",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="The file lists only some households: leave those it does "
            "not list as they are (default: a whole export, which marks them "
            "not seen).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Read the file again even if it was imported before.",
        )
        parser.add_argument(
            "--errors", type=Path, help="Write the row errors to this XLSX file."
        )

    def handle(self, *args, file, all_or_nothing, partial, force, errors, **options):
        if not file.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": file})
        if errors and not errors.parent.is_dir():
            # Said before the import, not after it has been applied.
            raise CommandError(
                _("%(path)s: no such folder for the row errors.")
                % {"path": errors.parent}
            )
        policy = ImportBatch.Policy
        batch = import_batch_create(
            path=file,
            file_name=file.name,
            source="command",
            policy=policy.ALL_OR_NOTHING if all_or_nothing else policy.APPLY_VALID,
            scope=ImportBatch.Scope.PARTIAL if partial else ImportBatch.Scope.WHOLE,
        )
        quiet = options["verbosity"] == 0
        # Log lines go above the bar instead of through it.
        with (
            tqdm(total=100, bar_format=BAR, disable=quiet) as bar,
            logging_redirect_tqdm(),
        ):
            batch = registry_import(
                batch=batch,
                path=file,
                force=force,
                progress=lambda b: _advance(bar, b),
            )
            _advance(bar, batch)
        self._report(batch)
        if errors:
            self._write_errors(batch, errors)
        if batch.status in (ImportBatch.Status.FAILED, ImportBatch.Status.REJECTED):
            # The reason is on the line above; this sets the exit status.
            raise CommandError(_("Nothing was applied."))

    def _write_errors(self, batch: ImportBatch, path: Path) -> None:
        if batch.status == ImportBatch.Status.DUPLICATE:
            # The file's errors are those of the import that applied it.
            batch = applied_before(batch) or batch
        if not batch.row_errors:
            self.stdout.write(
                _("No row errors: %(path)s not written.") % {"path": path}
            )
            return
        path.write_bytes(row_errors_xlsx(batch))
        self.stdout.write(
            _("Row errors of import %(id)d written to %(path)s.")
            % {"id": batch.pk, "path": path}
        )

    def _report(self, batch: ImportBatch) -> None:
        said = batch.message or batch.get_status_display()
        self.stdout.write(_("Import %(id)d: %(said)s") % {"id": batch.pk, "said": said})
        if batch.status == ImportBatch.Status.APPLIED:
            self._counts(batch)
        for error in batch.errors.order_by("row_number", "pk")[:SHOWN_ERRORS]:
            self.stdout.write("  " + _error_line(error))
        if batch.row_errors > SHOWN_ERRORS:
            more = batch.row_errors - SHOWN_ERRORS
            self.stdout.write("  " + _("… %(count)d more.") % {"count": more})

    def _counts(self, batch: ImportBatch) -> None:
        self.stdout.write(
            _(
                "rows %(rows)d, households %(households)d: new %(new)d, "
                "changed %(changed)d, unchanged %(unchanged)d, older than kept "
                "%(outdated)d, not seen %(not_seen)d, rejected %(rejected)d; "
                "links flagged %(flagged)d, cleared %(cleared)d"
            )
            % {
                "rows": batch.rows_read,
                "households": batch.households,
                "new": batch.new,
                "changed": batch.changed,
                "unchanged": batch.unchanged,
                "outdated": batch.outdated,
                "not_seen": batch.not_seen,
                "rejected": batch.rejected,
                "flagged": batch.links_flagged,
                "cleared": batch.links_cleared,
            }
        )


def _error_line(error) -> str:
    said = {
        "row": error.row_number,
        "household": error.registry_number,
        "column": error.column,
        "value": error.value,
        "reason": error.reason,
    }
    if error.registry_number:
        return (
            _("row %(row)d (%(household)s) %(column)s “%(value)s”: %(reason)s") % said
        )
    return _("row %(row)d %(column)s “%(value)s”: %(reason)s") % said


def _advance(bar: tqdm, batch: ImportBatch) -> None:
    bar.set_description(batch.get_status_display())
    bar.update(round(batch.overall_progress() * 100) - bar.n)
