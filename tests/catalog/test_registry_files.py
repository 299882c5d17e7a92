"""Each kind of bad export, from tests/catalog/registry_files/, exactly.

The files and what is wrong in each are described in that folder's
README.md; make_files.py there wrote them.
"""

import os
import tracemalloc
from pathlib import Path

import pytest
from django.utils import translation

from catalog.demo import _load_divisions, _read_json
from catalog.models import Household, ImportBatch
from catalog.registry.imports import import_batch_create, registry_import

FILES = Path(__file__).parent / "registry_files"
A, B, C, D = (
    "52263610020190001",
    "52263610120190001",
    "52052110120190001",
    "64032310120190001",
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def divisions():
    _load_divisions(_read_json("divisions.json"))


def run(path: Path, **options) -> ImportBatch:
    batch = import_batch_create(
        path=path, file_name=path.name, source="test", **options
    )
    return registry_import(batch=batch, path=path)


def errors(batch: ImportBatch) -> list[tuple]:
    return list(batch.errors.values_list("row_number", "column", "value", "reason"))


def error_households(batch: ImportBatch) -> list[str]:
    return list(batch.errors.values_list("registry_number", flat=True))


def stored() -> list[str]:
    return sorted(Household.objects.values_list("registry_number", flat=True))


@pytest.mark.parametrize(
    ("name", "file_format"),
    [
        ("valid.csv", "csv/utf-8"),
        ("valid_bom.csv", "csv/utf-8-sig"),
        ("valid_gbk.csv", "csv/gb18030"),
        ("valid.xlsx", "xlsx"),
        ("second_sheet.xlsx", "xlsx"),
        ("repeated_header.csv", "csv/utf-8"),
    ],
)
def test_the_same_four_households_read_from_every_layout(name, file_format):
    batch = run(FILES / name)

    assert (batch.status, batch.file_format) == ("applied", file_format)
    assert (batch.rows_read, batch.new, batch.rejected) == (10, 4, 0)
    assert stored() == sorted([A, B, C, D])
    a = Household.objects.get(registry_number=A)
    assert (a.size, a.status, a.first_identified_year, a.main_cause) == (
        3,
        Household.Status.OUT_SUPPORTED,
        2015,
        "01",
    )
    assert a.head_id_masked[:6] + a.head_id_masked[-4:] == a.head_id_masked.replace(
        "*", ""
    )


def test_a_title_row_above_the_header_is_passed_over():
    batch = run(FILES / "merged_header.xlsx")

    assert (batch.status, batch.rows_read, batch.new) == ("applied", 6, 3)
    assert stored() == sorted([A, B, "52263610220190001"])


def test_missing_columns_are_named_before_any_row_is_read():
    batch = run(FILES / "missing_columns.csv")

    assert (batch.status, batch.failure) == ("failed", "missing_columns")
    assert batch.message == "The file lacks required columns: 户编号、证件号码."
    assert (batch.rows_read, Household.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("name", "message", "failure"),
    [
        ("empty.csv", "The file is empty.", "empty"),
        (
            "wrong_sheet.xlsx",
            "No sheet of this workbook holds the export's header "
            "(sheets: 填表说明、汇总).",
            "no_header",
        ),
    ],
)
def test_a_file_without_an_export_is_refused(name, message, failure):
    batch = run(FILES / name)

    assert (batch.status, batch.message, batch.failure) == ("failed", message, failure)
    assert Household.objects.count() == 0


def test_a_header_without_rows_imports_nothing():
    batch = run(FILES / "header_only.csv")

    assert (batch.status, batch.failure, batch.message) == (
        "failed",
        "no_rows",
        "The file holds the export's header and no rows under it.",
    )
    assert (batch.households, batch.new, Household.objects.count()) == (0, 0, 0)


def test_bad_id_numbers_reject_their_households_and_are_never_shown():
    batch = run(FILES / "bad_id.csv")

    assert errors(batch) == [
        (2, "证件号码", "522636********0110", "ID number fails its checksum"),
        (
            5,
            "证件号码",
            "522636********0429",
            "ID number holds an impossible birth date",
        ),
        (
            8,
            "证件号码",
            "520521*******1071",
            "ID number must be 17 digits and a digit or X",
        ),
    ]
    assert (batch.new, batch.rejected) == (1, 3)
    assert stored() == [D]


def test_members_contradicting_their_head_reject_the_household():
    batch = run(FILES / "contradicting_members.csv")

    said = (
        "The head's row (row 2) says “{}”; a household has one value for this column."
    )
    assert errors(batch) == [
        (3, "人数", "4", said.format("3")),
        (3, "户类型", "一般脱贫户(不再享受政策)", said.format("一般脱贫户")),
    ]
    assert error_households(batch) == [A, A]
    assert (batch.new, batch.rejected) == (3, 1)
    assert A not in stored()


def test_a_person_number_used_twice_rejects_the_later_household():
    batch = run(FILES / "duplicate_person_numbers.csv")

    assert errors(batch) == [
        (8, "人编号", "5226361002019000102", "This person number is already on row 3.")
    ]
    assert error_households(batch) == ["52052110120190001"]
    assert (batch.new, batch.rejected) == (3, 1)
    assert stored() == sorted([A, B, D])


def test_numbers_excel_rewrote_or_words_for_numbers_reject_their_households():
    batch = run(FILES / "excel_numbers.csv")

    scientific = (
        "Excel wrote this number in scientific notation and lost its last "
        "digits: format the column as text and export again."
    )
    words = "The registry writes this number in digits only."
    assert errors(batch) == [
        (5, "户编号", "5.22636E+16", scientific),
        (5, "人编号", "5.22636E+18", scientific),
        (10, "户编号", "长城村一户", words),
        (11, "户编号", "长城村一户", words),
    ]
    assert (batch.new, batch.rejected) == (2, 2)
    assert stored() == sorted([A, C])


def test_unknown_villages_and_townships_name_the_candidates():
    batch = run(FILES / "unknown_village.csv")

    assert errors(batch) == [
        (
            5,
            "行政村",
            "茶园村",
            "No “茶园村” in 丹寨县龙泉镇; candidates: 青杠村、马寨村.",
        ),
        (
            7,
            "乡(镇)",
            "羊场镇",
            "No “羊场镇” in 丹寨县; candidates: 兴仁镇、排调镇、龙泉镇.",
        ),
    ]
    assert stored() == sorted([A, D])


def test_dates_as_excel_writes_them_are_read_and_impossible_ones_refused():
    batch = run(FILES / "excel_dates.xlsx")

    assert errors(batch) == [
        (8, "首次识别时间", "2020/2/30", "Not a possible date."),
        (10, "首次识别时间", "去年", "Not a date Excel writes, such as 2020/1/5."),
    ]
    years = dict(
        Household.objects.values_list("registry_number", "first_identified_year")
    )
    assert years == {
        "52263610020290001": 2015,
        "52263610120290001": 2015,
        "52263610220290001": 2020,
        "52052110220190001": 2020,
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "no_head.csv",
            (
                5,
                "与户主关系",
                "配偶",
                "No member of this household is its head (户主).",
            ),
        ),
        (
            "two_heads.csv",
            (6, "与户主关系", "户主", "The household has more than one head (户主)."),
        ),
    ],
)
def test_a_household_needs_exactly_one_head(name, expected):
    batch = run(FILES / name)

    assert errors(batch) == [expected]
    assert (batch.new, batch.rejected) == (2, 1)
    assert stored() == sorted([A, D])


def test_all_or_nothing_refuses_a_file_with_any_bad_row():
    batch = run(FILES / "bad_id.csv", policy=ImportBatch.Policy.ALL_OR_NOTHING)

    assert batch.status == "rejected"
    assert Household.objects.count() == 0


def test_a_100_mb_file_of_garbage_is_refused_without_using_its_size_in_memory(
    tmp_path,
):
    path = tmp_path / "garbage.csv"
    with open(path, "wb") as out:
        for _ in range(100):
            # Without NUL bytes, which would give it away at once: all of it
            # goes through the CSV reader.
            out.write(os.urandom(1024 * 1024).replace(b"\x00", b"\x01"))

    tracemalloc.start()
    batch = run(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert (batch.status, batch.failure) == ("failed", "not_a_file")
    assert batch.message == "The file is not a CSV or Excel export of the registry."
    assert peak < 20 * 1024 * 1024
    assert Household.objects.count() == 0


def test_a_picture_renamed_as_a_workbook_is_refused_before_reading(tmp_path):
    path = tmp_path / "丹寨县2023.xlsx"
    # A PNG signature and header chunk, as a phone's screenshot begins.
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x38" + b"\x00" * 64
    )

    batch = run(path)

    assert (batch.status, batch.failure, batch.file_format) == (
        "failed",
        "not_a_file",
        "",
    )
    assert batch.message == "The file is not a CSV or Excel export of the registry."


@pytest.mark.parametrize("name", ["丹寨县2023.xls", "丹寨县2023.XLS"])
def test_a_workbook_saved_under_an_xls_name_is_read_as_what_it_is(tmp_path, name):
    path = tmp_path / name
    path.write_bytes((FILES / "valid.xlsx").read_bytes())

    batch = run(path)

    assert (batch.status, batch.file_format, batch.new) == ("applied", "xlsx", 4)
    assert stored() == sorted([A, B, C, D])


def test_an_excel_97_workbook_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "丹寨县2023.xls"
    # How every Excel 97–2003 file begins: an OLE2 compound file header.
    path.write_bytes(
        bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 16 + b"\x3e\x00\x03\x00" * 64
    )

    batch = run(path)

    assert (batch.status, batch.failure) == ("failed", "old_excel")
    assert batch.message == (
        "This is an Excel 97–2003 workbook (.xls), which cannot be read. Open "
        "it in Excel or WPS, save it as .xlsx or CSV, and upload that."
    )
    assert Household.objects.count() == 0


def test_one_endless_line_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"x" * (30 * 1024 * 1024))

    tracemalloc.start()
    batch = run(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert (batch.status, batch.failure) == ("failed", "not_a_file")
    assert peak < 5 * 1024 * 1024


def test_endless_junk_under_a_good_header_keeps_memory_flat(tmp_path):
    from catalog.registry.layout import EXPORT_COLUMNS

    rows = 30_000
    path = tmp_path / "export.csv"
    # Junk, but for a person number that is a number.
    cells = ["垃圾"] * len(EXPORT_COLUMNS)
    cells[EXPORT_COLUMNS.index("人编号")] = "1"
    junk = ",".join(cells) + "\r\n"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(EXPORT_COLUMNS) + "\r\n")
        for _ in range(rows):
            out.write(junk)

    tracemalloc.start()
    batch = run(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # One "household" of 30,000 rows: too many members, a registry number
    # and an ID number that are not ones on each of its first 100 rows,
    # and one person number repeated on every row after the first.
    assert (batch.status, batch.households, batch.rejected) == ("rejected", 1, 1)
    assert batch.errors.filter(reason__startswith="This person number").count() == (
        rows - 1
    )
    # Held whole, the rows' people and errors took 48 MB at 60,000 rows.
    assert peak < 12 * 1024 * 1024
