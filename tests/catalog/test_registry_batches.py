"""Import batches: counts, history, households not seen, flagged links."""

import hashlib
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from catalog.models import BenefitLink, Household, HouseholdChange, ImportBatch
from catalog.registry import imports
from catalog.registry.imports import Order, import_batch_create, registry_import
from catalog.registry.reports import row_errors_xlsx
from fulfillment.models import AttributionEntry
from tests import factories
from tests.catalog.test_registry_import import (
    CHILD_ID,
    HEAD_ID,
    OTHER_HEAD_ID,
    SPOUSE_ID,
    person,
    write_csv,
)

Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

FIRST, SECOND, THIRD = "52263610020200001", "52263610020100002", "52263610020200003"
THIRD_HEAD_ID = "522636197707070075"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def danzhai():
    """丹寨县 with 龙泉镇's 青杠村 and 马寨村, and 大方县 with one village."""
    township = factories.TownshipFactory(code="522636100", name="龙泉镇")
    villages = {
        "青杠村": factories.VillageFactory(
            township=township, code="522636100201", name="青杠村"
        ),
        "马寨村": factories.VillageFactory(
            township=township, code="522636100202", name="马寨村"
        ),
    }
    dafang = factories.CountyFactory(code="520521", name="大方县")
    elsewhere = factories.VillageFactory(
        township=factories.TownshipFactory(
            county=dafang, code="520521100", name="大方镇"
        ),
        code="520521100201",
        name="奢香村",
    )
    return villages, elsewhere


def snapshot(date="2023/12/31", *, first=None, second=None, third=True):
    """Return rows of three households; keyword dicts change one of them."""
    one = {"户编号": FIRST, "人数": "2", "数据日期": date, **(first or {})}
    rows = [
        person(**{**one, "人编号": FIRST + "01"}),
        person(
            **{
                **one,
                "人编号": FIRST + "02",
                "姓名": "李梅",
                "证件号码": SPOUSE_ID,
                "与户主关系": "配偶",
            }
        ),
    ]
    two = {
        "户编号": SECOND,
        "行政村": "青杠村",
        "数据日期": date,
        "人编号": SECOND + "01",
        "姓名": "王五",
        "证件号码": OTHER_HEAD_ID,
        **(second or {}),
    }
    rows.append(person(**two))
    if third:
        three = {
            "户编号": THIRD,
            "数据日期": date,
            "人编号": THIRD + "01",
            "姓名": "赵六",
            "证件号码": THIRD_HEAD_ID,
            "户类型": "一般脱贫户",
        }
        rows.append(person(**three))
    return rows


def mid_2024():
    """Return the next export: the first exits, the second moves, no third."""
    return snapshot(
        "2024/6/30",
        first={"户类型": "低保脱贫户(不再享受政策)"},
        second={"行政村": "马寨村"},
        third=False,
    )


def run(path, **options):
    batch = import_batch_create(
        path=path, file_name=path.name, source="test", **options
    )
    return registry_import(batch=batch, path=path)


def history(registry_number: str) -> list[tuple]:
    changes = HouseholdChange.objects.filter(
        household__registry_number=registry_number
    ).order_by("pk")
    return list(changes.values_list("field", "old_value", "new_value"))


def test_a_first_import_creates_every_household_and_records_the_file(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", snapshot())

    batch = run(path)

    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.file_checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batch.rows_read, batch.households, batch.new, batch.changed) == (4, 3, 3, 0)
    assert (batch.unchanged, batch.not_seen, batch.rejected) == (0, 0, 0)
    assert str(batch.snapshot_date) == "2023-12-31"
    assert batch.county_codes == ["522636"]
    assert Household.objects.count() == 3
    assert set(Household.objects.values_list("added_by", flat=True)) == {batch.pk}
    assert history(FIRST) == []


def test_the_same_file_again_changes_nothing_and_says_so(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", snapshot())
    first = run(path)

    again = run(path)

    assert again.status == ImportBatch.Status.DUPLICATE
    assert again.message == (
        f"This file was imported on {first.finished_at.astimezone().date()} "
        f"(import {first.pk}); nothing changed."
    )
    assert HouseholdChange.objects.count() == 0
    assert set(Household.objects.values_list("added_by", flat=True)) == {first.pk}
    assert (again.new, again.changed) == (0, 0)


def test_a_newer_export_records_exits_moves_and_households_not_seen(tmp_path, danzhai):
    villages, elsewhere = danzhai
    outside = factories.HouseholdFactory(village=elsewhere)
    run(write_csv(tmp_path / "2023.csv", snapshot()))
    newer = mid_2024()

    batch = run(write_csv(tmp_path / "2024.csv", newer))

    assert (batch.new, batch.changed, batch.unchanged, batch.not_seen) == (0, 2, 0, 1)
    assert history(FIRST) == [
        (
            "status",
            str(Household.Status.OUT_SUPPORTED),
            str(Household.Status.OUT_UNSUPPORTED),
        ),
    ]
    assert history(SECOND) == [("village", "522636100201", "522636100202")]
    assert history(THIRD) == [("is_seen", "true", "false")]
    third = Household.objects.get(registry_number=THIRD)
    assert (third.is_seen, third.is_eligible()) == (False, False)
    # Another county's household is not this export's to judge.
    outside.refresh_from_db()
    assert outside.is_seen is True
    assert Household.objects.get(registry_number=SECOND).village == villages["马寨村"]


def test_a_household_back_in_a_later_export_is_seen_again(tmp_path, danzhai):
    run(write_csv(tmp_path / "1.csv", snapshot()))
    run(write_csv(tmp_path / "2.csv", snapshot("2024/6/30", third=False)))

    batch = run(write_csv(tmp_path / "3.csv", snapshot("2024/12/31")))

    assert (batch.changed, batch.not_seen) == (1, 0)
    assert history(THIRD)[-1] == ("is_seen", "false", "true")
    assert Household.objects.get(registry_number=THIRD).is_seen is True


def test_an_older_export_handed_in_late_changes_nothing_newer(tmp_path, danzhai):
    villages, _elsewhere = danzhai
    run(write_csv(tmp_path / "2023.csv", snapshot()))
    newer = mid_2024()
    run(write_csv(tmp_path / "2024.csv", newer))
    kept = history(FIRST), history(SECOND), history(THIRD)
    # An export dated between the two, which left out the first household
    # and names the second in its old village.
    older = snapshot("2024/3/31")[2:]

    batch = run(write_csv(tmp_path / "2024-03.csv", older))

    assert batch.status == ImportBatch.Status.APPLIED
    assert (batch.new, batch.changed, batch.unchanged) == (0, 0, 0)
    assert (batch.outdated, batch.not_seen) == (2, 0)
    assert batch.message == (
        "2 households were left as they are: the registry kept holds newer "
        "data for them than this file's."
    )
    assert (history(FIRST), history(SECOND), history(THIRD)) == kept
    first = Household.objects.get(registry_number=FIRST)
    second = Household.objects.get(registry_number=SECOND)
    third = Household.objects.get(registry_number=THIRD)
    assert (first.is_seen, str(first.snapshot_date)) == (True, "2024-06-30")
    assert first.status == Household.Status.OUT_UNSUPPORTED
    assert (second.village, str(second.snapshot_date)) == (
        villages["马寨村"],
        "2024-06-30",
    )
    # Left out of the newer export: an older one cannot bring it back.
    assert (third.is_seen, str(third.snapshot_date)) == (False, "2024-06-30")


def sale(link: BenefitLink) -> AttributionEntry:
    """Place an order of the link's producer's product; return its entry."""
    record = factories.StockRecordFactory(
        partner=link.producer, product__producer=link.producer, price=Decimal("9.00")
    )
    factories.CertificateFactory(product=record.product)
    basket = Basket.objects.create()
    basket.strategy = Default()
    basket.add_product(record.product, 1)
    order = create_order(basket=basket)
    return AttributionEntry.objects.get(order=order)


def test_links_of_households_that_no_longer_count_are_flagged_and_new_sales_follow(
    tmp_path, danzhai
):
    run(write_csv(tmp_path / "1.csv", snapshot()))
    first = Household.objects.get(registry_number=FIRST)
    third = Household.objects.get(registry_number=THIRD)
    exiting = factories.BenefitLinkFactory(household=first)
    leaving = factories.BenefitLinkFactory(household=third)
    before = sale(exiting)
    newer = snapshot(
        "2024/6/30", first={"户类型": "低保脱贫户(不再享受政策)"}, third=False
    )

    batch = run(write_csv(tmp_path / "2.csv", newer))
    after = sale(exiting)

    exiting.refresh_from_db()
    leaving.refresh_from_db()
    assert (exiting.flag_reason, exiting.flagged_by_batch) == ("ineligible", batch)
    assert (leaving.flag_reason, leaving.flagged_by_batch) == ("not_seen", batch)
    assert batch.links_flagged == 2
    assert (after.is_counted, after.not_counted_reason) == (
        False,
        AttributionEntry.NotCountedReason.HOUSEHOLD_INELIGIBLE,
    )
    # What was recorded before the export stays as it was.
    assert AttributionEntry.objects.get(pk=before.pk).is_counted is True


def test_flags_clear_when_the_household_counts_again(tmp_path, danzhai):
    run(write_csv(tmp_path / "1.csv", snapshot()))
    link = factories.BenefitLinkFactory(
        household=Household.objects.get(registry_number=THIRD)
    )
    run(write_csv(tmp_path / "2.csv", snapshot("2024/6/30", third=False)))

    batch = run(write_csv(tmp_path / "3.csv", snapshot("2024/12/31")))

    link.refresh_from_db()
    assert (link.flag_reason, link.flagged_at, batch.links_cleared) == ("", None, 1)


def bad_second_household(date="2023/12/31"):
    return snapshot(date, second={"证件号码": OTHER_HEAD_ID[:-1] + "0"})


def test_all_or_nothing_applies_nothing_when_a_row_is_rejected(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", bad_second_household())

    batch = run(path, policy=ImportBatch.Policy.ALL_OR_NOTHING)

    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.message == "1 household has rows with errors; nothing was applied."
    assert (batch.rejected, batch.row_errors) == (1, 1)
    assert Household.objects.count() == 0
    assert HouseholdChange.objects.count() == 0


def test_the_valid_households_are_applied_by_default(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", bad_second_household())

    batch = run(path)

    assert batch.status == ImportBatch.Status.APPLIED
    assert (batch.new, batch.rejected) == (2, 1)
    assert sorted(Household.objects.values_list("registry_number", flat=True)) == [
        FIRST,
        THIRD,
    ]
    [error] = batch.errors.all()
    assert (
        error.row_number,
        error.registry_number,
        error.column,
        error.value,
        error.reason,
    ) == (
        4,
        SECOND,
        "证件号码",
        "522636********0050",
        "ID number fails its checksum",
    )


def test_row_errors_download_as_a_spreadsheet(tmp_path, danzhai):
    batch = run(write_csv(tmp_path / "export.csv", bad_second_household()))

    workbook = openpyxl.load_workbook(io.BytesIO(row_errors_xlsx(batch)))

    assert [list(row) for row in workbook.active.iter_rows(values_only=True)] == [
        ["Row", "Registry number", "Column", "Value", "Reason"],
        [4, SECOND, "证件号码", "522636********0050", "ID number fails its checksum"],
    ]


def test_no_full_id_number_is_stored_anywhere(tmp_path, danzhai, caplog):
    ids = [HEAD_ID, SPOUSE_ID, OTHER_HEAD_ID, THIRD_HEAD_ID]
    rows = bad_second_household() + [
        person(
            户编号="52263610020200009", 人编号="5226361002020000901", 证件号码=CHILD_ID
        )
    ]
    caplog.set_level("DEBUG")

    run(write_csv(tmp_path / "export.csv", rows))

    dumped = _database_text()
    for id_number in [*ids, CHILD_ID, OTHER_HEAD_ID[:-1] + "0"]:
        assert id_number not in dumped
        assert id_number not in caplog.text


def test_id_numbers_in_the_number_columns_are_refused_and_never_kept(
    tmp_path, danzhai, monkeypatch
):
    bases = (f"52263619800202{n:03d}" for n in range(1000))
    in_number = _id_number("52263619800101123")
    ending_x = next(i for i in map(_id_number, bases) if i.endswith("X"))
    in_person = _id_number("52263619900303456")
    head, spouse, second, third = snapshot()
    spouse["人编号"] = in_person
    second["户编号"] = in_number
    third["户编号"] = ending_x.lower()
    seen_while_checking = []
    check = imports.check_households

    def check_and_look(batch, **options):
        seen_while_checking.append(_database_text())
        return check(batch, **options)

    monkeypatch.setattr(imports, "check_households", check_and_look)

    batch = run(write_csv(tmp_path / "export.csv", [head, spouse, second, third]))

    def masked(id_number):
        return id_number[:6] + "********" + id_number[-4:]

    reason = (
        "This is an ID number (证件号码), not the registry's number; it is not kept."
    )
    assert list(
        batch.errors.values_list("row_number", "registry_number", "column", "value")
    ) == [
        (3, FIRST, "人编号", masked(in_person)),
        (4, masked(in_number), "户编号", masked(in_number)),
        (5, masked(ending_x.lower()), "户编号", masked(ending_x.lower())),
    ]
    assert set(batch.errors.values_list("reason", flat=True)) == {reason}
    assert Household.objects.count() == 0
    for text in [*seen_while_checking, _database_text()]:
        for id_number in (in_number, in_person, ending_x, ending_x.lower()):
            assert id_number not in text


def _database_text() -> str:
    """Return every text value of every table, joined."""
    from django.db import connection

    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(parts)


# Exports list a household's members one after another; a file sorted by
# another column in Excel scatters them, and reads the same.


def rows_apart(*, size_on_spouse="2", head_last=False, without_head=False):
    """Rows of snapshot() with the first household's two rows set apart."""
    head, spouse, second, third = snapshot()
    spouse["人数"] = size_on_spouse
    if without_head:
        head = {**spouse, "人编号": FIRST + "03", "证件号码": CHILD_ID}
        head["与户主关系"] = "子女"
    if head_last:
        return [spouse, second, third, head]
    return [head, second, third, spouse]


def test_a_household_whose_rows_are_apart_is_read_as_one(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", rows_apart())

    batch = run(path)

    assert batch.status == ImportBatch.Status.APPLIED
    assert (batch.rows_read, batch.households, batch.new) == (4, 3, 3)
    assert (batch.rejected, batch.row_errors) == (0, 0)
    household = Household.objects.get(registry_number=FIRST)
    assert (household.size, household.head_id_masked) == (
        2,
        HEAD_ID[:6] + "********" + HEAD_ID[-4:],
    )
    assert history(FIRST) == []


def test_a_member_apart_from_a_later_head_is_checked_against_it(tmp_path, danzhai):
    rows = rows_apart(size_on_spouse="3", head_last=True)
    path = write_csv(tmp_path / "export.csv", rows)

    batch = run(path)

    assert list(
        batch.errors.values_list("row_number", "column", "value", "reason")
    ) == [
        (
            2,
            "人数",
            "3",
            "The head's row (row 5) says “2”; a household has one value for "
            "this column.",
        )
    ]
    assert list(batch.errors.values_list("registry_number", flat=True)) == [FIRST]
    assert (batch.households, batch.new, batch.rejected) == (3, 2, 1)
    assert not Household.objects.filter(registry_number=FIRST).exists()


def test_a_household_apart_without_a_head_is_rejected_once(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", rows_apart(without_head=True))

    batch = run(path)

    assert list(
        batch.errors.values_list("row_number", "column", "value", "reason")
    ) == [(2, "与户主关系", "子女", "No member of this household is its head (户主).")]
    assert list(batch.errors.values_list("registry_number", flat=True)) == [FIRST]
    assert (batch.households, batch.new, batch.rejected) == (3, 2, 1)


def test_households_under_one_mangled_number_apart_are_not_taken_for_one(
    tmp_path, danzhai
):
    # Excel wrote the first and third households' numbers as the same
    # 5.22636E+16; their rows are apart, so they are read a second time.
    mangled = "5.22636E+16"
    head, spouse, second, third = snapshot(first={"户编号": mangled})
    third["户编号"] = mangled
    path = write_csv(tmp_path / "export.csv", [head, second, third, spouse])

    batch = run(path)

    # Two heads under one number are no error of their own.
    assert list(batch.errors.values_list("row_number", "column", "value")) == [
        (2, "户编号", mangled),
        (4, "户编号", mangled),
        (5, "户编号", mangled),
    ]
    assert (batch.new, batch.rejected) == (1, 1)
    assert list(Household.objects.values_list("registry_number", flat=True)) == [SECOND]


def test_a_row_without_a_registry_number_is_rejected_alone(tmp_path, danzhai):
    path = write_csv(tmp_path / "export.csv", snapshot(second={"户编号": ""}))

    batch = run(path)

    assert list(
        batch.errors.values_list("row_number", "column", "value", "reason")
    ) == [(4, "户编号", "", "No registry number.")]
    assert (batch.households, batch.new, batch.rejected) == (3, 2, 1)
    assert sorted(Household.objects.values_list("registry_number", flat=True)) == [
        FIRST,
        THIRD,
    ]


def test_the_nightly_recheck_is_scheduled_and_follows_the_registry(settings):
    from celery.schedules import crontab

    from shop.celery import app

    # A link made since the last import to a household that has exited,
    # and a flag a household no longer deserves (it was monitored since).
    exited = factories.HouseholdFactory(status=Household.Status.OUT_UNSUPPORTED)
    new_link = factories.BenefitLinkFactory(household=exited)
    monitored = factories.HouseholdFactory(
        status=Household.Status.OUT_UNSUPPORTED,
        monitoring_kind=Household.Monitoring.MARGINAL,
    )
    old_flag = factories.BenefitLinkFactory(
        household=monitored, flag_reason=BenefitLink.FlagReason.INELIGIBLE
    )
    entry = settings.CELERY_BEAT_SCHEDULE["recheck-benefit-links"]

    # The task beat sends, looked up by its name as a worker would after
    # importing the apps' task modules.
    app.loader.import_default_modules()
    answer = app.tasks[entry["task"]].apply().get()

    assert entry["schedule"] == crontab(hour=2, minute=30)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert answer == {"flagged": 1, "cleared": 1}
    new_link.refresh_from_db()
    old_flag.refresh_from_db()
    assert (new_link.flag_reason, new_link.flagged_by_batch) == ("ineligible", None)
    assert old_flag.flag_reason == ""


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_fails_the_batch_and_applies_nothing(
    tmp_path, danzhai, monkeypatch, caplog
):
    run(write_csv(tmp_path / "2023.csv", snapshot()))

    def broken(cursor, sql, batch):
        raise RuntimeError("disk full")

    # After the changed households are written, in the apply's transaction.
    monkeypatch.setattr("catalog.registry.imports._insert_new", broken)
    batch = run(write_csv(tmp_path / "2024.csv", mid_2024()))

    assert (batch.status, batch.failure, batch.is_finished) == ("failed", "error", True)
    assert batch.message == (
        "The import stopped on an unexpected error and nothing was applied; "
        f"the error is in the log under import {batch.pk}."
    )
    first = Household.objects.get(registry_number=FIRST)
    assert first.status == Household.Status.OUT_SUPPORTED
    assert HouseholdChange.objects.count() == 0
    assert not batch.household_changes.exists()
    assert f"registry import failed batch={batch.pk}" in caplog.text
    assert "disk full" in caplog.text


def test_an_import_finishing_a_killed_one_closes_it_and_deletes_its_upload(
    tmp_path, danzhai, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "2023.csv", snapshot())
    upload = tmp_path / "upload-of-the-killed-run.csv"
    upload.write_bytes(path.read_bytes())
    killed = import_batch_create(
        path=upload, file_name=path.name, source="upload", stored_path=str(upload)
    )
    ImportBatch.objects.filter(pk=killed.pk).update(status="checking")

    with django_capture_on_commit_callbacks(execute=True):
        finished = run(path)

    killed.refresh_from_db()
    assert finished.status == "applied"
    assert (killed.status, killed.stored_path, killed.is_finished) == (
        "interrupted",
        "",
        True,
    )
    assert killed.message == (
        f"Interrupted; import {finished.pk} of the same file finished it."
    )
    assert not upload.exists()


def test_a_redelivered_task_of_a_finished_import_does_nothing(tmp_path, danzhai):
    from catalog.tasks import registry_import_task

    path = write_csv(tmp_path / "2023.csv", snapshot())
    batch = run(path)
    upload = tmp_path / "kept.csv"
    upload.write_bytes(path.read_bytes())
    ImportBatch.objects.filter(pk=batch.pk).update(stored_path=str(upload))

    answer = registry_import_task.apply(args=[batch.pk]).get()

    assert answer == "applied"
    assert ImportBatch.objects.count() == 1
    assert list(HouseholdChange.objects.all()) == []
    batch.refresh_from_db()
    assert (batch.status, batch.stored_path, upload.exists()) == ("applied", "", False)


def _id_number(first17: str) -> str:
    # GB 11643's check character, worked out here, apart from the importer.
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def _county_of(count: int, date: str = "2023/12/31") -> list[dict]:
    """Return one-person households 1..count of 马寨村."""
    return [
        person(
            **{
                "户编号": f"5226361002029{n:04d}",
                "人编号": f"5226361002029{n:04d}01",
                "证件号码": _id_number(f"52263619700101{n:03d}"),
                "数据日期": date,
            }
        )
        for n in range(1, count + 1)
    ]


def test_a_few_households_imported_as_a_whole_export_are_refused(tmp_path, danzhai):
    run(write_csv(tmp_path / "county.csv", _county_of(15)))
    # Three households, their statuses changed: a list, not an export.
    listed = _county_of(3, "2024/6/30")
    for row in listed:
        row["户类型"] = "低保脱贫户(不再享受政策)"
    path = write_csv(tmp_path / "three.csv", listed)

    refused = run(path)
    partial = run(path, scope=ImportBatch.Scope.PARTIAL)

    assert (refused.status, refused.failure) == ("rejected", "partial_list")
    assert refused.message == (
        "This file leaves out 12 of the 15 households kept for its counties: "
        "imported as a whole export, it would mark them all not seen. Nothing "
        "was applied. If it lists only some households, import it again as a "
        "partial list."
    )
    assert (refused.new, refused.changed, refused.not_seen) == (0, 0, 0)
    assert not refused.household_changes.exists()
    assert partial.status == "applied"
    assert (partial.changed, partial.unchanged, partial.not_seen) == (3, 0, 0)
    assert Household.objects.filter(is_seen=True).count() == 15
    exited = Household.objects.filter(status=Household.Status.OUT_UNSUPPORTED)
    assert exited.count() == 3


def test_a_file_read_as_a_partial_list_is_read_again_as_a_whole_export(
    tmp_path, danzhai
):
    run(write_csv(tmp_path / "county.csv", _county_of(50)))
    path = write_csv(tmp_path / "later.csv", _county_of(45, "2024/6/30"))

    partial = run(path, scope=ImportBatch.Scope.PARTIAL)
    whole = run(path)
    again = run(path, scope=ImportBatch.Scope.PARTIAL)

    assert (partial.status, partial.not_seen) == ("applied", 0)
    # Only the whole export marks the five it leaves out.
    assert (whole.status, whole.unchanged, whole.not_seen) == ("applied", 45, 5)
    assert again.status == "duplicate"
    assert Household.objects.filter(is_seen=False).count() == 5


def test_an_export_in_order_is_not_searched_for_repeats(tmp_path, danzhai, monkeypatch):
    # Households and people by ascending number, as exports list them.
    def searched(*args):
        raise AssertionError("searched the whole file")

    monkeypatch.setattr("catalog.registry.imports._repeated_people", searched)
    monkeypatch.setattr("catalog.registry.imports._reread_scattered", searched)

    batch = run(write_csv(tmp_path / "county.csv", _county_of(30)))

    assert (batch.status, batch.new, batch.row_errors) == ("applied", 30, 0)


def test_a_person_number_again_in_an_export_otherwise_in_order_is_found(
    tmp_path, danzhai
):
    rows = _county_of(30)
    # The 20th household's person has the 5th's number (row 6).
    rows[19]["人编号"] = rows[4]["人编号"]

    batch = run(write_csv(tmp_path / "county.csv", rows))

    assert list(batch.errors.values_list("row_number", "column", "reason")) == [
        (21, "人编号", "This person number is already on row 6.")
    ]
    assert (batch.new, batch.rejected) == (29, 1)


def test_the_order_of_two_parts_of_a_file():
    first = Order(
        first_household="01",
        last_household="05",
        first_person="0101",
        last_person="0502",
    )
    after = Order(
        first_household="06",
        last_household="09",
        first_person="0601",
        last_person="0901",
    )
    # The second part starts with a household the first had.
    again = Order(
        first_household="03",
        last_household="09",
        first_person="0301",
        last_person="0901",
    )
    unsorted = Order(
        households_ascending=False,
        first_household="06",
        last_household="09",
        first_person="0601",
        last_person="0901",
    )

    whole = first.then(after)

    assert (whole.households_ascending, whole.people_ascending) == (True, True)
    assert (whole.first_household, whole.last_household) == ("01", "09")
    assert (whole.first_person, whole.last_person) == ("0101", "0901")
    assert (
        first.then(again).households_ascending,
        first.then(again).people_ascending,
    ) == (
        False,
        False,
    )
    assert first.then(unsorted).households_ascending is False
    assert first.then(unsorted).people_ascending is True
    assert Order().then(after) == after
    assert after.then(Order()) == after


def test_a_whole_export_may_leave_out_a_fifth(tmp_path, danzhai):
    run(write_csv(tmp_path / "county.csv", _county_of(50)))

    batch = run(write_csv(tmp_path / "later.csv", _county_of(40, "2024/6/30")))

    assert (batch.status, batch.not_seen, batch.unchanged) == ("applied", 10, 40)


def test_a_file_whose_every_household_is_rejected_applies_nothing(tmp_path, danzhai):
    rows = snapshot()
    for row in rows:
        row["证件号码"] = row["证件号码"][:-1] + "0"

    batch = run(write_csv(tmp_path / "bad.csv", rows))

    assert (batch.status, batch.households, batch.rejected) == ("rejected", 3, 3)
    assert batch.message == (
        "All 3 households in the file have rows with errors; nothing was applied."
    )
    assert Household.objects.count() == 0


def test_a_file_imported_before_says_what_it_held(tmp_path, danzhai):
    path = write_csv(tmp_path / "2023.csv", snapshot())
    first = run(path)

    again = run(path)

    assert again.status == "duplicate"
    assert (again.snapshot_date, again.file_format, again.county_codes) == (
        first.snapshot_date,
        "csv/utf-8-sig",
        ["522636"],
    )
