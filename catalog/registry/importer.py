"""The columns of the registry export and how each value is read.

The export has one row per person with household fields repeated on each
member's row (DESIGN §4); the head's row (与户主关系 = 户主) becomes the
Household. Of a person only a masked name, a masked ID number and a keyed
HMAC of the ID number are kept; health status and phone numbers are never
read. catalog.registry.imports runs whole imports with these readers;
import_registry_file here is its short form for scripts and the demo.

户类型 carries the status and, as a prefix, the household attribute:
"低保脱贫户" is a minimum-subsistence household out of poverty and still
supported, "一般脱贫户(不再享受政策)" one out of poverty and no longer
supported. See catalog/data/demo/README.md for the full mapping.
"""

import codecs
import contextlib
import datetime
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from catalog.models import Household
from catalog.registry.identity import (
    InvalidIdNumber,
    id_number_hmac,
    mask_id_number,
    mask_name,
    normalise_id_number,
    quick_id_number,
)
from catalog.registry.layout import EXPORT_COLUMNS  # noqa: F401 - re-exported

logger = logging.getLogger(__name__)

COUNTY, TOWNSHIP, VILLAGE = "县(市、区、旗)", "乡(镇)", "行政村"
NUMBER, NAME, ID_NUMBER, SIZE, RELATION = (
    "户编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
)
DATA_DATE, FIRST_IDENTIFIED, HOUSEHOLD_TYPE = "数据日期", "首次识别时间", "户类型"
CAUSE, MONITORING, RISK_ELIMINATED = (
    "致贫原因1",
    "易返贫致贫户(监测对象)类型",
    "风险是否消除",
)
REQUIRED_COLUMNS = (
    COUNTY,
    TOWNSHIP,
    VILLAGE,
    NUMBER,
    NAME,
    ID_NUMBER,
    SIZE,
    RELATION,
    FIRST_IDENTIFIED,
    HOUSEHOLD_TYPE,
)
# The only columns ever kept in memory; health and phones are not among them.
READ_COLUMNS = (*REQUIRED_COLUMNS, DATA_DATE, CAUSE, MONITORING, RISK_ELIMINATED)
HEAD = "户主"

STATUS_WORDS = {
    "贫困户": Household.Status.NOT_OUT,
    "未脱贫户": Household.Status.NOT_OUT,
    "脱贫户": Household.Status.OUT_SUPPORTED,
    "已脱贫户": Household.Status.OUT_SUPPORTED,
    "返贫户": Household.Status.RELAPSED,
    "脱贫户(不再享受政策)": Household.Status.OUT_UNSUPPORTED,
}
ATTRIBUTE_PREFIXES = (
    ("特困供养", Household.Attribute.TEKUN),
    ("特困", Household.Attribute.TEKUN),
    ("低保", Household.Attribute.DIBAO),
    ("一般", Household.Attribute.GENERAL),
)
CAUSES = {
    "因病": "01",
    "因残": "02",
    "因学": "03",
    "因灾": "04",
    "缺土地": "05",
    "缺水": "06",
    "缺技术": "07",
    "缺劳力": "08",
    "缺资金": "09",
    "交通条件落后": "10",
    "自身发展动力不足": "11",
    "其他": "12",
    "其它": "12",
    "因婚": "13",
    "因产业项目失败": "14",
}
MONITORING_KINDS = {
    "": Household.Monitoring.NONE,
    "脱贫不稳定户": Household.Monitoring.UNSTABLE_EXITED,
    "边缘易致贫户": Household.Monitoring.MARGINAL,
    "突发严重困难户": Household.Monitoring.SUDDEN_HARDSHIP,
}
YES_NO = {"是": True, "否": False, "": False}

EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
SERIAL_RE = re.compile(r"^\d{5}(\.0*)?$")
WIDE_PARENS = str.maketrans("（）", "()")
CHUNK = 64 * 1024


# XLSX files are zip archives; CSV files never start like this.
ZIP_MAGIC = b"PK\x03\x04"


class RegistryFileError(Exception):
    """A file that cannot be read as a registry export at all."""


class MissingColumns(RegistryFileError):
    """A registry export whose header lacks required columns."""


@dataclass(frozen=True)
class RowError:
    """Why one row was rejected: its number as a spreadsheet shows it."""

    row: int
    column: str
    value: str
    reason: str
    # The row's 户编号, where known, for the person who fixes the file.
    household: str = ""


@dataclass
class ImportResult:
    """Counts of households by outcome, and the errors of rejected rows."""

    encoding: str = ""
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    outdated: int = 0
    not_seen: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    @classmethod
    def of(cls, batch) -> "ImportResult":
        errors = [
            RowError(e.row_number, e.column, e.value, e.reason)
            for e in batch.errors.order_by("row_number", "pk")
        ]
        return cls(
            encoding=batch.file_format.removeprefix("csv/"),
            new=batch.new,
            changed=batch.changed,
            unchanged=batch.unchanged,
            outdated=batch.outdated,
            not_seen=batch.not_seen,
            rejected=batch.rejected,
            errors=errors,
        )


class FieldError(ValueError):
    """A value that cannot be read; column names where it was found."""

    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        super().__init__(reason)


def import_registry_file(
    source: str | Path | BinaryIO, *, file_name: str = "", source_name: str = "file"
) -> ImportResult:
    """Import an export given as XLSX or CSV, told apart by its first bytes.

    Runs a whole import batch (catalog.registry.imports) and reports it as
    counts and row errors. Raise MissingColumns or RegistryFileError when
    the file cannot be read at all; nothing is written then.
    """
    from catalog.registry import imports

    with contextlib.ExitStack() as stack:
        path = _as_path(source, stack)
        batch = imports.import_batch_create(
            path=path, file_name=file_name or path.name, source=source_name
        )
        batch = imports.registry_import(batch=batch, path=path, force=True)
    if batch.status == batch.Status.FAILED:
        if batch.failure == "missing_columns":
            raise MissingColumns(batch.message)
        raise RegistryFileError(batch.message)
    return ImportResult.of(batch)


import_registry_csv = import_registry_file
import_registry_xlsx = import_registry_file


def _as_path(source: str | Path | BinaryIO, stack: contextlib.ExitStack) -> Path:
    if isinstance(source, str | Path):
        return Path(source)
    copy = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".export"))  # noqa: SIM115
    shutil.copyfileobj(source, copy)
    copy.flush()
    return Path(copy.name)


def _xlsx_text(value) -> str:
    """Return a cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def detect_encoding(stream: BinaryIO) -> str:
    """Return utf-8-sig, utf-8 or gb18030 (a superset of GBK) for stream.

    Scan the stream once without keeping it, then rewind it.
    """
    start = stream.read(len(codecs.BOM_UTF8))
    if start == codecs.BOM_UTF8:
        stream.seek(0)
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(start)
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "gb18030"
    stream.seek(0)
    return encoding


def normalise_header(name: str) -> str:
    """Return name without padding and with half-width parentheses."""
    return name.strip().lstrip("\ufeff").translate(WIDE_PARENS)


def _row_error(row_number: int, row: dict[str, str], column: str, reason: str):
    value = row.get(column, "")
    if column == ID_NUMBER:
        value = mask_raw_id(value)
    # An ID number in another column is hidden as well.
    return RowError(row_number, column, hide_ids(value), reason)


# What Excel shows of a long number in a cell of the general format, and
# writes back into a CSV saved from it: 5.22636E+16.
SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$")


# Anything shaped like an ID number, wherever it stands in a value.
ID_SHAPED = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def hide_ids(value: str) -> str:
    """Return value with everything shaped like an ID number masked."""
    if len(value) < 18:
        return value
    return ID_SHAPED.sub(lambda found: mask_raw_id(found.group()), value)


def is_id_number(value: str) -> bool:
    """Whether value is a valid ID number (in a column that wants none)."""
    return len(value) == 18 and quick_id_number(value.upper()) is not None


def kept_number(value: str) -> str:
    """Return a registry number as staging keeps it: an ID number masked."""
    return mask_raw_id(value) if is_id_number(value) else value[:32]


def is_plain_number(value: str) -> bool:
    """Whether value is written as the registry writes its numbers."""
    return value.isdigit() and value.isascii()


def number_problem(value: str) -> str:
    """Say what is wrong with a registry or person number ("" if nothing).

    The numbers are kept as opaque strings, but the registry writes them
    in digits; anything else is a number a spreadsheet rewrote (with its
    last digits gone) or a value from another column.
    """
    if is_id_number(value):
        return _(
            "This is an ID number (证件号码), not the registry's number; it "
            "is not kept."
        )
    if is_plain_number(value):
        return ""
    if SCIENTIFIC.match(value):
        return _(
            "Excel wrote this number in scientific notation and lost its "
            "last digits: format the column as text and export again."
        )
    return _("The registry writes this number in digits only.")


def mask_raw_id(value: str) -> str:
    """Return value with all but its first six and last four chars hidden."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _read_id(row: dict[str, str]) -> dict:
    try:
        normalised = normalise_id_number(row[ID_NUMBER])
    except InvalidIdNumber as exc:
        raise ValueError(str(exc)) from None
    return {
        "head_id_hmac": id_number_hmac(normalised),
        "head_id_masked": mask_id_number(normalised),
    }


def _read_name(row: dict[str, str]) -> dict:
    if not row[NAME]:
        raise ValueError(_("The head of household has no name."))
    return {"head_name_masked": mask_name(row[NAME])}


def _read_size(row: dict[str, str]) -> dict:
    value = row[SIZE]
    if not value.isdigit() or int(value) < 1:
        raise ValueError(_("The number of members must be a whole number above 0."))
    return {"size": int(value)}


def _read_type(row: dict[str, str]) -> dict:
    value = row[HOUSEHOLD_TYPE].replace(" ", "").translate(WIDE_PARENS)
    attribute = Household.Attribute.GENERAL
    for prefix, candidate in ATTRIBUTE_PREFIXES:
        if value.startswith(prefix):
            attribute, value = candidate, value[len(prefix) :]
            break
    if value not in STATUS_WORDS:
        words = "、".join(STATUS_WORDS)
        raise ValueError(
            _("Unknown household type; it ends in one of %(words)s.") % {"words": words}
        )
    return {"status": STATUS_WORDS[value], "attribute": attribute}


def _read_first_identified(row: dict[str, str]) -> dict:
    return {"first_identified_year": parse_date(row[FIRST_IDENTIFIED]).year}


def _read_data_date(row: dict[str, str]) -> dict:
    value = row.get(DATA_DATE, "")
    return {"snapshot_date": parse_date(value) if value else None}


def _read_cause(row: dict[str, str]) -> dict:
    value = row.get(CAUSE, "")
    if value in CAUSES.values() or not value:
        return {"main_cause": value}
    if value not in CAUSES:
        raise ValueError(_("Unknown cause of poverty."))
    return {"main_cause": CAUSES[value]}


def _read_monitoring(row: dict[str, str]) -> dict:
    kind, eliminated = row.get(MONITORING, ""), row.get(RISK_ELIMINATED, "")
    if kind not in MONITORING_KINDS:
        raise ValueError(_("Unknown kind of monitored household."))
    if eliminated not in YES_NO:
        raise FieldError(RISK_ELIMINATED, _("Write 是 or 否."))
    return {
        "monitoring_kind": MONITORING_KINDS[kind],
        "is_risk_eliminated": YES_NO[eliminated],
    }


def parse_date(value: str) -> datetime.date:
    """Return the date in value, written in one of the ways Excel writes dates.

    Accept 2020/1/5, 2020-01-05, 2020.1.5, 2020年1月5日, 20200105 and Excel
    serial numbers (43835), each optionally followed by a time. Raise
    ValueError for anything else or for an impossible date.
    """
    text = value.strip().split(" ")[0]
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    try:
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
        if SERIAL_RE.match(text):
            return EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    except ValueError:
        raise ValueError(_("Not a possible date.")) from None
    raise ValueError(_("Not a date Excel writes, such as 2020/1/5."))
