"""Import registry exports in batches: read, check, apply, re-check links.

An import runs in four steps, each recorded on its ImportBatch:

1. Reading streams the file (CSV in any of its encodings, or the sheet of
   an XLSX workbook that holds the export's header) row by row into
   staging rows. ID numbers are checked and reduced to an HMAC and a
   masked form on the way; health status and phone numbers are never read.
   Memory stays flat whatever the file's size.
2. Checking finds what no single row shows: a person number used twice,
   a household without one head or with two, members whose household
   fields contradict their head's. A household with any error is rejected.
3. Applying writes new households, changed fields (each change kept in
   the household's history), and marks households of the file's counties
   that the file no longer holds as not seen. This step is one
   transaction: an import killed at any moment leaves the registry as it
   was before or as it is after, and running it again finishes it.
4. Benefit links of households that no longer count are flagged, and
   flags of households that count again are cleared.

Importing a file already applied changes nothing and says so.
"""

import contextlib
import csv
import hashlib
import io
import itertools
import logging
import mmap
import os
import queue
import struct
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from operator import itemgetter, methodcaller
from pathlib import Path

import openpyxl
import psycopg
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils.exceptions import InvalidFileException

from catalog.models import (
    BenefitLink,
    County,
    Household,
    HouseholdChange,
    ImportBatch,
    ImportRowError,
    ImportStagingPerson,
    ImportStagingRow,
    Village,
)
from catalog.registry import halves
from catalog.registry import importer as fields
from catalog.registry.identity import (
    InvalidIdNumber,
    id_number_hmac,
    mask_id_number,
    normalise_id_number,
    quick_id_number,
)

logger = logging.getLogger(__name__)

Status = ImportBatch.Status

PERSON_NUMBER = "人编号"
# Household fields as every member's row repeats them; a member whose
# values differ from the head's contradicts it.
HOUSEHOLD_COLUMNS = (
    fields.DATA_DATE,
    fields.COUNTY,
    fields.TOWNSHIP,
    fields.VILLAGE,
    fields.SIZE,
    fields.CAUSE,
    fields.FIRST_IDENTIFIED,
    fields.HOUSEHOLD_TYPE,
    fields.MONITORING,
    fields.RISK_ELIMINATED,
)
READ_COLUMNS = (*fields.READ_COLUMNS, PERSON_NUMBER)
SEPARATOR = "\x1f"
HEADER_SEARCH_ROWS = 10
STAGING_CHUNK = 5000
PROGRESS_EVERY = 20000
# Keeps two imports from applying at the same moment (PostgreSQL).
APPLY_LOCK_KEY = 0x46505245  # "FPRE"
# With a batch's id, keeps two processes from running one batch (PostgreSQL).
CLAIM_LOCK_SPACE = 0x46504342  # "FPCB"
# How much of a file's start is looked at to tell text from binary.
BINARY_SNIFF_BYTES = 8192
# A row of an export is a few hundred characters; a line longer than this
# is not one.
MAX_LINE = 64 * 1024
# How Excel 97–2003 workbooks (.xls), OLE2 compound files, begin.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportRefused(Exception):
    """The file cannot be imported at all; the batch says why.

    code names the kind for programs: empty, not_a_file, no_header,
    missing_columns, no_rows.
    """

    def __init__(self, message: str, *, code: str = "not_a_file") -> None:
        super().__init__(message)
        self.code = code


# -- reading ----------------------------------------------------------------


@dataclass
class RowSource:
    """Rows of a file as (spreadsheet row number, cells), and how far in."""

    rows: Iterator[tuple[int, list[str]]]
    file_format: str
    position: Callable[[], float]


@contextlib.contextmanager
def open_rows(path: Path) -> Iterator[RowSource]:
    """Open path as CSV or XLSX, told apart by its first bytes.

    Raise ImportRefused for an empty file, a broken workbook or a workbook
    with no sheet holding the export's header.
    """
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(_("The file is empty."), code="empty")
    with open(path, "rb") as stream:
        start = stream.read(BINARY_SNIFF_BYTES)
    is_xlsx = start.startswith(fields.ZIP_MAGIC)
    if start.startswith(OLE2_MAGIC):
        raise ImportRefused(
            _(
                "This is an Excel 97–2003 workbook (.xls), which cannot be "
                "read. Open it in Excel or WPS, save it as .xlsx or CSV, and "
                "upload that."
            ),
            code="old_excel",
        )
    if not is_xlsx and b"\x00" in start:
        # No CSV export holds a NUL byte: a picture or a PDF renamed.
        raise ImportRefused(
            _("The file is not a CSV or Excel export of the registry."),
            code="not_a_file",
        )
    if is_xlsx:
        with _xlsx_rows(path) as source:
            yield source
    else:
        with _csv_rows(path, size) as source:
            yield source


@contextlib.contextmanager
def _csv_rows(path: Path, size: int) -> Iterator[RowSource]:
    with open(path, "rb") as stream:
        encoding = fields.detect_encoding(stream)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(_bounded_lines(text))
        yield RowSource(
            rows=_guarded(enumerate(reader, start=1)),
            file_format=f"csv/{encoding}",
            position=lambda: stream.tell() / size,
        )


def _bounded_lines(text) -> Iterator[str]:
    # A text file of one endless line would be read whole before the csv
    # module could refuse it: lines are taken at most MAX_LINE at a time.
    while line := text.readline(MAX_LINE):
        if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
            raise ImportRefused(
                _("The file is not a CSV or Excel export of the registry."),
                code="not_a_file",
            )
        yield line


def _guarded(rows):
    # A binary or garbled file makes the csv module stop with its own
    # error; say it in the user's terms instead.
    try:
        yield from rows
    except (csv.Error, UnicodeDecodeError) as error:
        raise ImportRefused(
            _("The file is not a CSV or Excel export of the registry."),
            code="not_a_file",
        ) from error


@contextlib.contextmanager
def _xlsx_rows(path: Path) -> Iterator[RowSource]:
    # Opened as a stream: given a name, openpyxl judges the file by its
    # extension, and an .xlsx saved under .xls (as exports often are) is
    # refused before it is looked at.
    with open(path, "rb") as stream, _workbook(stream) as workbook:
        sheet = _export_sheet(workbook)
        total = max(sheet.max_row or 1, 1)
        done = [0]

        def rows():
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
                done[0] = number
                yield number, [fields._xlsx_text(value) for value in values]

        yield RowSource(
            rows=rows(),
            file_format="xlsx",
            position=lambda: min(done[0] / total, 1.0),
        )


@contextlib.contextmanager
def _workbook(stream):
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
    ) as error:
        raise ImportRefused(
            _("The file is not an Excel workbook."), code="not_a_file"
        ) from error
    try:
        yield workbook
    finally:
        workbook.close()


def _export_sheet(workbook):
    """Return the first sheet whose top rows hold the export's header."""
    for sheet in workbook.worksheets:
        top = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
        if any(_is_header([fields._xlsx_text(v) for v in row]) for row in top):
            return sheet
    names = "、".join(sheet.title for sheet in workbook.worksheets)
    raise ImportRefused(
        _("No sheet of this workbook holds the export's header (sheets: %(names)s).")
        % {"names": names},
        code="no_header",
    )


def _normalised(cells: list[str]) -> list[str]:
    return [fields.normalise_header(cell) for cell in cells]


def _is_header(cells: list[str]) -> bool:
    names = set(_normalised(cells))
    return fields.normalise_header(fields.NUMBER) in names and (
        fields.normalise_header(fields.ID_NUMBER) in names
        or fields.normalise_header(fields.RELATION) in names
    )


def locate_header(rows: Iterator[tuple[int, list[str]]]) -> tuple[int, dict]:
    """Return the header's row number and the position of each column read.

    The header may sit below a title row (a merged cell across the sheet).
    Raise ImportRefused when it is missing or lacks required columns, naming
    them, before any row is read.
    """
    best: tuple[int, list[str]] | None = None
    seen_any = False
    for number, cells in rows:
        seen_any = seen_any or any(cell.strip() for cell in cells)
        if _is_header(cells):
            return number, _columns(cells)
        known = len(set(_normalised(cells)) & _required())
        if known and (best is None or known > len(set(best[1]) & _required())):
            best = (number, _normalised(cells))
        if number >= HEADER_SEARCH_ROWS:
            break
    if not seen_any:
        raise ImportRefused(_("The file is empty."), code="empty")
    if best is None:
        raise ImportRefused(
            _("No header row of the export was found in the first %(n)d rows.")
            % {"n": HEADER_SEARCH_ROWS},
            code="no_header",
        )
    return best[0], _columns(best[1])


def _required() -> set[str]:
    return {
        fields.normalise_header(c) for c in (*fields.REQUIRED_COLUMNS, PERSON_NUMBER)
    }


def _columns(cells: list[str]) -> dict[str, int]:
    positions = {}
    for index, name in enumerate(_normalised(cells)):
        positions.setdefault(name, index)
    required = (*fields.REQUIRED_COLUMNS, PERSON_NUMBER)
    missing = [c for c in required if fields.normalise_header(c) not in positions]
    if missing:
        raise ImportRefused(
            _("The file lacks required columns: %(columns)s.")
            % {"columns": "、".join(missing)},
            code="missing_columns",
        )
    return {
        column: positions[fields.normalise_header(column)]
        for column in READ_COLUMNS
        if fields.normalise_header(column) in positions
    }


# -- one row ----------------------------------------------------------------


class VillageIndex:
    """Villages by county, township and village name, loaded per county."""

    def __init__(self) -> None:
        self._counties: dict[str, list[County]] = {}
        self._villages: dict[str, dict[tuple[str, str], list[Village]]] = {}
        self.county_codes: set[str] = set()

    def find(self, county: str, township: str, village: str) -> Village:
        """Return the only such village; raise FieldError naming candidates."""
        one = self._only_county(county)
        by_name = self._villages_of(one)
        townships = {t for t, _v in by_name}
        if township not in townships:
            raise fields.FieldError(
                fields.TOWNSHIP, _unknown(township, one.name, sorted(townships))
            )
        found = by_name.get((township, village), [])
        if len(found) != 1:
            siblings = sorted(v for t, v in by_name if t == township)
            raise fields.FieldError(
                fields.VILLAGE,
                _("“%(name)s” is ambiguous: %(codes)s.")
                % {"name": village, "codes": ", ".join(v.code for v in found)}
                if found
                else _unknown(village, one.name + township, siblings),
            )
        self.county_codes.add(one.code)
        return found[0]

    def _only_county(self, name: str) -> County:
        if name not in self._counties:
            self._counties[name] = list(County.objects.filter(name=name))
        found = self._counties[name]
        if len(found) == 1:
            return found[0]
        if found:
            codes = ", ".join(county.code for county in found)
            reason = _("“%(name)s” is ambiguous: %(codes)s.")
            raise fields.FieldError(
                fields.COUNTY, reason % {"name": name, "codes": codes}
            )
        reason = _("No county named “%(name)s”.") % {"name": name}
        raise fields.FieldError(fields.COUNTY, reason)

    def _villages_of(self, county: County) -> dict:
        if county.code not in self._villages:
            index: dict[tuple[str, str], list[Village]] = {}
            for village in Village.objects.filter(
                township__county=county
            ).select_related("township"):
                key = (village.township.name, village.name)
                index.setdefault(key, []).append(village)
            for township in county.townships.all():
                index.setdefault((township.name, ""), [])
            self._villages[county.code] = index
        return self._villages[county.code]


def _unknown(name: str, where: str, candidates: list[str]) -> str:
    listed = "、".join(c for c in candidates if c) or "-"
    return _("No “%(name)s” in %(where)s; candidates: %(candidates)s.") % {
        "name": name,
        "where": where,
        "candidates": listed,
    }


def read_row(
    number: int, cells: list[str], columns: dict[str, int], heads: "HeadReader"
) -> tuple[dict | None, list[fields.RowError]]:
    """Return the staging fields of one person's row, and its errors.

    Return (None, []) for a blank row or a repeated header row.
    """
    row = _row_of(cells, columns)
    if not any(row.values()) or row[fields.NUMBER] == fields.NUMBER:
        # Blank, or the header again where two exports were pasted together.
        return None, []
    errors = []
    _number_errors(number, row, errors)
    person = _person_id(number, row, errors)
    is_head = row[fields.RELATION] == fields.HEAD
    staged = {
        "row_number": number,
        "registry_number": fields.kept_number(row[fields.NUMBER]),
        "person_number": _comparable(row.get(PERSON_NUMBER, ""))[:40],
        "relation": row[fields.RELATION][:16],
        "is_head": is_head,
        "household_values": SEPARATOR.join(row.get(c, "") for c in HOUSEHOLD_COLUMNS),
    }
    if is_head and person is not None:
        staged.update(heads.read(number, row, person, errors))
    return staged, errors


def _number_errors(number: int, row: dict, errors: list) -> None:
    """Add the errors of a row's registry and person numbers to errors."""
    if not row[fields.NUMBER]:
        errors.append(_error(number, row, fields.NUMBER, _("No registry number.")))
    elif reason := fields.number_problem(row[fields.NUMBER]):
        errors.append(_error(number, row, fields.NUMBER, reason))
    person_number = row.get(PERSON_NUMBER, "")
    if person_number and (reason := fields.number_problem(person_number)):
        errors.append(_error(number, row, PERSON_NUMBER, reason))


def _comparable(person_number: str) -> str:
    # One mangled by Excel stands for many people: it is not compared. An
    # ID number in its place is not kept.
    return "" if fields.number_problem(person_number) else person_number


def _row_of(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    """Return the columns read of a row by name, blank where it has none."""
    width = len(cells)
    row = dict.fromkeys(READ_COLUMNS, "")
    for column, index in columns.items():
        if index < width:
            row[column] = cells[index].strip()
    return row


def _person_id(number: int, row: dict, errors: list) -> str | None:
    try:
        return normalise_id_number(row[fields.ID_NUMBER])
    except InvalidIdNumber as error:
        errors.append(_error(number, row, fields.ID_NUMBER, str(error)))
        return None


class HeadReader:
    """Read a head's row into the Household's fields, remembering answers.

    Households share villages, household types and dates: a value is read
    once and its answer (fields or error) kept, in a bounded memo, rather
    than read again for each of 300,000 heads.
    """

    MEMO_LIMIT = 20_000

    def __init__(self, villages: VillageIndex) -> None:
        self.villages = villages
        self.key = settings.REGISTRY_HMAC_KEY.encode()
        # (column an error is reported in, reader, the columns its answer
        # rests on, the answers so far)
        self.remembered = [
            (column, reader, _values_of(*rests_on), {})
            for column, reader, rests_on in (
                (
                    fields.VILLAGE,
                    self._village,
                    (fields.VILLAGE, fields.COUNTY, fields.TOWNSHIP),
                ),
                (fields.HOUSEHOLD_TYPE, fields._read_type, (fields.HOUSEHOLD_TYPE,)),
                (
                    fields.FIRST_IDENTIFIED,
                    fields._read_first_identified,
                    (fields.FIRST_IDENTIFIED,),
                ),
                (fields.DATA_DATE, fields._read_data_date, (fields.DATA_DATE,)),
                (fields.CAUSE, fields._read_cause, (fields.CAUSE,)),
                (
                    fields.MONITORING,
                    fields._read_monitoring,
                    (fields.MONITORING, fields.RISK_ELIMINATED),
                ),
            )
        ]

    def read(self, number: int, row: dict, person: str, errors: list) -> dict:
        """Return the fields of the head's row; add its errors to errors."""
        found = {
            "head_id_hmac": id_number_hmac(person, self.key),
            "head_id_masked": mask_id_number(person),
        }
        for column, reader in (
            (fields.NAME, fields._read_name),
            (fields.SIZE, fields._read_size),
        ):
            answer = _answer(reader, row)
            if answer.__class__ is dict:
                found.update(answer)
            else:
                errors.append(_answer_error(answer, number, row, column))
        for column, reader, values_of, memo in self.remembered:
            key = values_of(row)
            answer = memo.get(key)
            if answer is None:
                if len(memo) >= self.MEMO_LIMIT:
                    memo.clear()
                answer = memo[key] = _answer(reader, row)
            if answer.__class__ is dict:
                found.update(answer)
            else:
                errors.append(_answer_error(answer, number, row, column))
        return found

    def _village(self, row: dict) -> dict:
        village = self.villages.find(
            row[fields.COUNTY], row[fields.TOWNSHIP], row[fields.VILLAGE]
        )
        return {"village_id": village.pk}


def _values_of(*columns: str) -> Callable[[dict], tuple]:
    # Rows hold every column read, blank where the file lacks it.
    return itemgetter(*columns)


def _answer_error(error: ValueError, number: int, row: dict, column: str):
    if isinstance(error, fields.FieldError):
        column = error.column
    return _error(number, row, column, str(error))


def _answer(reader, row: dict) -> dict | ValueError:
    try:
        return reader(row)
    except ValueError as error:
        return error


def _error(number: int, row: dict, column: str, reason: str) -> fields.RowError:
    value = row.get(column, "")
    if column == fields.ID_NUMBER:
        value = fields.mask_raw_id(value)
    # An ID number in another column (a shifted row) is hidden as well.
    return fields.RowError(number, column, fields.hide_ids(value)[:255], reason)


# -- households whose rows follow one another ---------------------------------

# A household of more member rows than this is not a household: its rows are
# not kept in memory, and the household is rejected.
MAX_MEMBER_ROWS = 100
# People staged but not yet written, at most: a few households' worth
# beyond a chunk, whatever the file holds.
MAX_PEOPLE_HELD = 2 * STAGING_CHUNK
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    # COPY's text format: only these four characters need escaping, and
    # they are rare enough that looking for them first is the fast way.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(COPY_ESCAPES)
    return value


@dataclass(slots=True)
class _Member:
    number: int
    relation: str
    is_head: bool
    household: tuple
    errors: list | None


class Positions:
    """Where the columns read sit in a row of cells, for the fast path."""

    def __init__(self, columns: dict[str, int]) -> None:
        self.columns = columns
        self.width = max(columns.values()) + 1
        self.number = columns[fields.NUMBER]
        self.relation = columns[fields.RELATION]
        self.id_number = columns[fields.ID_NUMBER]
        self.person = columns[PERSON_NUMBER]
        # Optional household columns a file lacks are blank for everyone,
        # so they never contradict: only the present ones are compared.
        self.household_columns = [c for c in HOUSEHOLD_COLUMNS if c in columns]
        self.household = itemgetter(*(columns[c] for c in self.household_columns))
        if len(self.household_columns) == 1:
            single = self.household
            self.household = lambda cells: (single(cells),)

    def row(self, cells: list[str]) -> dict[str, str]:
        return _row_of(cells, self.columns)


@dataclass
class Order:
    """The order in which a reader met households and person numbers.

    Exports list households, and people within them, by their numbers.
    Read so, no household's rows are apart and no person number comes
    twice: the checks that look for those across the staged file are not
    needed.
    """

    households_ascending: bool = True
    people_ascending: bool = True
    first_household: str | None = None
    last_household: str | None = None
    first_person: str | None = None
    last_person: str | None = None

    def then(self, later: "Order") -> "Order":
        """Return the order of this part of a file followed by later."""
        return Order(
            households_ascending=self.households_ascending
            and later.households_ascending
            and _before(self.last_household, later.first_household),
            people_ascending=self.people_ascending
            and later.people_ascending
            and _before(self.last_person, later.first_person),
            first_household=self.first_household or later.first_household,
            last_household=later.last_household or self.last_household,
            first_person=self.first_person or later.first_person,
            last_person=later.last_person or self.last_person,
        )


def _before(last: str | None, first: str | None) -> bool:
    return last is None or first is None or last < first


class GroupReader:
    """Check households whose member rows follow one another as they come.

    Each household becomes one staging row (its head's) and its errors;
    every person row also becomes a staging person, so that a person number
    used twice anywhere is found. A household whose rows come back later in
    the file is staged more than once; the import reads those again, one
    row per person (see _reread_scattered).
    """

    def __init__(self, batch: ImportBatch, at: Positions, heads: HeadReader) -> None:
        self.batch = batch
        self.at = at
        self.heads = heads
        self.stager = GroupStager(batch)
        self.registry_number = None
        self.raw_number = None
        self.number_ok = False
        self.copy_number = ""
        self.first_household = None
        self.households_ascending = True
        self.first_person = None
        self.last_person = ""
        self.people_ascending = True
        self.members: list[_Member] = []
        self.head_number: int | None = None
        self.head_cells: list[str] | None = None
        self.head_id: str | None = None
        self.too_many = False

    def add(self, number: int, cells: list[str]) -> bool:
        """Take one row of cells; return False for a blank or header row."""
        at = self.at
        if len(cells) < at.width:
            cells = cells + [""] * (at.width - len(cells))
        registry_number = cells[at.number].strip()
        if not registry_number or registry_number == fields.NUMBER:
            row = at.row(cells)
            if not any(row.values()) or registry_number == fields.NUMBER:
                # Blank, or the header again where two exports were pasted
                # together.
                return False
        if registry_number != self.raw_number:
            self.finish()
            self.raw_number = registry_number
            self._next_household(fields.kept_number(registry_number))
            # Once per household: the shared rule, not an inline copy.
            self.number_ok = ok = not fields.number_problem(registry_number)
            # Put in COPY's text form once per household, not per member.
            self.copy_number = (
                self.registry_number if ok else _copy_text(self.registry_number)
            )
        # The rest runs a million times: one function, no more.
        relation = cells[at.relation].strip()
        is_head = relation == fields.HEAD
        person = quick_id_number(cells[at.id_number])
        person_number = cells[at.person].strip()
        # fields.is_plain_number, inline; eighteen digits may be an ID
        # number in the wrong column, told apart off this path.
        person_ok = not person_number or (
            person_number.isdigit()
            and person_number.isascii()
            and len(person_number) != 18
        )
        errors = None
        if person is None or not self.number_ok or not person_ok:
            errors, person = self._row_errors(number, cells)
            person_number = _comparable(person_number)
        if person_number:
            if person_number <= self.last_person:
                self.people_ascending = False
            elif self.first_person is None:
                self.first_person = person_number
            self.last_person = person_number
        # Digits or nothing: as it is in COPY's text form.
        self.stager.person(number, self.copy_number, person_number)
        if len(self.members) >= MAX_MEMBER_ROWS:
            self.too_many = True
            return True
        self.members.append(
            _Member(number, relation[:16], is_head, at.household(cells), errors)
        )
        if is_head and self.head_number is None:
            # Only the first head's fields are read: a second one rejects
            # the household anyway.
            self.head_number = number
            self.head_cells = cells if errors is None else None
            self.head_id = person
        return True

    def _next_household(self, registry_number: str) -> None:
        if self.registry_number is None:
            self.first_household = registry_number
        elif registry_number <= self.registry_number:
            self.households_ascending = False
        self.registry_number = registry_number

    def order(self) -> Order:
        """Return the order in which households and people came so far."""
        return Order(
            households_ascending=self.households_ascending,
            people_ascending=self.people_ascending,
            first_household=self.first_household,
            last_household=self.registry_number,
            first_person=self.first_person,
            last_person=self.last_person or None,
        )

    def _row_errors(self, number: int, cells: list[str]) -> tuple:
        """Return the row's own errors (or None) and its normalised ID."""
        row = self.at.row(cells)
        errors, person = [], None
        _number_errors(number, row, errors)
        try:
            person = normalise_id_number(row[fields.ID_NUMBER])
        except InvalidIdNumber as error:
            errors.append(_error(number, row, fields.ID_NUMBER, str(error)))
        return errors or None, person

    def finish(self) -> None:
        """Check the household read so far and stage it."""
        members = self.members
        if not members:
            return
        heads = [member for member in members if member.is_head]
        errors: list[fields.RowError] = []
        for member in members:
            if member.errors:
                errors += member.errors
        staged = self._staged(heads, errors)
        # Rows under a bad number may be several households run together
        # (a column rewritten by Excel): who heads them says nothing more.
        if self.number_ok:
            self._heads(heads, errors)
            self._contradictions(heads, errors)
        if self.too_many:
            errors.append(self._too_many())
        staged["has_error"] = bool(errors)
        self.stager.household(staged, errors)
        self.members = []
        self.head_number = self.head_cells = self.head_id = None
        self.too_many = False

    def _staged(self, heads: list[_Member], errors: list) -> dict:
        # The head's row stands for the household; the first row when it
        # has no head (the household is rejected then). Only a head whose
        # row has no error of its own has its fields read.
        first = heads[0] if heads else self.members[0]
        staged = {
            "row_number": first.number,
            "registry_number": self.registry_number,
            "relation": first.relation,
            "is_head": bool(heads),
        }
        if self.head_cells is not None:
            row = self.at.row(self.head_cells)
            staged.update(self.heads.read(first.number, row, self.head_id, errors))
        return staged

    def _heads(self, heads: list[_Member], errors: list) -> None:
        if len(heads) == 1:
            return
        if not heads:
            first = self.members[0]
            reason = _("No member of this household is its head (户主).")
            errors.append(
                fields.RowError(first.number, fields.RELATION, first.relation, reason)
            )
            return
        reason = _("The household has more than one head (户主).")
        errors += [
            fields.RowError(head.number, fields.RELATION, fields.HEAD, reason)
            for head in heads[1:]
        ]

    def _contradictions(self, heads: list[_Member], errors: list) -> None:
        if not heads:
            return
        head = heads[0]
        columns = self.at.household_columns
        expected = None
        for member in self.members:
            if member.is_head or member.household == head.household:
                continue
            expected = expected or [value.strip() for value in head.household]
            for column, value, theirs in zip(
                columns, member.household, expected, strict=True
            ):
                if value.strip() != theirs:
                    errors.append(
                        _contradiction(
                            member.number, column, value, theirs, head.number
                        )
                    )

    def _too_many(self) -> fields.RowError:
        first = self.members[0]
        reason = _("This household has more than %(n)d member rows.") % {
            "n": MAX_MEMBER_ROWS
        }
        return fields.RowError(
            first.number, fields.NUMBER, self.registry_number, reason
        )


def _contradiction(number, column, value, expected, head_row) -> fields.RowError:
    reason = _(
        "The head's row (row %(row)d) says “%(expected)s”; a household "
        "has one value for this column."
    ) % {"row": head_row, "expected": expected}
    return fields.RowError(number, column, value.strip()[:255], reason)


class GroupStager:
    """Write the staged households, people and row errors of a batch.

    On PostgreSQL the staging rows go by COPY from a thread of their own,
    on a connection of their own: the server stores one chunk while this
    thread reads the next, on the other core. Not when the caller holds a
    transaction: what the import stages then belongs to it.
    """

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.households: list[dict] = []
        self.people: list[str] = []
        self.errors: list[ImportRowError] = []
        self.prefix = f"{batch.pk}\t"
        self.postgres = connection.vendor == "postgresql"
        threaded = self.postgres and not connection.in_atomic_block
        self.stream = CopyStream() if threaded else None

    def person(self, number: int, registry_number: str, person_number: str) -> None:
        """Stage a person; the numbers come in COPY's text form already."""
        self.people.append(
            f"{self.prefix}{number}\t{registry_number}\t{person_number[:40]}\n"
        )
        if len(self.people) >= MAX_PEOPLE_HELD:
            # One "household" of endless rows (a file of junk under a good
            # header) must not hold them all.
            self.flush()

    def household(self, staged: dict, errors: list[fields.RowError]) -> None:
        self.households.append(staged)
        number = staged["registry_number"]
        self.errors.extend(_row_error(self.batch, error, number) for error in errors)
        if len(self.people) >= STAGING_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.postgres:
            self._send()
        else:
            _write_people(self.batch.pk, self.people)
            _write_staging(self.batch.pk, self.households)
        self.people, self.households = [], []
        if self.errors:
            ImportRowError.objects.bulk_create(self.errors)
            self.errors = []

    def _send(self) -> None:
        send = self.stream.put if self.stream is not None else _copy_here
        if self.people:
            send(ImportStagingPerson, PEOPLE_FIELDS, "".join(self.people))
        if self.households:
            text = "".join(self.prefix + _household_line(h) for h in self.households)
            send(ImportStagingRow, HOUSEHOLD_LINE_FIELDS, text)

    def close(self) -> None:
        """Wait for every row sent to be stored; raise what went wrong."""
        if self.stream is not None:
            self.stream.close()


class CopyStream:
    """Run COPY statements one after another on a connection and thread."""

    def __init__(self) -> None:
        self.params = connection.get_connection_params()
        # Two chunks in flight at most: memory stays flat when the server
        # is the slower one.
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, name="staging-copy", daemon=True
        )
        self.thread.start()

    def put(self, model, columns: list[str], text: str) -> None:
        if self.failure is not None:
            self.close()
        self.queue.put((model, columns, text))

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.failure is not None:
            raise self.failure

    def _run(self) -> None:
        try:
            with psycopg.connect(**self.params, autocommit=True) as conn:
                while (item := self.queue.get()) is not None:
                    model, columns, text = item
                    with conn.cursor() as cursor:
                        _copy(cursor, model, columns, text)
        except BaseException as error:  # noqa: BLE001 - raised in the reader
            self.failure = error
            # Keep taking chunks so that the reader never blocks on a full
            # queue; it raises the failure at its next put or at close.
            while self.queue.get() is not None:
                pass


def _copy_here(model, columns: list[str], text: str) -> None:
    with connection.cursor() as cursor:
        _copy(cursor.cursor, model, columns, text)


PEOPLE_FIELDS = ["batch_id", "row_number", "registry_number", "person_number"]


def _write_people(batch_id: int, lines: list[str]) -> None:
    ImportStagingPerson.objects.bulk_create(
        ImportStagingPerson(
            batch_id=batch_id,
            row_number=int(values[1]),
            registry_number=values[2],
            person_number=values[3],
        )
        for values in (line.rstrip("\n").split("\t") for line in lines)
    )


# What of a staged head becomes the Household, in _household_line's order.
COPIED = tuple(Household._meta.get_field(f).column for f in Household.FROM_REGISTRY)
HOUSEHOLD_LINE_FIELDS = [
    "batch_id",
    "row_number",
    "registry_number",
    "relation",
    "is_head",
    "has_error",
    *COPIED,
    "person_number",
    "household_values",
    "is_person_row",
    "is_changed",
]
NULL = "\\N"


def _household_line(staged: dict) -> str:
    # One f-string per household: a generic per-value formatter costs a
    # million function calls more at 300,000 households.
    get = staged.get
    return (
        f"{staged['row_number']}\t{_copy_text(staged['registry_number'])}\t"
        f"{_copy_text(staged['relation'])}\t{'t' if staged['is_head'] else 'f'}\t"
        f"{'t' if staged['has_error'] else 'f'}\t{_null(get('village_id'))}\t"
        f"{_null(get('size'))}\t{_null(get('status'))}\t{get('attribute', '')}\t"
        f"{get('main_cause', '')}\t{_null(get('first_identified_year'))}\t"
        f"{get('monitoring_kind', '')}\t{'t' if get('is_risk_eliminated') else 'f'}\t"
        f"{_copy_text(get('head_name_masked', ''))}\t{get('head_id_hmac', '')}\t"
        f"{get('head_id_masked', '')}\t{_null(get('snapshot_date'))}\t\t\tf\tf\n"
    )


def _null(value) -> str:
    return NULL if value is None else str(value)


def _copy(cursor, model, columns: list[str], text: str) -> None:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        copy.write(text)


# -- staging ----------------------------------------------------------------


STAGING_FIELDS = [
    f.column for f in ImportStagingRow._meta.concrete_fields if f.column not in ("id",)
]


class StagingWriter:
    """Write staging rows and row errors of a batch in chunks."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.rows: list[dict] = []
        self.errors: list[ImportRowError] = []
        self.error_count = 0

    def add(self, staged: dict, errors: list[fields.RowError]) -> None:
        staged["has_error"] = bool(errors)
        self.rows.append(staged)
        number = staged.get("registry_number", "")
        for error in errors:
            self.errors.append(_row_error(self.batch, error, number))
        if len(self.rows) >= STAGING_CHUNK:
            self.flush()

    def add_errors(self, errors: Iterable[fields.RowError]) -> None:
        for error in errors:
            self.errors.append(_row_error(self.batch, error))
            if len(self.errors) >= STAGING_CHUNK:
                self.flush()

    def flush(self) -> None:
        if self.rows:
            _write_staging(self.batch.pk, self.rows)
            self.rows = []
        if self.errors:
            ImportRowError.objects.bulk_create(self.errors)
            self.error_count += len(self.errors)
            self.errors = []


def _row_error(
    batch: ImportBatch, error: fields.RowError, registry_number: str = ""
) -> ImportRowError:
    return ImportRowError(
        batch=batch,
        registry_number=(error.household or registry_number)[:32],
        row_number=error.row,
        column=error.column,
        value=error.value,
        reason=error.reason[:500],
    )


STAGING_DEFAULTS = {
    "person_number": "",
    "relation": "",
    "household_values": "",
    "has_error": False,
    "village_id": None,
    "size": None,
    "status": None,
    "attribute": "",
    "main_cause": "",
    "first_identified_year": None,
    "monitoring_kind": "",
    "is_risk_eliminated": False,
    "head_name_masked": "",
    "head_id_hmac": "",
    "head_id_masked": "",
    "snapshot_date": None,
    "is_person_row": False,
    "is_changed": False,
}


def _staging_values(batch_id: int, staged: dict) -> tuple:
    staged["batch_id"] = batch_id
    return tuple(
        staged[column] if column in staged else STAGING_DEFAULTS[column]
        for column in STAGING_FIELDS
    )


def _write_staging(batch_id: int, rows: list[dict]) -> None:
    table = ImportStagingRow._meta.db_table
    values = [_staging_values(batch_id, staged) for staged in rows]
    if connection.vendor == "postgresql":
        # COPY is many times faster than INSERT for a million rows.
        columns = ", ".join(connection.ops.quote_name(c) for c in STAGING_FIELDS)
        with connection.cursor() as cursor:
            sql = f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)
        return
    ImportStagingRow.objects.bulk_create(
        ImportStagingRow(**dict(zip(STAGING_FIELDS, row, strict=True)))
        for row in values
    )


# -- checks across rows -----------------------------------------------------


def _without_nested_loops(cursor) -> None:
    # The tables' statistics lag behind an import (staging was just filled,
    # households may be as new): a nested loop chosen on them can rescan a
    # whole table once per row, for hours. Hash joins take the same seconds
    # whatever the statistics say. Until the end of the transaction.
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL enable_nestloop = off")


@transaction.atomic
def check_households(batch: ImportBatch, *, people_in_order: bool = False) -> None:
    """Add errors no single row shows, then reject households with errors.

    Households read whole were checked while reading; here are those staged
    one row per person, and person numbers across the whole file (unless
    people_in_order: read in ascending order, none came twice).
    """
    with connection.cursor() as cursor:
        _without_nested_loops(cursor)
    writer = StagingWriter(batch)
    staged = ImportStagingRow.objects.filter(batch_id=batch.pk)
    people = staged.filter(is_person_row=True)
    scattered = people.exists()
    if scattered:
        # Rows under a bad registry number are rejected already, and may be
        # several households run together: their heads say nothing more.
        numbered = people.filter(registry_number__regex=r"^[0-9]+$")
        writer.add_errors(_heads(numbered))
        writer.add_errors(_contradictions(numbered))
    if not people_in_order:
        _repeated_people(batch, writer)
    writer.flush()
    if scattered:
        # A household read whole is one row, flagged already; one staged a
        # row per person is rejected with any of its rows.
        flagged = staged.filter(has_error=True).values("registry_number")
        rows = people.filter(registry_number__in=flagged).exclude(has_error=True)
        rows.update(has_error=True)


def _repeated_people(batch: ImportBatch, writer: StagingWriter) -> None:
    people = ImportStagingPerson.objects.filter(batch_id=batch.pk)
    repeated = (
        people.exclude(person_number="")
        .values("person_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("person_number")
    )
    if not repeated.exists():
        # The common case; the rows of repeated numbers would take a second
        # pass over a million people.
        return
    rows = people.filter(person_number__in=repeated).order_by("row_number")
    first_row: dict[str, int] = {}
    erred = set()
    # Streamed: a file of junk repeats one "number" a million times.
    for number, person, household in rows.values_list(
        "row_number", "person_number", "registry_number"
    ).iterator(chunk_size=STAGING_CHUNK):
        first = first_row.setdefault(person, number)
        if first != number:
            reason = _("This person number is already on row %(row)d.") % {"row": first}
            error = fields.RowError(number, PERSON_NUMBER, person, reason, household)
            writer.add_errors([error])
            erred.add(household)
    ImportStagingRow.objects.filter(
        batch_id=batch.pk, registry_number__in=erred
    ).update(has_error=True)


def _heads(staged) -> list[fields.RowError]:
    counts = (
        staged.values("registry_number")
        .annotate(heads=Count("id", filter=Q(is_head=True)))
        .exclude(heads=1)
    )
    errors = []
    for household in counts:
        rows = list(
            staged.filter(registry_number=household["registry_number"]).order_by(
                "row_number"
            )
        )
        if household["heads"] == 0:
            reason = _("No member of this household is its head (户主).")
            first = rows[0]
            errors.append(
                fields.RowError(
                    first.row_number,
                    fields.RELATION,
                    first.relation,
                    reason,
                    first.registry_number,
                )
            )
        else:
            reason = _("The household has more than one head (户主).")
            heads = [row for row in rows if row.is_head][1:]
            errors += [
                fields.RowError(
                    row.row_number,
                    fields.RELATION,
                    fields.HEAD,
                    reason,
                    row.registry_number,
                )
                for row in heads
            ]
    staged.filter(registry_number__in=[h["registry_number"] for h in counts]).update(
        has_error=True
    )
    return errors


def _contradictions(staged) -> list[fields.RowError]:
    head = staged.filter(registry_number=OuterRef("registry_number"), is_head=True)
    members = (
        staged.filter(is_head=False)
        .annotate(
            head_values=Subquery(head.values("household_values")[:1]),
            head_row=Subquery(head.values("row_number")[:1]),
        )
        .exclude(head_values=None)
        .exclude(household_values=F("head_values"))
    )
    errors, erred = [], []
    for row in members.order_by("row_number"):
        erred.append(row.pk)
        mine = row.household_values.split(SEPARATOR)
        theirs = row.head_values.split(SEPARATOR)
        for column, value, expected in zip(
            HOUSEHOLD_COLUMNS, mine, theirs, strict=True
        ):
            if value != expected:
                reason = _(
                    "The head's row (row %(row)d) says “%(expected)s”; a household "
                    "has one value for this column."
                ) % {"row": row.head_row, "expected": expected}
                errors.append(
                    fields.RowError(
                        row.row_number, column, value, reason, row.registry_number
                    )
                )
    staged.filter(pk__in=erred).update(has_error=True)
    return errors


# -- applying ---------------------------------------------------------------


TRACKED = (
    # (history field, household column, how to show a value)
    (HouseholdChange.Field.STATUS, "status", "cast"),
    (HouseholdChange.Field.VILLAGE, "village_id", "village"),
    (HouseholdChange.Field.SIZE, "size", "cast"),
    (HouseholdChange.Field.ATTRIBUTE, "attribute", "text"),
    (HouseholdChange.Field.MAIN_CAUSE, "main_cause", "text"),
    (HouseholdChange.Field.MONITORING, "monitoring_kind", "text"),
    (HouseholdChange.Field.RISK_ELIMINATED, "is_risk_eliminated", "bool"),
    (HouseholdChange.Field.FIRST_IDENTIFIED, "first_identified_year", "cast"),
    (HouseholdChange.Field.HEAD, "head_id_hmac", "head"),
)


class _Sql:
    """Table names and the few words SQLite and PostgreSQL spell apart."""

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        self.household = quote(Household._meta.db_table)
        self.staging = quote(ImportStagingRow._meta.db_table)
        self.change = quote(HouseholdChange._meta.db_table)
        self.village = quote(Village._meta.db_table)
        self.township = quote(
            Village._meta.get_field("township").related_model._meta.db_table
        )
        self.county = quote(County._meta.db_table)
        self.postgres = connection.vendor == "postgresql"
        self.differs = "IS DISTINCT FROM" if self.postgres else "IS NOT"

    def shown(self, table: str, column: str, how: str, dot: str = ".") -> str:
        """Return SQL showing table's column as text; dot="_" for h_column."""
        value = f"{table}{dot}{column}"
        if how == "village":
            return f"(SELECT code FROM {self.village} WHERE id = {value})"
        if how == "bool":
            return f"CASE WHEN {value} THEN 'true' ELSE 'false' END"
        if how == "head":
            return f"{table}{dot}head_id_masked"
        if how == "cast":
            return f"CAST({value} AS TEXT)"
        return value


def apply_batch(batch: ImportBatch, *, own_transaction: bool = False) -> None:
    """Write the batch's valid households, their history and who is not seen.

    One transaction; the caller holds it. own_transaction: it began for
    this apply, so nothing earlier in it waits for a deferred check.
    """
    sql = _Sql()
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPLY_LOCK_KEY])
        _without_nested_loops(cursor)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {sql.household}")
        known_up_to = cursor.fetchone()[0]
        if _mark_changed(cursor, sql, batch):
            _record_changes(cursor, sql, batch, known_up_to, now)
            _update_changed(cursor, sql, batch)
        batch.outdated = _count_outdated(cursor, sql, batch) if known_up_to else 0
        once = not known_up_to and own_transaction and sql.postgres
        with (
            _village_key_checked_once(cursor, sql) if once else contextlib.nullcontext()
        ):
            batch.new = _insert_new(cursor, sql, batch)
        if batch.scope == ImportBatch.Scope.WHOLE:
            batch.not_seen = _mark_not_seen(cursor, sql, batch, known_up_to, now)
    changed = (
        HouseholdChange.objects.filter(batch=batch)
        .exclude(field=HouseholdChange.Field.SEEN, new_value="false")
        .values("household")
        .distinct()
        .count()
    )
    applied = ImportStagingRow.objects.filter(
        batch_id=batch.pk, is_head=True, has_error=False
    ).count()
    batch.changed = changed
    batch.unchanged = applied - batch.new - changed - batch.outdated


# The batch's heads of households without errors whose household changed,
# joined to households h.
VALID_HEADS = (
    "s.batch_id = %s AND s.is_head = %s AND s.has_error = %s "
    "AND s.is_changed = %s AND s.registry_number = h.registry_number"
)


# A household kept from a later export than the staged row s: an older
# file handed in late must not undo what the newer one said.
KEPT_IS_NEWER = "h.snapshot_date > {row}.snapshot_date"


def _mark_changed(cursor, sql: _Sql, batch) -> int:
    """Mark the batch's heads whose household differs from the one kept.

    One pass over the households instead of one per field recorded: after
    it, history and updates only visit the households that changed (a few
    thousand in a new export, none in the same one again). Households kept
    from a newer export are left alone (NULL dates compare as not newer).
    """
    row = sql.staging
    differs = " OR ".join(f"h.{c} {sql.differs} {row}.{c}" for c in COPIED)
    newer = KEPT_IS_NEWER.format(row=row)
    cursor.execute(
        f"UPDATE {row} SET is_changed = %s WHERE batch_id = %s AND is_head = %s "
        f"AND has_error = %s AND EXISTS (SELECT 1 FROM {sql.household} h "
        f"WHERE h.registry_number = {row}.registry_number "
        f"AND ({differs} OR h.is_seen = %s) AND NOT COALESCE({newer}, %s))",
        [True, batch.pk, True, False, False, False],
    )
    return cursor.rowcount


def _count_outdated(cursor, sql: _Sql, batch) -> int:
    """Count the batch's households whose kept data is from a newer export."""
    newer = KEPT_IS_NEWER.format(row="s")
    cursor.execute(
        f"SELECT COUNT(*) FROM {sql.staging} s JOIN {sql.household} h "
        f"ON h.registry_number = s.registry_number WHERE s.batch_id = %s "
        f"AND s.is_head = %s AND s.has_error = %s AND {newer}",
        [batch.pk, True, False],
    )
    return cursor.fetchone()[0]


def _record_changes(cursor, sql: _Sql, batch, known_up_to: int, now) -> None:
    """Write a history row per field that differs, in one statement.

    The changed households are joined once (the CTE); each field's rows
    are a branch of one INSERT, not a join of their own.
    """
    columns = sorted({column for _f, column, _h in TRACKED} | {"head_id_masked"})
    picked = ", ".join(f"h.{c} AS h_{c}, s.{c} AS s_{c}" for c in columns)
    branches, params = [], []
    for field, column, how in TRACKED:
        branches.append(
            f"SELECT id, %s, %s, {sql.shown('h', column, how, '_')}, "
            f"{sql.shown('s', column, how, '_')}, %s FROM changed "
            f"WHERE h_{column} {sql.differs} s_{column}"
        )
        params += [batch.pk, field, now]
    # Back in the file after an export that left it out.
    branches.append(
        "SELECT id, %s, %s, 'false', 'true', %s FROM changed WHERE h_is_seen = %s"
    )
    params += [batch.pk, HouseholdChange.Field.SEEN, now, False]
    cursor.execute(
        f"WITH changed AS (SELECT h.id AS id, h.is_seen AS h_is_seen, {picked} "
        f"FROM {sql.household} h, {sql.staging} s "
        f"WHERE {VALID_HEADS} AND h.id <= %s) "
        f"INSERT INTO {sql.change} "
        "(household_id, batch_id, field, old_value, new_value, created_at) "
        + " UNION ALL ".join(branches),
        [batch.pk, True, False, True, known_up_to, *params],
    )


def _update_changed(cursor, sql: _Sql, batch) -> None:
    assignments = ", ".join(f"{c} = s.{c}" for c in COPIED)
    cursor.execute(
        f"UPDATE {sql.household} SET {assignments}, is_seen = %s "
        f"FROM {sql.staging} s WHERE s.batch_id = %s AND s.is_head = %s "
        f"AND s.has_error = %s AND s.is_changed = %s "
        f"AND s.registry_number = {sql.household}.registry_number",
        [True, batch.pk, True, False, True],
    )


@contextlib.contextmanager
def _village_key_checked_once(cursor, sql: _Sql):
    """Check the households' village key once for all rows inserted.

    For the first import into an empty registry only (PostgreSQL): its
    deferred check per row costs as much at commit as the insert itself
    (2.8 s for 300,000 households), while the same constraint added back
    after the insert is checked with one join. The constraint is dropped
    and added in the apply's own transaction (PostgreSQL refuses while
    earlier changes to villages wait for their checks), under a lock on
    the then empty household table: a failure or a kill leaves it as it
    was.
    """
    cursor.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = ANY (c.conkey) "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f' "
        "AND a.attname = 'village_id'",
        [Household._meta.db_table],
    )
    keys = [(connection.ops.quote_name(n), d) for n, d in cursor.fetchall()]
    for name, _definition in keys:
        cursor.execute(f"ALTER TABLE {sql.household} DROP CONSTRAINT {name}")
    yield
    for name, definition in keys:
        cursor.execute(
            f"ALTER TABLE {sql.household} ADD CONSTRAINT {name} {definition}"
        )


def _insert_new(cursor, sql: _Sql, batch) -> int:
    columns = ", ".join(COPIED)
    picked = ", ".join(f"s.{c}" for c in COPIED)
    cursor.execute(
        f"INSERT INTO {sql.household} "
        f"(registry_number, {columns}, is_seen, added_by_id) "
        f"SELECT s.registry_number, {picked}, %s, %s FROM {sql.staging} s "
        f"WHERE s.batch_id = %s AND s.is_head = %s AND s.has_error = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {sql.household} h "
        f"WHERE h.registry_number = s.registry_number)",
        [True, batch.pk, batch.pk, True, False],
    )
    return cursor.rowcount


def _mark_not_seen(cursor, sql: _Sql, batch, known_up_to: int, now) -> int:
    counties = list(batch.county_codes)
    if not counties or not known_up_to:
        # Nothing was known before this batch: nothing can be missing.
        return 0
    marks = ", ".join(["%s"] * len(counties))
    # Missing from an older export says nothing about a household that a
    # newer one listed.
    not_newer, dated = "", []
    if batch.snapshot_date:
        not_newer = "AND (h.snapshot_date IS NULL OR h.snapshot_date <= %s) "
        dated = [batch.snapshot_date]
    missing = (
        f"SELECT h.id FROM {sql.household} h "
        f"JOIN {sql.village} v ON v.id = h.village_id "
        f"JOIN {sql.township} t ON t.id = v.township_id "
        f"JOIN {sql.county} c ON c.id = t.county_id "
        f"WHERE c.code IN ({marks}) AND h.is_seen = %s AND h.id <= %s "
        f"{not_newer}AND NOT EXISTS (SELECT 1 FROM {sql.staging} s "
        "WHERE s.batch_id = %s AND s.registry_number = h.registry_number)"
    )
    # Households this batch added are in its file by definition: only
    # those known before it are looked for (none at a first import).
    params = [*counties, True, known_up_to, *dated, batch.pk]
    cursor.execute(
        f"INSERT INTO {sql.change} "
        "(household_id, batch_id, field, old_value, new_value, created_at) "
        f"SELECT id, %s, %s, 'true', 'false', %s FROM ({missing}) gone",
        [batch.pk, HouseholdChange.Field.SEEN, now, *params],
    )
    if not cursor.rowcount:
        return 0
    _refuse_a_partial_list(cursor, sql, batch, cursor.rowcount, counties)
    # Being left out is what this export says of the household: its date
    # is the household's now, so an export older than it cannot undo it.
    dating = ", snapshot_date = %s" if batch.snapshot_date else ""
    cursor.execute(
        f"UPDATE {sql.household} SET is_seen = %s{dating} WHERE id IN ("
        f"SELECT household_id FROM {sql.change} WHERE batch_id = %s "
        f"AND field = %s AND new_value = 'false')",
        [False, *dated, batch.pk, HouseholdChange.Field.SEEN],
    )
    return cursor.rowcount


# A whole export leaves out the few households that left the registry since
# the last one. One that leaves out more than this share of the households
# kept for its counties is a partial list taken for a whole export.
MAX_MISSING_SHARE = 0.2
# Below this many, a county is too small for a share to mean anything.
MIN_MISSING_REFUSED = 10


class PartialList(Exception):
    """A file imported as a whole export lists too few of its households."""


def _refuse_a_partial_list(cursor, sql: _Sql, batch, missing: int, counties) -> None:
    if missing < MIN_MISSING_REFUSED:
        return
    marks = ", ".join(["%s"] * len(counties))
    cursor.execute(
        f"SELECT COUNT(*) FROM {sql.household} h "
        f"JOIN {sql.village} v ON v.id = h.village_id "
        f"JOIN {sql.township} t ON t.id = v.township_id "
        f"JOIN {sql.county} c ON c.id = t.county_id "
        f"WHERE c.code IN ({marks}) AND h.is_seen = %s",
        [*counties, True],
    )
    # Still seen, this batch's changes not yet applied to is_seen: every
    # household of the counties that the registry holds as listed.
    kept = cursor.fetchone()[0]
    if missing <= MAX_MISSING_SHARE * kept:
        return
    raise PartialList(
        _(
            "This file leaves out %(missing)d of the %(kept)d households kept "
            "for its counties: imported as a whole export, it would mark them "
            "all not seen. Nothing was applied. If it lists only some "
            "households, import it again as a partial list."
        )
        % {"missing": missing, "kept": kept}
    )


# -- consequences -----------------------------------------------------------


def links_recheck(*, batch: ImportBatch | None = None) -> tuple[int, int]:
    """Flag active links of households that no longer count; clear the rest.

    Return how many links were flagged and how many flags were cleared.
    Past attribution entries are never touched: only new sales follow.
    """
    now = timezone.now()
    Flag = BenefitLink.FlagReason
    links = BenefitLink.objects.filter(status=BenefitLink.Status.ACTIVE)
    not_seen = links.filter(household__is_seen=False).exclude(flag_reason=Flag.NOT_SEEN)
    flagged = not_seen.update(
        flag_reason=Flag.NOT_SEEN, flagged_at=now, flagged_by_batch=batch
    )
    ineligible = (
        links.filter(household__is_seen=True)
        .exclude(Household.eligible_q("household__"))
        .exclude(flag_reason=Flag.INELIGIBLE)
    )
    flagged += ineligible.update(
        flag_reason=Flag.INELIGIBLE, flagged_at=now, flagged_by_batch=batch
    )
    cleared = (
        links.filter(Household.eligible_q("household__"))
        .exclude(flag_reason=Flag.NONE)
        .update(flag_reason=Flag.NONE, flagged_at=None, flagged_by_batch=None)
    )
    if flagged or cleared:
        logger.info(
            "benefit links rechecked batch=%s flagged=%d cleared=%d",
            batch and batch.pk,
            flagged,
            cleared,
        )
    return flagged, cleared


# -- the whole import -------------------------------------------------------


def file_checksum(path: Path) -> str:
    """Return the SHA-256 of the file at path, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_batch_create(
    *,
    path: Path,
    file_name: str,
    source: str,
    policy: str = ImportBatch.Policy.APPLY_VALID,
    scope: str = ImportBatch.Scope.WHOLE,
    started_by=None,
    stored_path: str = "",
) -> ImportBatch:
    """Record a batch for the file at path, queued."""
    return ImportBatch.objects.create(
        source=source,
        file_name=file_name[:255],
        file_checksum=file_checksum(path),
        policy=policy,
        scope=scope,
        started_by=started_by,
        stored_path=stored_path,
    )


def registry_import(
    *,
    batch: ImportBatch,
    path: Path,
    force: bool = False,
    progress: Callable[[ImportBatch], None] | None = None,
) -> ImportBatch:
    """Run the import of path recorded as batch; return the batch, finished.

    A file whose checksum matches an applied batch is not read again
    (DUPLICATE) unless force. A batch left unfinished by a crash starts
    over. The batch ends APPLIED, REJECTED (all-or-nothing with rejected
    rows) or FAILED (the file cannot be read, or an unexpected error: the
    registry is then as before).
    """
    earlier = applied_before(batch)
    if earlier is not None and not force:
        # What the file holds is known from the import that applied it.
        batch.snapshot_date = earlier.snapshot_date
        batch.file_format = earlier.file_format
        batch.county_codes = earlier.county_codes
        return _finish(
            batch,
            Status.DUPLICATE,
            _("This file was imported on %(day)s (import %(id)d); nothing changed.")
            % {"day": timezone.localdate(earlier.finished_at), "id": earlier.pk},
        )
    _restart(batch)
    try:
        order = _read(batch, Path(path), progress)
    except ImportRefused as refused:
        _clear_staging(batch)
        batch.failure = refused.code
        return _finish(batch, Status.FAILED, str(refused))
    except Exception:
        return _failed(batch)
    try:
        return _check_and_apply(batch, progress, order)
    except Exception:
        return _failed(batch)


def _failed(batch: ImportBatch) -> ImportBatch:
    """Close a batch that stopped on an unexpected error; re-raise inside a
    caller's transaction, which the error has spoilt for writing."""
    if connection.in_atomic_block:
        raise
    logger.exception("registry import failed batch=%s", batch.pk)
    # Whatever was applied rolled back with the apply's transaction.
    _clear_staging(batch)
    batch.failure = "error"
    return _finish(
        batch,
        Status.FAILED,
        _(
            "The import stopped on an unexpected error and nothing was "
            "applied; the error is in the log under import %(id)d."
        )
        % {"id": batch.pk},
    )


@contextlib.contextmanager
def batch_claim(batch_id: int) -> Iterator[bool]:
    """Yield whether no other live process runs this batch, and hold it.

    A worker's task can be handed to a second worker while the first still
    runs it (a visibility timeout shorter than the import); a second run
    would clear what the first is staging. The claim is a session lock on
    a connection of its own, so that it outlives the import's own
    connections (closed before a fork) and goes with the process that
    holds it, however that process ends.
    """
    if connection.vendor != "postgresql":
        # SQLite: one process runs every task, in-process.
        yield True
        return
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as own:
        held = own.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [CLAIM_LOCK_SPACE, batch_id]
        ).fetchone()[0]
        yield held


def applied_before(batch: ImportBatch) -> ImportBatch | None:
    """Return the latest applied import of the same file, if any.

    A file read before as a partial list and now as a whole export has not
    yet marked those it leaves out not seen: that is not done before.
    """
    earlier = ImportBatch.objects.filter(
        file_checksum=batch.file_checksum, status=Status.APPLIED
    )
    if batch.scope == ImportBatch.Scope.WHOLE:
        earlier = earlier.filter(scope=ImportBatch.Scope.WHOLE)
    return earlier.exclude(pk=batch.pk).order_by("-finished_at").first()


def _restart(batch: ImportBatch) -> None:
    # What a killed run of this batch left behind goes; the registry itself
    # was untouched, or fully applied (then the checksum says duplicate).
    _clear_staging(batch)
    ImportRowError.objects.filter(batch=batch).delete()
    _save(batch, status=Status.READING, rows_read=0, progress=0, message="")


def _read(batch: ImportBatch, path: Path, progress) -> Order:
    """Stage the households and people of the file; return their order."""
    villages = VillageIndex()
    heads = HeadReader(villages)
    with open_rows(path) as source:
        batch.file_format = source.file_format
        header_row, columns = locate_header(source.rows)
        cut = _cut(path, source, columns)
        if cut is None:
            reader = GroupReader(batch, Positions(columns), heads)
            with contextlib.closing(reader.stager):
                rows = _read_rows(source, reader, _reporter(batch, progress))
            order = reader.order()
    if cut is not None:
        rows, order = _read_halves(
            batch, path, cut, header_row, columns, heads, progress
        )
    if not rows:
        raise ImportRefused(
            _("The file holds the export's header and no rows under it."),
            code="no_rows",
        )
    # Households in ascending order of their numbers cannot be apart.
    scattered = 0
    if not order.households_ascending:
        scattered = _reread_scattered(batch, path, heads)
    batch.county_codes = sorted(villages.county_codes)
    _save(
        batch,
        rows_read=rows,
        progress=1.0,
        file_format=batch.file_format,
        county_codes=batch.county_codes,
        row_errors=ImportRowError.objects.filter(batch=batch).count(),
    )
    logger.info(
        "registry import read batch=%s rows=%d header_row=%d format=%s "
        "scattered_households=%d in_order=%s/%s",
        batch.pk,
        rows,
        header_row,
        batch.file_format,
        scattered,
        order.households_ascending,
        order.people_ascending,
    )
    return order


def _read_rows(source: RowSource, reader, report: Callable) -> int:
    rows = 0
    for number, cells in source.rows:
        if not reader.add(number, cells):
            continue
        rows += 1
        if rows % PROGRESS_EVERY == 0:
            report(rows, source.position())
    reader.finish()
    reader.stager.flush()
    return rows


def _reporter(batch: ImportBatch, progress, *, also=lambda: 0) -> Callable:
    """Return what records rows read so far on the batch (plus also's)."""

    def report(rows: int, position: float) -> None:
        _save(batch, rows_read=rows + also(), progress=position)
        if progress:
            progress(batch)

    return report


def _cut(path: Path, source: RowSource, columns: dict[str, int]) -> int | None:
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not source.file_format.startswith("csv/")
        or path.stat().st_size < settings.REGISTRY_PARALLEL_FROM_BYTES
        or (os.cpu_count() or 1) < 2
        or not hasattr(os, "fork")
        # A fork copies only this thread; a lock another thread holds (a
        # web server's, a logging handler's) would never be released in
        # the child. Commands and Celery's workers run one thread.
        or threading.active_count() > 1
    ):
        return None
    return halves.household_cut(path, columns[fields.NUMBER])


def _read_halves(batch, path: Path, cut: int, header_row, columns, heads, progress):
    """Read up to cut here and from cut on in a forked process.

    Return the rows read and the order of the whole file.

    Each half stages whole households; the second half's row numbers start
    after the lines of the first.
    """
    encoding = batch.file_format.removeprefix("csv/")
    first_number = halves.lines_before(path, cut) + 1
    counter = mmap.mmap(-1, 8)
    # The child opens connections of its own; none may be shared.
    connections.close_all()
    child = halves.Child(
        lambda: _read_second_half(
            batch.pk, path, cut, encoding, columns, counter, first_number
        )
    )
    try:
        reader = GroupReader(batch, Positions(columns), heads)
        text = halves.text_of(path, 0, cut, encoding)
        numbered = enumerate(_cells(text), start=1)
        source = RowSource(
            # Past the header without a test of each row.
            rows=_guarded(itertools.islice(numbered, header_row, None)),
            file_format=batch.file_format,
            position=text.buffer.raw.fraction,
        )
        report = _reporter(
            batch, progress, also=lambda: struct.unpack_from("q", counter)[0]
        )
        with contextlib.closing(reader.stager), text:
            rows = _read_rows(source, reader, report)
        second_rows, county_codes, second_order = child.answer()
    finally:
        child.stop()
    heads.villages.county_codes.update(county_codes)
    return rows + second_rows, reader.order().then(second_order)


def _cells(text) -> Iterator[list[str]]:
    # A file cut in halves holds no quote (halves.household_cut): its lines
    # are its rows, and splitting them at commas reads them as the csv
    # module would, in half its time. The line break stays on the last
    # cell, which is never read unstripped.
    return map(SPLIT_CELLS, text)


SPLIT_CELLS = methodcaller("split", ",")


def _read_second_half(batch_pk, path, cut, encoding, columns, counter, first_number):
    """Read the file from cut on (in the child).

    Return the rows read, the counties met and the order of the half.
    """
    batch = ImportBatch.objects.get(pk=batch_pk)
    villages = VillageIndex()
    reader = GroupReader(batch, Positions(columns), HeadReader(villages))
    text = halves.text_of(path, cut, path.stat().st_size, encoding.removesuffix("-sig"))
    source = RowSource(
        rows=_guarded(enumerate(_cells(text), start=first_number)),
        file_format=batch.file_format,
        position=lambda: 0.0,
    )

    def report(rows: int, _position: float) -> None:
        struct.pack_into("q", counter, 0, rows)

    try:
        with contextlib.closing(reader.stager), text:
            rows = _read_rows(source, reader, report)
    finally:
        connections.close_all()
    return rows, villages.county_codes, reader.order()


def _reread_scattered(batch: ImportBatch, path: Path, heads: HeadReader) -> int:
    """Stage households whose rows are apart one row per person.

    Such a household was staged once for each run of its rows, checked
    against only part of itself: those rows and their errors go, and its
    rows are read again from the file into per-person staging rows, for
    check_households. Return how many households that concerned.
    """
    staged = ImportStagingRow.objects.filter(batch_id=batch.pk)
    split = (
        staged.exclude(registry_number="")
        .values("registry_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("registry_number")
    )
    scattered = set(split.values_list("registry_number", flat=True))
    if not scattered:
        return 0
    rows = ImportStagingPerson.objects.filter(
        batch_id=batch.pk, registry_number__in=split
    ).values("row_number")
    ImportRowError.objects.filter(batch=batch, row_number__in=rows).delete()
    gone = staged.filter(registry_number__in=split)
    gone._raw_delete(gone.db)

    writer = StagingWriter(batch)
    with open_rows(path) as source:
        _header_row, columns = locate_header(source.rows)
        at = Positions(columns)
        for number, cells in source.rows:
            if len(cells) <= at.number:
                continue
            if fields.kept_number(cells[at.number].strip()) not in scattered:
                continue
            row, errors = read_row(number, cells, columns, heads)
            row["is_person_row"] = True
            writer.add(row, errors)
        writer.flush()
    return len(scattered)


def _check_and_apply(batch: ImportBatch, progress, order: Order):
    _save(batch, status=Status.CHECKING)
    check_households(batch, people_in_order=order.people_ascending)
    _count_households(batch)
    if batch.rejected and batch.rejected == batch.households:
        _clear_staging(batch)
        return _finish(
            batch,
            Status.REJECTED,
            ngettext(
                "The household in the file has rows with errors; nothing was applied.",
                "All %(count)d households in the file have rows with errors; "
                "nothing was applied.",
                batch.rejected,
            )
            % {"count": batch.rejected},
        )
    if batch.rejected and batch.policy == ImportBatch.Policy.ALL_OR_NOTHING:
        _clear_staging(batch)
        return _finish(
            batch,
            Status.REJECTED,
            ngettext(
                "%(count)d household has rows with errors; nothing was applied.",
                "%(count)d households have rows with errors; nothing was applied.",
                batch.rejected,
            )
            % {"count": batch.rejected},
        )
    _save(batch, status=Status.APPLYING)
    if progress:
        progress(batch)
    own_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            apply_batch(batch, own_transaction=own_transaction)
            batch.links_flagged, batch.links_cleared = links_recheck(batch=batch)
            _clear_staging(batch)
            _finish(batch, Status.APPLIED, _outdated_message(batch))
            _close_interrupted(batch)
    except PartialList as refused:
        return _refused_as_partial(batch, refused)
    logger.info(
        "registry import applied batch=%s new=%d changed=%d unchanged=%d "
        "outdated=%d not_seen=%d rejected=%d links_flagged=%d",
        batch.pk,
        batch.new,
        batch.changed,
        batch.unchanged,
        batch.outdated,
        batch.not_seen,
        batch.rejected,
        batch.links_flagged,
    )
    return batch


def _refused_as_partial(batch: ImportBatch, refused: PartialList) -> ImportBatch:
    # The apply rolled back: none of its counts happened.
    for name in ("new", "changed", "unchanged", "outdated", "not_seen"):
        setattr(batch, name, 0)
    batch.links_flagged = batch.links_cleared = 0
    _clear_staging(batch)
    batch.failure = "partial_list"
    logger.warning("registry import refused as a partial list batch=%s", batch.pk)
    return _finish(batch, Status.REJECTED, str(refused))


def _outdated_message(batch: ImportBatch) -> str:
    if not batch.outdated:
        return ""
    return ngettext(
        "%(count)d household was left as it is: the registry kept holds "
        "newer data for it than this file's.",
        "%(count)d households were left as they are: the registry kept holds "
        "newer data for them than this file's.",
        batch.outdated,
    ) % {"count": batch.outdated}


def _count_households(batch: ImportBatch) -> None:
    # One pass over the staging rows: a household read whole is one row, a
    # scattered one a row per person. Each run of rows without a registry
    # number counts as a household of its own.
    whole, scattered = Q(is_person_row=False), Q(is_person_row=True)
    failed = Q(has_error=True)
    counts = ImportStagingRow.objects.filter(batch_id=batch.pk).aggregate(
        whole=Count("id", filter=whole),
        whole_rejected=Count("id", filter=whole & failed),
        scattered=Count("registry_number", filter=scattered, distinct=True),
        scattered_rejected=Count(
            "registry_number", filter=scattered & failed, distinct=True
        ),
        snapshot_date=Max("snapshot_date", filter=Q(is_head=True, has_error=False)),
    )
    batch.households = counts["whole"] + counts["scattered"]
    batch.rejected = counts["whole_rejected"] + counts["scattered_rejected"]
    batch.snapshot_date = counts["snapshot_date"]
    batch.row_errors = ImportRowError.objects.filter(batch=batch).count()


def _close_interrupted(batch: ImportBatch) -> None:
    # Runs of the same file that were killed before finishing: this one
    # finished their work.
    unfinished = ImportBatch.objects.filter(file_checksum=batch.file_checksum).exclude(
        status__in=[*ImportBatch.FINISHED, Status.QUEUED]
    )
    unfinished = unfinished.exclude(pk=batch.pk)
    for model in (ImportStagingRow, ImportStagingPerson):
        left = model.objects.filter(batch_id__in=unfinished.values("pk"))
        left._raw_delete(left.db)
    # Their uploads hold ID numbers: they go with them, once this is kept.
    stored = list(
        unfinished.exclude(stored_path="").values_list("stored_path", flat=True)
    )
    transaction.on_commit(partial(_unlink_all, stored))
    now = timezone.now()
    closed = unfinished.update(
        status=Status.INTERRUPTED,
        failure="interrupted",
        message=_("Interrupted; import %(id)d of the same file finished it.")
        % {"id": batch.pk},
        stored_path="",
        finished_at=now,
        updated_at=now,
    )
    if closed:
        logger.warning(
            "interrupted imports closed batch=%s closed=%d", batch.pk, closed
        )


def _unlink_all(paths: list[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _clear_staging(batch: ImportBatch) -> None:
    # One DELETE: QuerySet.delete() would load a million rows to send
    # signals nobody listens to.
    for model in (ImportStagingRow, ImportStagingPerson):
        rows = model.objects.filter(batch_id=batch.pk)
        rows._raw_delete(rows.db)


def _save(batch: ImportBatch, **values) -> None:
    values["updated_at"] = timezone.now()
    for name, value in values.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**values)


def _finish(batch: ImportBatch, status: str, message: str) -> ImportBatch:
    batch.status = status
    batch.message = message
    batch.finished_at = batch.updated_at = timezone.now()
    batch.progress = 1.0
    batch.save()
    return batch
