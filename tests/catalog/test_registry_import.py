"""Reading the person-level registry export into households."""

import csv
import datetime
import hashlib
import hmac

import pytest
from django.utils import translation

from catalog.models import Household
from catalog.registry.importer import (
    EXPORT_COLUMNS,
    MissingColumns,
    RegistryFileError,
    RowError,
    import_registry_csv,
    parse_date,
)
from tests.factories import TownshipFactory, VillageFactory

HEAD_ID = "522636198001010016"
SPOUSE_ID = "522636198506120026"
CHILD_ID = "522636201003050032"
OTHER_HEAD_ID = "522636196209200055"


@pytest.fixture(autouse=True)
def _english():
    """Check messages against their English source; one test reads Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def villages():
    township = TownshipFactory(code="522636100", name="龙泉镇")
    return [
        VillageFactory(township=township, code="522636100201", name="青杠村"),
        VillageFactory(township=township, code="522636100202", name="马寨村"),
    ]


def person(**values: str) -> dict[str, str]:
    """Return a full export row: a head in 马寨村 unless values differ."""
    row = dict.fromkeys(EXPORT_COLUMNS, "")
    row.update(
        {
            "数据日期": "2023/12/31",
            "县(市、区、旗)": "丹寨县",
            "乡(镇)": "龙泉镇",
            "行政村": "马寨村",
            "户编号": "52263610020200001",
            "姓名": "张三丰",
            "证件号码": HEAD_ID,
            "人数": "1",
            "与户主关系": "户主",
            "健康状况": "长期慢性病",
            "户联系电话": "13912345678",
            "致贫原因1": "因病",
            "首次识别时间": "2014/10/5",
            "户类型": "低保脱贫户",
        }
    )
    row.update(values)
    return row


def two_households() -> list[dict[str, str]]:
    """Return a household of three and a household of one."""
    first = {"户编号": "52263610020200001", "人数": "3"}
    return [
        person(**first),
        person(**first, 姓名="李梅", 证件号码=SPOUSE_ID, 与户主关系="配偶"),
        person(**first, 姓名="张小龙", 证件号码=CHILD_ID, 与户主关系="之子"),
        person(
            户编号="52263610020100002",
            行政村="青杠村",
            姓名="王五",
            证件号码=OTHER_HEAD_ID,
            户类型="一般脱贫户（不再享受政策）",
            致贫原因1="缺技术",
        ),
    ]


def write_csv(path, rows, *, encoding="utf-8-sig", columns=EXPORT_COLUMNS):
    """Write rows under the given header and return the path."""
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected_hmac(id_number: str, key: str) -> str:
    return hmac.new(key.encode(), id_number.encode(), hashlib.sha256).hexdigest()


@pytest.mark.django_db
def test_import_reads_utf8_with_bom(tmp_path, villages, settings):
    settings.REGISTRY_HMAC_KEY = "test-key"
    path = write_csv(tmp_path / "export.csv", two_households())

    result = import_registry_csv(path)

    assert (result.encoding, result.new, result.rejected) == ("utf-8-sig", 2, 0)
    household = Household.objects.get(registry_number="52263610020200001")
    assert household.village == villages[1]
    assert household.size == 3
    assert household.status == Household.Status.OUT_SUPPORTED
    assert household.attribute == Household.Attribute.DIBAO
    assert household.main_cause == "01"
    assert household.first_identified_year == 2014
    assert household.snapshot_date == datetime.date(2023, 12, 31)
    assert household.head_name_masked == "张**"
    assert household.head_id_masked == "522636********0016"
    assert household.head_id_hmac == expected_hmac(HEAD_ID, "test-key")


@pytest.mark.django_db
def test_import_reads_plain_utf8(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", two_households(), encoding="utf-8")

    result = import_registry_csv(path)

    assert (result.encoding, result.new, result.rejected) == ("utf-8", 2, 0)
    assert Household.objects.count() == 2


@pytest.mark.django_db
def test_import_reads_gbk(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", two_households(), encoding="gbk")

    result = import_registry_csv(path)

    assert (result.encoding, result.new, result.rejected) == ("gb18030", 2, 0)
    household = Household.objects.get(registry_number="52263610020100002")
    assert household.village == villages[0]
    assert household.status == Household.Status.OUT_UNSUPPORTED
    assert household.head_name_masked == "王*"


@pytest.mark.django_db
def test_import_reads_an_open_binary_file(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", two_households())

    with open(path, "rb") as f:
        result = import_registry_csv(f)
        is_open = not f.closed

    assert (result.new, is_open) == (2, True)


@pytest.mark.django_db
def test_missing_columns_are_named_before_anything_is_written(tmp_path, villages):
    columns = [c for c in EXPORT_COLUMNS if c not in ("户编号", "证件号码")]
    path = write_csv(tmp_path / "export.csv", two_households(), columns=columns)

    with pytest.raises(MissingColumns) as raised:
        import_registry_csv(path)

    assert str(raised.value) == "The file lacks required columns: 户编号、证件号码."
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_missing_columns_are_named_in_chinese_by_default(tmp_path, villages):
    columns = [c for c in EXPORT_COLUMNS if c != "行政村"]
    path = write_csv(tmp_path / "export.csv", two_households(), columns=columns)

    with translation.override("zh-hans"), pytest.raises(MissingColumns) as raised:
        import_registry_csv(path)

    assert str(raised.value) == "文件缺少必需的列：行政村。"


@pytest.mark.django_db
def test_bad_checksum_rejects_the_household_naming_row_and_column(tmp_path, villages):
    rows = two_households()
    rows[3]["证件号码"] = "522636196209200056"
    path = write_csv(tmp_path / "export.csv", rows)

    result = import_registry_csv(path)

    assert (result.new, result.rejected) == (1, 1)
    assert result.errors == [
        RowError(5, "证件号码", "522636********0056", "ID number fails its checksum")
    ]
    assert "522636196209200056" not in repr(result)
    assert not Household.objects.filter(registry_number="52263610020100002").exists()


@pytest.mark.django_db
def test_unknown_village_is_rejected_with_the_township_s_villages(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", [person(行政村="高坡村")])

    result = import_registry_csv(path)

    reason = "No “高坡村” in 丹寨县龙泉镇; candidates: 青杠村、马寨村."
    assert result.errors == [RowError(2, "行政村", "高坡村", reason)]
    assert (result.new, result.rejected) == (0, 1)
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_unknown_township_is_rejected_with_the_county_s_townships(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", [person(**{"乡(镇)": "兴仁镇"})])

    result = import_registry_csv(path)

    reason = "No “兴仁镇” in 丹寨县; candidates: 龙泉镇."
    assert result.errors == [RowError(2, "乡(镇)", "兴仁镇", reason)]


@pytest.mark.django_db
def test_ambiguous_village_is_rejected_with_its_codes(tmp_path, villages):
    VillageFactory(township=villages[0].township, code="522636100203", name="马寨村")
    path = write_csv(tmp_path / "export.csv", [person()])

    result = import_registry_csv(path)

    reason = "“马寨村” is ambiguous: 522636100202, 522636100203."
    assert result.errors == [RowError(2, "行政村", "马寨村", reason)]


@pytest.mark.django_db
def test_household_without_head_is_rejected(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", [person(与户主关系="配偶")])

    result = import_registry_csv(path)

    reason = "No member of this household is its head (户主)."
    assert result.errors == [RowError(2, "与户主关系", "配偶", reason)]


@pytest.mark.django_db
def test_every_bad_column_of_the_head_row_is_reported(tmp_path, villages):
    row = person(人数="0", 户类型="一般农户", 首次识别时间="2014/13/1")
    path = write_csv(tmp_path / "export.csv", [row])

    result = import_registry_csv(path)

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "人数"),
        (2, "户类型"),
        (2, "首次识别时间"),
    ]
    assert result.rejected == 1


@pytest.mark.parametrize(
    "value",
    [
        "2014/10/5",
        "2014-10-05",
        "2014.10.5",
        "2014年10月5日",
        "2014/10/5 0:00:00",
        "20141005",
        "41917",
        "41917.0",
    ],
)
def test_parse_date_reads_what_excel_writes(value):
    assert parse_date(value) == datetime.date(2014, 10, 5)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2014/13/5", "Not a possible date."),
        ("2014/2/30", "Not a possible date."),
        ("5/10/2014", "Not a date Excel writes, such as 2020/1/5."),
        ("2014", "Not a date Excel writes, such as 2020/1/5."),
    ],
)
def test_parse_date_rejects_other_text(value, reason):
    with pytest.raises(ValueError) as raised:
        parse_date(value)

    assert str(raised.value) == reason


@pytest.mark.django_db
def test_import_reads_dates_in_excel_formats(tmp_path, villages):
    rows = two_households()
    for row in rows[:3]:
        row.update({"首次识别时间": "2015年3月2日", "数据日期": "45291"})
    rows[3].update({"首次识别时间": "41917", "数据日期": "2023-12-31"})
    path = write_csv(tmp_path / "export.csv", rows)

    import_registry_csv(path)

    found = Household.objects.values_list(
        "first_identified_year", "snapshot_date"
    ).order_by("registry_number")
    assert list(found) == [
        (2014, datetime.date(2023, 12, 31)),
        (2015, datetime.date(2023, 12, 31)),
    ]


@pytest.mark.parametrize(
    ("household_type", "status", "attribute"),
    [
        ("一般未脱贫户", 0, "general"),
        ("低保脱贫户", 1, "dibao"),
        ("特困供养返贫户", 3, "tekun"),
        ("一般脱贫户（不再享受政策）", 4, "general"),
        ("脱贫户(不再享受政策)", 4, "general"),
    ],
)
@pytest.mark.django_db
def test_household_type_gives_status_and_attribute(
    tmp_path, villages, household_type, status, attribute
):
    path = write_csv(tmp_path / "export.csv", [person(户类型=household_type)])

    import_registry_csv(path)

    household = Household.objects.get()
    assert (household.status, household.attribute) == (status, attribute)


@pytest.mark.django_db
def test_monitoring_columns_give_kind_and_risk(tmp_path, villages):
    row = person(
        **{"易返贫致贫户(监测对象)类型": "突发严重困难户", "风险是否消除": "否"}
    )
    path = write_csv(tmp_path / "export.csv", [row])

    import_registry_csv(path)

    household = Household.objects.get()
    assert household.monitoring_kind == Household.Monitoring.SUDDEN_HARDSHIP
    assert household.is_risk_eliminated is False
    assert household.is_monitored is True


@pytest.mark.django_db
def test_reimport_changes_nothing(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", two_households())
    import_registry_csv(path)
    before = list(Household.objects.order_by("pk").values())

    result = import_registry_csv(path)

    assert (result.new, result.changed, result.unchanged) == (0, 0, 2)
    assert list(Household.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_reimport_updates_a_changed_household(tmp_path, villages):
    rows = two_households()
    import_registry_csv(write_csv(tmp_path / "first.csv", rows))
    rows[3]["户类型"] = "一般返贫户"

    result = import_registry_csv(write_csv(tmp_path / "second.csv", rows))

    assert (result.new, result.changed, result.unchanged) == (0, 1, 1)
    household = Household.objects.get(registry_number="52263610020100002")
    assert household.status == Household.Status.RELAPSED


@pytest.mark.django_db
def test_no_id_number_name_health_or_phone_is_stored(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", two_households())

    import_registry_csv(path)

    stored = " ".join(str(v) for h in Household.objects.values() for v in h.values())
    for secret in (HEAD_ID, SPOUSE_ID, CHILD_ID, "张三丰", "长期慢性病", "13912345678"):
        assert secret not in stored


@pytest.mark.django_db
def test_unknown_county_is_rejected(tmp_path, villages):
    path = write_csv(tmp_path / "export.csv", [person(**{"县(市、区、旗)": "凯里市"})])

    result = import_registry_csv(path)

    reason = "No county named “凯里市”."
    assert result.errors == [RowError(2, "县(市、区、旗)", "凯里市", reason)]


@pytest.mark.django_db
def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf")

    with pytest.raises(RegistryFileError) as raised:
        import_registry_csv(path)

    assert str(raised.value) == "The file is empty."
    assert Household.objects.count() == 0
