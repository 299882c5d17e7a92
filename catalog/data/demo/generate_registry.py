"""Write the demo registry export: synthetic households, one row per person.

Run once from the project root, then commit the CSV it writes:

    .venv/bin/python -m catalog.data.demo.generate_registry

The output imitates the national monitoring system's person-level export
(DESIGN §4): the 32 Chinese headers in order, UTF-8 with a BOM, household
fields repeated on each member's row. Villages are the demo villages of
divisions.json, named rather than coded. Everything about the people is
invented: names, birth dates, ID numbers (which pass the GB 11643 checksum
and carry the county's area code), phone numbers (masked), statuses. A fixed
seed makes every run write the same file.
"""

import csv
import datetime
import json
import random
from pathlib import Path

from catalog.registry.codes import id_check_char

SEED = 20201123
HOUSEHOLDS_PER_VILLAGE = 8
DATA_DATE = "2023/12/31"
HERE = Path(__file__).resolve().parent
DIVISIONS = HERE / "divisions.json"
OUTPUT = HERE / "registry.csv"

# The foreign system's layout, kept literal here; a test checks it against
# the importer's EXPORT_COLUMNS.
HEADER = (
    "序号",
    "数据日期",
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工时间（月）",
    "是否参加大病保险",
    "致贫原因1",
    "危房户",
    "是否解决安全饮用水",
    "人均纯收入",
    "户联系电话",
    "人联系电话",
    "首次识别时间",
    "人员识别时间",
    "户类型",
    "易返贫致贫户(监测对象)类型",
    "风险是否消除",
    "风险识别时间",
    "风险消除时间",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾田潘袁蒋蔡余杜"
)
GIVEN = "国建文华明玉秀英兰芳军平志红春丽永德海金福荣桂珍凤成林云清小光庆琴"
ETHNICITIES = {
    "522636": (("苗族", 7), ("汉族", 2), ("水族", 1)),
    "520521": (("汉族", 6), ("彝族", 2), ("苗族", 2)),
    "640323": (("汉族", 9), ("回族", 1)),
}
CAUSES = (
    ("因病", 24),
    ("因残", 10),
    ("因学", 12),
    ("因灾", 3),
    ("缺土地", 4),
    ("缺水", 3),
    ("缺技术", 14),
    ("缺劳力", 9),
    ("缺资金", 12),
    ("交通条件落后", 3),
    ("自身发展动力不足", 3),
    ("其他", 1),
    ("因婚", 1),
    ("因产业项目失败", 1),
)
# 户类型 carries both the attribute (prefix) and the status (the rest);
# see README.md for the full mapping.
STATUS_WORDS = (
    ("脱贫户", 64),
    ("未脱贫户", 8),
    ("返贫户", 6),
    ("脱贫户（不再享受政策）", 22),
)
ATTRIBUTE_PREFIXES = (("一般", 75), ("低保", 18), ("特困供养", 7))
HAMLETS = "一二三四五六七八"


def pick(rng: random.Random, weighted: tuple) -> str:
    """Return one value of (value, weight) pairs."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def excel_date(day: datetime.date, style: int) -> str:
    """Return day written the way one of Excel's exports would write it."""
    if style == 0:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 1:
        return day.isoformat()
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return str((day - datetime.date(1899, 12, 30)).days)


def random_day(rng: random.Random, start: datetime.date, days: int) -> datetime.date:
    """Return a day within days of start."""
    return start + datetime.timedelta(days=rng.randrange(days))


def id_number(rng: random.Random, county: str, birth: datetime.date, male: bool):
    """Return a synthetic ID number that passes the GB 11643 checksum."""
    order = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{county}{birth:%Y%m%d}{order:03d}"
    return first17 + id_check_char(first17)


def member_plan(rng: random.Random, size: int, head_age: int) -> list[tuple]:
    """Return (relation, is_male, age) for each member, the head first."""
    plan = [("户主", rng.random() < 0.8, head_age)]
    if size >= 2:
        plan.append(("配偶", not plan[0][1], max(head_age + rng.randint(-5, 3), 20)))
    for _ in range(size - len(plan)):
        plan.append(relative(rng, head_age, plan))
    return plan


def relative(rng: random.Random, head_age: int, plan: list[tuple]) -> tuple:
    """Return a further member: a child, a grandchild or a parent."""
    children = sum(1 for relation, _, _ in plan if relation in ("之子", "之女"))
    male = rng.random() < 0.5
    if head_age >= 58 and children >= 2:
        return ("之孙子" if male else "之孙女", male, rng.randint(1, 14))
    if head_age <= 45 and children >= 2:
        return ("之父" if male else "之母", male, head_age + rng.randint(22, 30))
    return ("之子" if male else "之女", male, max(head_age - rng.randint(22, 34), 1))


def schooling(age: int) -> tuple[str, str]:
    """Return 文化程度 and 在校生状况 plausible for age."""
    if age < 6:
        return "学龄前儿童", "学前教育"
    if age < 12:
        return "小学", "小学"
    if age < 15:
        return "初中", "初中"
    if age < 18:
        return "高中", "高中"
    if age > 65:
        return "文盲或半文盲", "非在校生"
    return ("初中" if age < 50 else "小学"), "非在校生"


def labour(rng: random.Random, age: int) -> tuple[str, str, str]:
    """Return 健康状况, 劳动技能 and 务工时间（月） for a member."""
    health = pick(rng, (("健康", 80), ("长期慢性病", 12), ("患有大病", 4), ("残疾", 4)))
    if age < 16 or age > 70 or health in ("患有大病", "残疾"):
        return health, "无劳动力", "0"
    if age > 60 or health == "长期慢性病":
        return health, "弱劳动力或半劳动力", str(rng.randint(0, 4))
    skill = pick(rng, (("普通劳动力", 8), ("技能劳动力", 2)))
    return health, skill, str(rng.randint(3, 12))


def monitoring(rng: random.Random, status: str) -> tuple[str, str]:
    """Return the monitoring kind and 风险是否消除 for a household's status."""
    if status == "脱贫户" and rng.random() < 0.12:
        kind = "脱贫不稳定户"
    elif status == "返贫户" and rng.random() < 0.5:
        kind = pick(rng, (("脱贫不稳定户", 1), ("突发严重困难户", 1)))
    elif status.startswith("脱贫户（") and rng.random() < 0.3:
        kind = pick(rng, (("边缘易致贫户", 2), ("突发严重困难户", 1)))
    else:
        return "", ""
    return kind, ("是" if rng.random() < 0.3 else "否")


def household_fields(rng: random.Random, village: dict, number: str) -> dict:
    """Return the fields repeated on every member row of one household."""
    status = pick(rng, STATUS_WORDS)
    kind, eliminated = monitoring(rng, status)
    identified = random_day(rng, datetime.date(2014, 4, 1), 900)
    risk_day = random_day(rng, datetime.date(2021, 3, 1), 900) if kind else None
    cleared = risk_day + datetime.timedelta(days=200) if eliminated == "是" else None
    style = pick(rng, ((0, 70), (1, 15), (2, 10), (3, 5)))
    income = rng.randint(5200, 16800) + rng.randint(0, 99) / 100
    return {
        **village,
        "户编号": number,
        "致贫原因1": pick(rng, CAUSES),
        "危房户": "是" if rng.random() < 0.04 else "否",
        "是否解决安全饮用水": "是",
        "人均纯收入": f"{income:.2f}",
        "户联系电话": f"1{rng.randint(30, 99)}****{rng.randint(0, 9999):04d}",
        "首次识别时间": excel_date(identified, style),
        "人员识别时间": excel_date(identified, style),
        "户类型": pick(rng, ATTRIBUTE_PREFIXES) + status,
        "易返贫致贫户(监测对象)类型": kind,
        "风险是否消除": eliminated,
        "风险识别时间": excel_date(risk_day, 0) if risk_day else "",
        "风险消除时间": excel_date(cleared, 0) if cleared else "",
    }


SIZES = (("1", 8), ("2", 20), ("3", 27), ("4", 25), ("5", 14), ("6", 6))


def member_rows(rng: random.Random, county: str, fields: dict, seen: set) -> list:
    """Return the rows of one household's members, the head first."""
    size = int(pick(rng, SIZES))
    surname = rng.choice(SURNAMES)
    plan = member_plan(rng, size, rng.randint(28, 76))
    rows = []
    for index, member in enumerate(plan, start=1):
        row = {**fields, **person(rng, county, member, surname, seen)}
        row.update({"人编号": f"{fields['户编号']}{index:02d}", "人数": str(size)})
        rows.append(row)
    return rows


def person(
    rng: random.Random, county: str, member: tuple, surname: str, seen: set
) -> dict:
    """Return one member's own columns with a fresh name and ID number."""
    relation, male, age = member
    birth = random_day(rng, datetime.date(2023 - age, 1, 1), 365)
    number = id_number(rng, county, birth, male)
    while number in seen:
        number = id_number(rng, county, birth, male)
    seen.add(number)
    family = rng.choice(SURNAMES) if relation == "配偶" else surname
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    education, student = schooling(age)
    health, skill, months = labour(rng, age)
    return {
        "姓名": family + given,
        "证件号码": number,
        "与户主关系": relation,
        "民族": pick(rng, ETHNICITIES.get(county, (("汉族", 1),))),
        "文化程度": education,
        "在校生状况": student,
        "健康状况": health,
        "劳动技能": skill,
        "务工时间（月）": months,
        "是否参加大病保险": "是",
        "人联系电话": "",
    }


def villages(divisions: dict):
    """Yield (county code, location columns, village code) per village."""
    for province in divisions["provinces"]:
        for prefecture in province["prefectures"]:
            for county in prefecture["counties"]:
                for township in county["townships"]:
                    for village in township["villages"]:
                        names = {
                            "县(市、区、旗)": county["name"],
                            "乡(镇)": township["name"],
                            "行政村": village["name"],
                        }
                        yield county["code"], names, village["code"]


def generate_rows(divisions: dict) -> list[dict]:
    """Return every person row of the demo export, numbered from 1."""
    rng = random.Random(SEED)
    rows, seen = [], set()
    for county, names, code in villages(divisions):
        for n in range(1, HOUSEHOLDS_PER_VILLAGE + 1):
            hamlet = {**names, "自然村": f"{rng.choice(HAMLETS)}组"}
            fields = household_fields(rng, hamlet, f"{code}{n:05d}")
            rows.extend(member_rows(rng, county, fields, seen))
    for index, row in enumerate(rows, start=1):
        row.update({"序号": str(index), "数据日期": DATA_DATE})
    return rows


def main() -> None:
    """Write registry.csv beside this module."""
    divisions = json.loads(DIVISIONS.read_text(encoding="utf-8"))
    rows = generate_rows(divisions)
    with OUTPUT.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    households = len({row["户编号"] for row in rows})
    print(f"wrote {OUTPUT.name}: {households} households, {len(rows)} people")


if __name__ == "__main__":
    main()
