"""Write the small registry export files of this folder; see README.md.

Run from the project root (Django is not needed), then commit the files:

    .venv/bin/python tests/catalog/registry_files/make_files.py

Nothing is random: every household is spelt out below, so each run writes
the same bytes (XLSX files carry a fixed creation time). All people and ID
numbers are invented; the villages are those of the demo divisions
(catalog/data/demo/divisions.json). Registry numbers use the sequences
90001 and up, which the demo registry.csv never uses.
"""

import codecs
import csv
import datetime
import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
DATA_DATE = "2024/6/30"
FIXED_TIME = datetime.datetime(2024, 7, 1, 9, 0, 0)
MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

from catalog.registry.layout import EXPORT_COLUMNS as HEADER  # noqa: E402

NOTES = (
    "填表说明",
    "1. 本表由县级乡村振兴部门从全国防返贫监测信息系统导出。",
    "2. 一人一行，户信息在每名家庭成员行重复。",
    "3. 与户主关系为“户主”的行为户主行。",
    "4. 证件号码为18位居民身份证号码。",
)


def id_check_char(first17: str) -> str:
    """Return the GB 11643 check character of 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def id_number(county: str, birth: str, order: int) -> str:
    """Return a valid ID number: county, birth (YYYYMMDD), order, check."""
    first17 = f"{county}{birth}{order:03d}"
    return first17 + id_check_char(first17)


def schooling(age: int) -> tuple[str, str]:
    """Return 文化程度 and 在校生状况 for someone of age."""
    if age < 12:
        return "小学", "小学"
    if age < 15:
        return "初中", "初中"
    if age < 18:
        return "高中", "高中"
    return ("初中" if age <= 65 else "文盲或半文盲"), "非在校生"


def member(name, relation, county, birth, order, extra=("健康", "普通劳动力")):
    """Return one person: name, relation, ID and own columns."""
    health, skill = extra
    education, student = schooling(2024 - int(birth[:4]))
    months = "0" if skill == "无劳动力" else "8"
    return {
        "姓名": name,
        "证件号码": id_number(county, birth, order),
        "与户主关系": relation,
        "民族": "汉族",
        "文化程度": education,
        "在校生状况": student,
        "健康状况": health,
        "劳动技能": skill,
        "务工时间（月）": months,
        "是否参加大病保险": "是",
        "人联系电话": "",
    }


def house(place, sequence, members, **fields):
    """Return a household: its shared columns and its members, head first."""
    county, township, village, village_code = place
    shared = {
        "数据日期": DATA_DATE,
        "县(市、区、旗)": county,
        "乡(镇)": township,
        "行政村": village,
        "自然村": "一组",
        "户编号": f"{village_code}{sequence}",
        "人数": str(len(members)),
        "致贫原因1": "因病",
        "危房户": "否",
        "是否解决安全饮用水": "是",
        "人均纯收入": "9120.50",
        "户联系电话": "139****2046",
        "首次识别时间": "2015/12/15",
        "户类型": "一般脱贫户",
        "易返贫致贫户(监测对象)类型": "",
        "风险是否消除": "",
        "风险识别时间": "",
        "风险消除时间": "",
    }
    shared.update(fields)
    shared.setdefault("人员识别时间", shared["首次识别时间"])
    return {"shared": shared, "members": members}


def rows_of(*households) -> list[dict]:
    """Return the person rows of households, 人编号 and 序号 filled in."""
    rows = []
    for household in households:
        shared = household["shared"]
        for n, person in enumerate(household["members"], start=1):
            row = {**shared, "人编号": f"{shared['户编号']}{n:02d}", **person}
            rows.append({**row, "序号": str(len(rows) + 1)})
    return rows


DANZHAI, DAFANG, YANCHI = "522636", "520521", "640323"
QINGGANG = ("丹寨县", "龙泉镇", "青杠村", "522636100201")
MAZHAI = ("丹寨县", "龙泉镇", "马寨村", "522636100202")
CHAYUAN = ("丹寨县", "兴仁镇", "茶园村", "522636101201")
XINQIAO = ("丹寨县", "兴仁镇", "新桥村", "522636101202")
MANIAO = ("丹寨县", "排调镇", "麻鸟村", "522636102201")
YANGJIA = ("丹寨县", "排调镇", "羊甲村", "522636102202")
HONGYAN = ("大方县", "羊场镇", "红岩村", "520521101201")
SHUANGLONG = ("大方县", "羊场镇", "双龙村", "520521101202")
QINGKOU = ("大方县", "猫场镇", "箐口村", "520521102201")
XINCHANG = ("大方县", "猫场镇", "新场村", "520521102202")
QINGSHAN = ("大方县", "理化苗族彝族乡", "青山村", "520521201201")
CHANGCHENG = ("盐池县", "花马池镇", "长城村", "640323101201")
# Names that are not where the row puts them: 茶园村 lies in 兴仁镇, not
# 龙泉镇, and 羊场镇 in 大方县, not 丹寨县. Their codes are invented.
CHAYUAN_IN_LONGQUAN = ("丹寨县", "龙泉镇", "茶园村", "522636100203")
YANGCHANG_IN_DANZHAI = ("丹寨县", "羊场镇", "红岩村", "522636199201")

FRAIL = ("长期慢性病", "弱劳动力或半劳动力")
NONE = ("健康", "无劳动力")


def household_a(**fields):
    """丹寨县 青杠村: three members, 一般脱贫户."""
    return house(
        QINGGANG,
        "90001",
        [
            member("杨光明", "户主", DANZHAI, "19680312", 11),
            member("王秀英", "配偶", DANZHAI, "19700708", 22),
            member("杨海", "之子", DANZHAI, "19941102", 31),
        ],
        **fields,
    )


def household_b(**fields):
    """丹寨县 茶园村: one member, 特困供养, monitored, risk not eliminated."""
    options = {
        "致贫原因1": "因残",
        "户联系电话": "187****5310",
        "首次识别时间": "2014/10/5",
        "户类型": "特困供养脱贫户",
        "易返贫致贫户(监测对象)类型": "脱贫不稳定户",
        "风险是否消除": "否",
        "风险识别时间": "2022/3/15",
    }
    return house(
        CHAYUAN,
        "90001",
        [member("吴桂珍", "户主", DANZHAI, "19480520", 42, NONE)],
        **{**options, **fields},
    )


def household_c(**fields):
    """大方县 红岩村: four members, 低保返贫户, monitored."""
    options = {
        "致贫原因1": "缺劳力",
        "户联系电话": "151****7782",
        "首次识别时间": "2016/3/1",
        "户类型": "低保返贫户",
        "易返贫致贫户(监测对象)类型": "脱贫不稳定户",
        "风险是否消除": "否",
        "风险识别时间": "2023/5/10",
    }
    return house(
        HONGYAN,
        "90001",
        [
            member("陈德海", "户主", DAFANG, "19750909", 51, FRAIL),
            member("李春兰", "配偶", DAFANG, "19770130", 62),
            member("陈小军", "之子", DAFANG, "20060601", 71, NONE),
            member("陈丽", "之女", DAFANG, "20121224", 82, NONE),
        ],
        **{**options, **fields},
    )


def household_d(**fields):
    """盐池县 长城村: two members, no longer supported, risk eliminated."""
    options = {
        "致贫原因1": "缺水",
        "户联系电话": "135****0917",
        "首次识别时间": "2015/11/20",
        "户类型": "一般脱贫户(不再享受政策)",
        "易返贫致贫户(监测对象)类型": "边缘易致贫户",
        "风险是否消除": "是",
        "风险识别时间": "2021/9/1",
        "风险消除时间": "2022/6/30",
    }
    return house(
        CHANGCHENG,
        "90001",
        [
            member("马福成", "户主", YANCHI, "19600214", 91, FRAIL),
            member("马玉兰", "配偶", YANCHI, "19620803", 102),
        ],
        **{**options, **fields},
    )


def valid_households() -> list[dict]:
    """Return the four households of valid.csv."""
    return [household_a(), household_b(), household_c(), household_d()]


def table(rows: list[dict], header=HEADER) -> list[list[str]]:
    """Return the header and rows as lists of cells in header's order."""
    return [list(header)] + [[row.get(c, "") for c in header] for row in rows]


def write_csv(name: str, lines: list[list[str]], encoding="utf-8") -> None:
    """Write lines as CSV (CRLF line ends) in encoding."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(lines)
    data = buffer.getvalue().encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    (HERE / name).write_bytes(data)


def new_workbook() -> openpyxl.Workbook:
    """Return an empty workbook whose metadata never changes."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "make_files.py"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    return workbook


def add_sheet(workbook, title: str, lines: list[list]) -> None:
    """Add a sheet holding lines, one list of cells per row."""
    sheet = workbook.create_sheet(title)
    for line in lines:
        sheet.append(line)


def add_notes(workbook) -> None:
    """Add the 填表说明 sheet of notes a county office puts first."""
    add_sheet(workbook, "填表说明", [[note] for note in NOTES])


def save(workbook, name: str) -> None:
    """Save workbook under name with fixed timestamps inside the zip."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    (HERE / name).write_bytes(fixed_zip(buffer.getvalue()))


def fixed_zip(data: bytes) -> bytes:
    """Return the zip data dated FIXED_TIME, in its members and metadata."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the time of saving as the modified time.
                content = MODIFIED_RE.sub(rb"\g<1>2024-07-01T09:00:00Z\2", content)
            info.date_time = FIXED_TIME.timetuple()[:6]
            target.writestr(info, content)
    return out.getvalue()


def typed(line: list[str]) -> list:
    """Return a data row as Excel holds it: 序号 and 人数 as numbers."""
    cells = list(line)
    for column in ("序号", "人数"):
        cells[HEADER.index(column)] = int(cells[HEADER.index(column)])
    return cells


def make_valid() -> None:
    """valid.csv, valid_bom.csv, valid_gbk.csv and valid.xlsx."""
    lines = table(rows_of(*valid_households()))
    write_csv("valid.csv", lines)
    write_csv("valid_bom.csv", lines, "utf-8-sig")
    write_csv("valid_gbk.csv", lines, "gbk")
    workbook = new_workbook()
    add_sheet(workbook, "Sheet1", [lines[0], *map(typed, lines[1:])])
    save(workbook, "valid.xlsx")


def make_missing_columns() -> None:
    """missing_columns.csv: no 户编号 and no 证件号码 column."""
    header = [c for c in HEADER if c not in ("户编号", "证件号码")]
    write_csv("missing_columns.csv", table(rows_of(*valid_households()), header))


def make_merged_header() -> None:
    """merged_header.xlsx: a merged title row above the header."""
    maniao = house(
        MANIAO,
        "90001",
        [
            member("潘金福", "户主", DANZHAI, "19820415", 111),
            member("潘云", "之女", DANZHAI, "20150909", 122, NONE),
        ],
        户类型="低保脱贫户",
        致贫原因1="缺技术",
    )
    lines = table(rows_of(household_a(), household_b(), maniao))
    title = "丹寨县防返贫监测信息（数据日期 2024年6月30日）"
    workbook = new_workbook()
    add_sheet(workbook, "Sheet1", [[title], lines[0], *map(typed, lines[1:])])
    workbook["Sheet1"].merge_cells(
        start_row=1, start_column=1, end_row=1, end_column=32
    )
    save(workbook, "merged_header.xlsx")


def make_repeated_header() -> None:
    """repeated_header.csv: two exports pasted together, header and all."""
    first = table(rows_of(household_a(), household_b()))
    second = table(rows_of(household_c(), household_d()))
    write_csv("repeated_header.csv", first + second)


def make_empty_and_header_only() -> None:
    """empty.csv (0 bytes) and header_only.csv."""
    (HERE / "empty.csv").write_bytes(b"")
    write_csv("header_only.csv", table([]))


def make_sheets() -> None:
    """wrong_sheet.xlsx (no export at all) and second_sheet.xlsx."""
    workbook = new_workbook()
    add_notes(workbook)
    summary = [["乡(镇)", "行政村", "户数", "人数"], ["龙泉镇", "青杠村", 1, 3]]
    add_sheet(workbook, "汇总", summary + [["兴仁镇", "茶园村", 1, 1]])
    save(workbook, "wrong_sheet.xlsx")
    lines = table(rows_of(*valid_households()))
    workbook = new_workbook()
    add_notes(workbook)
    add_sheet(workbook, "监测对象", [lines[0], *map(typed, lines[1:])])
    save(workbook, "second_sheet.xlsx")


def make_bad_id() -> None:
    """bad_id.csv: a failed checksum, an impossible birth date, 17 chars."""
    rows = rows_of(*valid_households())
    good = rows[0]["证件号码"]
    rows[0]["证件号码"] = good[:17] + ("0" if good[17] != "0" else "1")
    rows[3]["证件号码"] = id_number(DANZHAI, "19480230", 42)
    rows[6]["证件号码"] = rows[6]["证件号码"][:17]
    write_csv("bad_id.csv", table(rows))


def make_contradicting_members() -> None:
    """contradicting_members.csv: the spouse's row disagrees with the head."""
    rows = rows_of(*valid_households())
    rows[1].update({"人数": "4", "户类型": "一般脱贫户(不再享受政策)"})
    write_csv("contradicting_members.csv", table(rows))


def make_duplicate_person_numbers() -> None:
    """duplicate_person_numbers.csv: 人编号 of row 3 again on row 8."""
    rows = rows_of(*valid_households())
    rows[6]["人编号"] = rows[1]["人编号"]
    write_csv("duplicate_person_numbers.csv", table(rows))


def make_excel_numbers() -> None:
    """excel_numbers.csv: numbers Excel rewrote, a registry number in words."""
    rows = rows_of(*valid_households())
    rows[3].update({"户编号": "5.22636E+16", "人编号": "5.22636E+18"})
    for row in rows[8:10]:
        row["户编号"] = "长城村一户"
    write_csv("excel_numbers.csv", table(rows))


def make_unknown_village() -> None:
    """unknown_village.csv: a village and a township not where they are."""
    wrong_village = house(
        CHAYUAN_IN_LONGQUAN,
        "90001",
        [
            member("罗永德", "户主", DANZHAI, "19710321", 131),
            member("罗兰", "之女", DANZHAI, "19990812", 142),
        ],
    )
    wrong_township = house(
        YANGCHANG_IN_DANZHAI,
        "90001",
        [member("蔡国华", "户主", DANZHAI, "19590105", 151, FRAIL)],
    )
    households = (household_a(), wrong_village, wrong_township, household_d())
    write_csv("unknown_village.csv", table(rows_of(*households)))


def dated_households() -> list[dict]:
    """Return the six households of excel_dates.xlsx, 首次识别时间 as given."""
    places = (MAZHAI, XINQIAO, YANGJIA, QINGKOU, XINCHANG, QINGSHAN)
    names = (
        ("田志平", "曾凤"),
        ("宋成",),
        ("唐清林", "韩春"),
        ("冯永红",),
        ("邓文", "曹琴"),
        ("彭庆",),
    )
    households = []
    for i, (place, people) in enumerate(zip(places, names, strict=True)):
        county = DANZHAI if place[0] == "丹寨县" else DAFANG
        members = [member(people[0], "户主", county, "19700101", 161 + 20 * i)]
        if len(people) > 1:
            members.append(member(people[1], "配偶", county, "19720202", 172 + 20 * i))
        households.append(house(place, "90001", members))
    return households


EXCEL_DATES = (
    datetime.datetime(2015, 12, 15),
    42369,
    "2020/1/5",
    "2020年1月5日",
    "2020/2/30",
    "去年",
)


def make_excel_dates() -> None:
    """excel_dates.xlsx: 首次识别时间 as date cells, serials and text."""
    households = dated_households()
    workbook = new_workbook()
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(HEADER)
    dated = (HEADER.index("首次识别时间"), HEADER.index("人员识别时间"))
    for household, value in zip(households, EXCEL_DATES, strict=True):
        for line in table(rows_of(household))[1:]:
            cells = typed(line)
            for column in dated:
                cells[column] = value
            sheet.append(cells)
    renumber(sheet)
    for row in sheet.iter_rows(min_row=2):
        for column in dated:
            if isinstance(row[column].value, datetime.datetime):
                row[column].number_format = "yyyy/m/d"
    save(workbook, "excel_dates.xlsx")


def renumber(sheet) -> None:
    """Number the data rows of sheet's 序号 column from 1."""
    for n, row in enumerate(sheet.iter_rows(min_row=2), start=1):
        row[0].value = n


def make_heads() -> None:
    """no_head.csv and two_heads.csv."""
    headless = house(
        MANIAO,
        "90002",
        [
            member("袁秀英", "配偶", DANZHAI, "19660918", 192),
            member("蒋明", "之子", DANZHAI, "19920227", 201),
        ],
    )
    rows = rows_of(household_a(), headless, household_d())
    write_csv("no_head.csv", table(rows))
    two_heads = house(
        SHUANGLONG,
        "90001",
        [
            member("谢建文", "户主", DAFANG, "19640730", 211),
            member("谢小光", "户主", DAFANG, "19890411", 221),
            member("梁红", "配偶", DAFANG, "19660506", 232),
        ],
    )
    rows = rows_of(household_a(), two_heads, household_d())
    write_csv("two_heads.csv", table(rows))


def main() -> None:
    """Write every file of this folder."""
    make_valid()
    make_missing_columns()
    make_merged_header()
    make_repeated_header()
    make_empty_and_header_only()
    make_sheets()
    make_bad_id()
    make_contradicting_members()
    make_duplicate_person_numbers()
    make_excel_numbers()
    make_unknown_village()
    make_excel_dates()
    make_heads()
    print(f"wrote the registry test files in {HERE}")


if __name__ == "__main__":
    main()
