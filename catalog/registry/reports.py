"""Spreadsheets of an import: its row errors, for the people who fix the
file, and the changes it made, for the people who check the registry."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from catalog.models import HouseholdChange, ImportBatch, Village

WIDTHS = (8, 20, 24, 28, 80)
CHANGE_WIDTHS = (22, 16, 22, 30, 30, 18)
CHUNK = 2000


def row_errors_xlsx(batch: ImportBatch) -> bytes:
    """Return the batch's row errors as an XLSX workbook, one per row.

    Written row by row (openpyxl's write-only mode), so a file with many
    errors does not hold them all in memory at once.
    """
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Row errors"), WIDTHS)
    sheet.append([_("Row"), _("Registry number"), _("Column"), _("Value"), _("Reason")])
    errors = batch.errors.order_by("row_number", "pk").values_list(
        "row_number", "registry_number", "column", "value", "reason"
    )
    for row in errors.iterator(chunk_size=CHUNK):
        sheet.append(list(row))
    return _saved(workbook)


def household_changes_xlsx(batch: ImportBatch) -> bytes:
    """Return every change the batch made, one per row, by registry number.

    Values read as on the import page (labels, village names); written row
    by row like the errors.
    """
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Changes made"), CHANGE_WIDTHS)
    sheet.append(
        [_("Registry number"), _("Village"), _("Field"), _("Old value")]
        + [_("New value"), _("Changed at")]
    )
    # Villages are few beside changes: one query for all their names.
    names = dict(Village.objects.values_list("code", "name"))
    changes = batch.household_changes.select_related("household__village").order_by(
        "household__registry_number", "pk"
    )
    for change in changes.iterator(chunk_size=CHUNK):
        sheet.append(_change_row(change, names))
    return _saved(workbook)


def _change_row(change: HouseholdChange, names: dict[str, str]) -> list:
    change.village_names = names
    changed_at = timezone.localtime(change.created_at).replace(tzinfo=None)
    household = change.household
    return [
        household.registry_number,
        household.village.name,
        change.get_field_display(),
        change.old_display(),
        change.new_display(),
        changed_at.replace(microsecond=0),
    ]


def _sheet(workbook: Workbook, title: str, widths: tuple[int, ...]):
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
