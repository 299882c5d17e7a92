"""Import a registry export from the shell, with a progress bar."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import ImportBatch
from catalog.registry.imports import import_batch_create, registry_import
from catalog.registry.reports import row_errors_xlsx

# No monitor thread: with one thread only, an import may read a large file
# in two processes (catalog.registry.halves).
tqdm.monitor_interval = 0

SHOWN_ERRORS = 20


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
            raise CommandError(f"{file}: no such file.")
        policy = ImportBatch.Policy
        batch = import_batch_create(
            path=file,
            file_name=file.name,
            source="command",
            policy=policy.ALL_OR_NOTHING if all_or_nothing else policy.APPLY_VALID,
            scope=ImportBatch.Scope.PARTIAL if partial else ImportBatch.Scope.WHOLE,
        )
        with tqdm(total=100, unit="%", disable=options["verbosity"] == 0) as bar:
            batch = registry_import(
                batch=batch,
                path=file,
                force=force,
                progress=lambda b: _advance(bar, b),
            )
            _advance(bar, batch)
        self._report(batch)
        if errors and batch.row_errors:
            errors.write_bytes(row_errors_xlsx(batch))
            self.stdout.write(f"Row errors written to {errors}.")
        if batch.status in (ImportBatch.Status.FAILED, ImportBatch.Status.REJECTED):
            raise CommandError(batch.message)

    def _report(self, batch: ImportBatch) -> None:
        said = batch.message or batch.get_status_display()
        self.stdout.write(f"Import {batch.pk}: {said}")
        if batch.status != ImportBatch.Status.APPLIED:
            return
        self.stdout.write(
            f"rows {batch.rows_read}, households {batch.households}: "
            f"new {batch.new}, changed {batch.changed}, unchanged "
            f"{batch.unchanged}, older than kept {batch.outdated}, "
            f"not seen {batch.not_seen}, rejected "
            f"{batch.rejected}; links flagged {batch.links_flagged}, "
            f"cleared {batch.links_cleared}"
        )
        for error in batch.errors.order_by("row_number", "pk")[:SHOWN_ERRORS]:
            self.stdout.write(
                f"  row {error.row_number} {error.column} “{error.value}”: "
                f"{error.reason}"
            )
        if batch.row_errors > SHOWN_ERRORS:
            self.stdout.write(f"  … {batch.row_errors - SHOWN_ERRORS} more.")


def _advance(bar: tqdm, batch: ImportBatch) -> None:
    bar.set_description(batch.get_status_display())
    bar.update(round(batch.overall_progress() * 100) - bar.n)
