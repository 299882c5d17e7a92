"""Spreadsheets of an import's row errors, for the people who fix the file."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from catalog.models import ImportBatch

WIDTHS = (8, 24, 28, 80)


def row_errors_xlsx(batch: ImportBatch) -> bytes:
    """Return the batch's row errors as an XLSX workbook, one per row.

    Written row by row (openpyxl's write-only mode), so a file with many
    errors does not hold them all in memory at once.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Row errors"))
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_("Row"), _("Column"), _("Value"), _("Reason")])
    errors = batch.errors.order_by("row_number", "pk").values_list(
        "row_number", "column", "value", "reason"
    )
    for row in errors.iterator(chunk_size=2000):
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
