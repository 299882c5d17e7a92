"""Staff upload exports in the dashboard; producers' staff see their flags."""

import datetime
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import BenefitLink, Household, ImportBatch
from catalog.registry.imports import import_batch_create
from tests import factories
from tests.catalog.test_registry_batches import (  # noqa: F401
    FIRST,
    SECOND,
    THIRD,
    bad_second_household,
    danzhai,
    mid_2024,
    run,
    snapshot,
)
from tests.catalog.test_registry_import import write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user(
        username="registry-office", password="x", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return client


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.REGISTRY_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def upload(
    client, path, policy="apply_valid", capture=None, scope="whole", force=False
):
    with capture(execute=True):
        return client.post(
            reverse("registry-dashboard:import-list"),
            {
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "policy": policy,
                "scope": scope,
                **({"force": "on"} if force else {}),
            },
        )


def test_an_upload_is_imported_shown_and_deleted(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
    upload_dir,
    django_capture_on_commit_callbacks,
):
    path = write_csv(tmp_path / "丹寨县2023.csv", bad_second_household())

    answer = upload(staff, path, capture=django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert answer.status_code == 302
    assert answer.url == reverse("registry-dashboard:import-detail", args=[batch.pk])
    assert (batch.status, batch.new, batch.rejected) == ("applied", 2, 1)
    assert (batch.source, batch.file_name, batch.stored_path) == (
        "upload",
        "丹寨县2023.csv",
        "",
    )
    assert list(upload_dir.iterdir()) == []
    with translation.override("zh-hans"):
        page = staff.get(answer.url).content.decode()
    assert "522636********0050" in page
    assert 'id="download-errors"' in page


def test_the_progress_of_an_import_answers_as_json(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
    upload_dir,
    django_capture_on_commit_callbacks,
):
    upload(
        staff,
        write_csv(tmp_path / "x.csv", snapshot()),
        capture=django_capture_on_commit_callbacks,
    )
    batch = ImportBatch.objects.get()

    answer = staff.get(reverse("registry-dashboard:import-progress", args=[batch.pk]))

    assert answer.json() == {
        "status": "applied",
        "status_display": batch.get_status_display(),
        "progress": 1.0,
        "is_finished": True,
        "stalled": "",
        "message": "",
        "rows_read": 4,
        "households": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "outdated": 0,
        "not_seen": 0,
        "rejected": 0,
        "row_errors": 0,
        "links_flagged": 0,
        "links_cleared": 0,
    }


def test_row_errors_download_from_the_dashboard(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
    upload_dir,
    django_capture_on_commit_callbacks,
):
    upload(
        staff,
        write_csv(tmp_path / "x.csv", bad_second_household()),
        capture=django_capture_on_commit_callbacks,
    )
    batch = ImportBatch.objects.get()

    answer = staff.get(reverse("registry-dashboard:import-errors", args=[batch.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [
        (4, SECOND, "证件号码", "522636********0050", "身份证号码校验位不符")
    ]
    assert answer["Content-Disposition"] == (
        f'attachment; filename="registry-import-{batch.pk}-errors.xlsx"'
    )


def test_an_empty_upload_is_refused_with_its_reason(staff, upload_dir):
    answer = staff.post(
        reverse("registry-dashboard:import-list"),
        {
            "file": SimpleUploadedFile("empty.csv", b""),
            "policy": "apply_valid",
            "scope": "whole",
        },
    )

    assert answer.status_code == 200
    assert answer.context["form"].errors == {"file": ["所提交的是空文件。"]}
    assert ImportBatch.objects.count() == 0


def test_only_staff_reach_the_imports(client):
    answer = client.get(reverse("registry-dashboard:import-list"))

    assert answer.status_code == 302
    assert "/login/" in answer.url


def test_a_producers_staff_see_only_their_own_flags(client):
    mine, theirs = factories.PartnerFactory(), factories.PartnerFactory()
    for producer in (mine, theirs):
        factories.BenefitLinkFactory(
            producer=producer,
            household=factories.HouseholdFactory(
                status=Household.Status.OUT_UNSUPPORTED
            ),
            flag_reason=BenefitLink.FlagReason.INELIGIBLE,
        )
    user = get_user_model().objects.create_user(username="coop", password="x")
    user.user_permissions.add(Permission.objects.get(codename="dashboard_access"))
    mine.users.add(user)
    client.force_login(user)

    page = client.get(reverse("registry-dashboard:flagged-links"))

    links = list(page.context["links"])
    assert [link.producer for link in links] == [mine]


def _english_run(path):
    with translation.override("en"):
        return run(path)


def test_the_changes_of_an_import_read_as_words_not_codes(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    newer = mid_2024()
    batch = _english_run(write_csv(tmp_path / "2024.csv", newer))

    page = staff.get(reverse("registry-dashboard:import-detail", args=[batch.pk]))

    with translation.override("en"):
        rows = [
            (c.household.registry_number, c.old_display(), c.new_display())
            for c in page.context["changes"]
        ]

    # By registry number.
    assert rows == [
        (SECOND, "青杠村 (522636100201)", "马寨村 (522636100202)"),
        (
            FIRST,
            "out of poverty, still supported",
            "out of poverty, no longer supported",
        ),
        (THIRD, "yes", "no"),
    ]
    text = page.content.decode()
    # The page is in the shop's language.
    assert "<td>已脱贫（享受政策）</td><td>已脱贫（不再享受政策）</td>" in text
    assert "<td>是</td><td>否</td>" in text
    assert 'class="text-muted small">前' not in text


def test_a_long_list_says_how_much_of_it_is_shown(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr("catalog.dashboard.views.SHOWN_ERRORS", 1)
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    newer = snapshot("2024/6/30", second={"行政村": "马寨村"}, third=False)
    batch = _english_run(write_csv(tmp_path / "2024.csv", newer))

    page = staff.get(reverse("registry-dashboard:import-detail", args=[batch.pk]))

    assert len(page.context["changes"]) == 1
    text = page.content.decode()
    assert text.count("前 1 条，共 2 条；全部请下载电子表格。") == 1


def test_the_admin_shows_a_households_history_and_keeps_it(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    batch = _english_run(write_csv(tmp_path / "2024.csv", snapshot(third=False)))
    third = Household.objects.get(registry_number=THIRD)
    page_url = reverse("admin:catalog_household_change", args=[third.pk])

    page = staff.get(page_url)
    change = third.changes.get()
    edit = staff.post(
        page_url,
        {
            "status": "0",
            "size": "9",
            "exit_year": "",
            "changes-TOTAL_FORMS": "1",
            "changes-INITIAL_FORMS": "1",
            "changes-0-id": str(change.pk),
            "changes-0-household": str(third.pk),
        },
    )
    delete = staff.get(reverse("admin:catalog_household_delete", args=[third.pk]))
    add = staff.get(reverse("admin:catalog_household_add"))

    with translation.override("en"):
        inline = page.context["inline_admin_formsets"][0]
        shown = [
            (form.original.batch_id, form.original.field, form.original.new_display())
            for form in inline
        ]
        titled = str(change)
    assert shown == [(batch.pk, "is_seen", "no")]
    assert titled == "in the latest registry export: yes → no"
    third.refresh_from_db()
    assert (edit.status_code, third.status, third.size) == (
        403,
        Household.Status.OUT_SUPPORTED,
        1,
    )
    assert (delete.status_code, add.status_code) == (403, 403)
    assert "_save" not in page.content.decode()


def test_the_admin_lists_the_households_an_export_left_out(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    _english_run(write_csv(tmp_path / "2024.csv", snapshot(third=False)))
    url = reverse("admin:catalog_household_changelist")

    page = staff.get(url + "?is_seen__exact=0")

    listed = [household.registry_number for household in page.context["cl"].result_list]
    filters = [spec.field_path for spec in page.context["cl"].filter_specs]
    assert listed == [THIRD]
    assert filters[0] == "is_seen"


def test_the_import_list_goes_back_page_by_page(staff):
    # 52 imports: the newest 50 on the first page, the oldest two after.
    ImportBatch.objects.bulk_create(
        ImportBatch(source="command", file_name=f"{n:02d}.csv", file_checksum="x")
        for n in range(1, 53)
    )
    url = reverse("registry-dashboard:import-list")

    first = staff.get(url).content.decode()
    second = staff.get(url + "?page=2").content.decode()

    def files(page):
        return re.findall(r">(\d\d)\.csv</a>", page)

    assert files(first) == [f"{n:02d}" for n in range(52, 2, -1)]
    assert files(second) == ["02", "01"]
    assert "?page=2" in first and "下一页" in first


def test_the_import_list_counts_households_older_than_kept(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    _english_run(write_csv(tmp_path / "2024.csv", mid_2024()))
    _english_run(write_csv(tmp_path / "2024-03.csv", snapshot("2024/3/31")[2:]))

    page = staff.get(reverse("registry-dashboard:import-list")).content.decode()

    row = re.search(r"2024-03\.csv</a></td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", row)
    # Date, started by, status, then new, changed, unchanged, older than
    # kept, not seen, rejected.
    assert cells[-6:] == ["0", "0", "0", "2", "0", "0"]


def test_the_changes_of_an_import_download_whole(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
    monkeypatch,
):
    # The page shows one change; the spreadsheet has all three.
    monkeypatch.setattr("catalog.dashboard.views.SHOWN_ERRORS", 1)
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    batch = _english_run(write_csv(tmp_path / "2024.csv", mid_2024()))
    page = staff.get(reverse("registry-dashboard:import-detail", args=[batch.pk]))

    answer = staff.get(reverse("registry-dashboard:import-changes", args=[batch.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("户编号", "行政村", "字段", "原值", "新值", "变更时间")
    assert [row[:5] for row in rows[1:]] == [
        (SECOND, "马寨村", "行政村", "青杠村 (522636100201)", "马寨村 (522636100202)"),
        (FIRST, "马寨村", "状态", "已脱贫（享受政策）", "已脱贫（不再享受政策）"),
        (THIRD, "马寨村", "在最新导出数据中", "是", "否"),
    ]
    local_day = timezone.localtime(batch.finished_at).date()
    assert {row[5].date() for row in rows[1:]} == {local_day}
    assert answer["Content-Disposition"] == (
        f'attachment; filename="registry-import-{batch.pk}-changes.xlsx"'
    )
    assert 'id="download-changes"' in page.content.decode()
    assert "前 1 条，共 3 条；全部请下载电子表格。" in page.content.decode()


def test_an_imports_flags_are_listed_whole_and_link_their_households(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    first = Household.objects.get(registry_number=FIRST)
    third = Household.objects.get(registry_number=THIRD)
    for household in (first, third):
        factories.BenefitLinkFactory(household=household)
    # Flagged before, in a county the export does not cover.
    _villages, elsewhere = danzhai
    earlier = factories.BenefitLinkFactory(
        household=factories.HouseholdFactory(
            village=elsewhere, status=Household.Status.OUT_UNSUPPORTED
        ),
        flag_reason=BenefitLink.FlagReason.INELIGIBLE,
    )
    batch = _english_run(write_csv(tmp_path / "2024.csv", mid_2024()))
    flags = reverse("registry-dashboard:flagged-links")

    page = staff.get(reverse("registry-dashboard:import-detail", args=[batch.pk]))
    of_batch = staff.get(flags, {"batch": batch.pk})
    every = staff.get(flags)

    text = page.content.decode()
    assert f'href="{flags}?batch={batch.pk}"' in text
    admin_page = reverse("admin:catalog_household_change", args=[first.pk])
    assert f'<a href="{admin_page}"' in text
    listed = sorted(
        link.household.registry_number for link in of_batch.context["links"]
    )
    assert listed == [FIRST, THIRD]
    assert len(every.context["links"]) == 3
    assert earlier in every.context["links"]


def test_the_admin_names_the_villages_of_a_move(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    _english_run(write_csv(tmp_path / "2023.csv", snapshot()))
    _english_run(write_csv(tmp_path / "2024.csv", mid_2024()))
    second = Household.objects.get(registry_number=SECOND)

    page = staff.get(reverse("admin:catalog_household_change", args=[second.pk]))

    text = page.content.decode()
    assert "青杠村 (522636100201)" in text
    assert "马寨村 (522636100202)" in text


def test_a_file_imported_before_links_the_import_that_applied_it(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
):
    path = write_csv(tmp_path / "2023.csv", snapshot())
    first = _english_run(path)
    again = _english_run(path)

    page = staff.get(reverse("registry-dashboard:import-detail", args=[again.pk]))
    applied = staff.get(reverse("registry-dashboard:import-detail", args=[first.pk]))

    link = reverse("registry-dashboard:import-detail", args=[first.pk])
    assert again.status == ImportBatch.Status.DUPLICATE
    assert f'<a id="earlier-import" href="{link}">查看导入 {first.pk}</a>' in (
        page.content.decode()
    )
    assert 'id="earlier-import"' not in applied.content.decode()


def test_an_import_nothing_moves_for_minutes_says_what_to_do(staff, tmp_path):
    path = write_csv(tmp_path / "2023.csv", snapshot())
    queued = import_batch_create(path=path, file_name=path.name, source="upload")
    stopped = import_batch_create(path=path, file_name=path.name, source="upload")
    moving = import_batch_create(path=path, file_name=path.name, source="upload")
    long_ago = timezone.now() - datetime.timedelta(minutes=12, seconds=30)
    ImportBatch.objects.filter(pk=queued.pk).update(created_at=long_ago)
    ImportBatch.objects.filter(pk=stopped.pk).update(
        status="checking", updated_at=long_ago, progress=1.0
    )
    ImportBatch.objects.filter(pk=moving.pk).update(
        status="reading", updated_at=timezone.now(), progress=0.5
    )

    def progress(batch):
        url = reverse("registry-dashboard:import-progress", args=[batch.pk])
        answer = staff.get(url).json()
        return answer["stalled"], answer["progress"]

    page = staff.get(reverse("registry-dashboard:import-detail", args=[stopped.pk]))

    assert progress(queued) == (
        "没有任何工作进程在 12 分钟内接手此次导入：Celery 工作进程是否在运行？",
        0.0,
    )
    stalled, done = progress(stopped)
    assert stalled == (
        "12 分钟内没有任何进展：工作进程可能已停止。在此文件的导入完成之前，"
        "建档立卡数据保持原样；此次导入交给工作进程 60 分钟后，会有工作进程"
        "重新接手，也可以重新上传此文件。"
    )
    # Reading fills four fifths of the bar; checking is past it.
    assert done == 0.85
    assert progress(moving) == ("", 0.4)
    assert f'id="import-stalled">{stalled}</div>' in page.content.decode()


def test_a_file_imported_before_is_read_again_when_staff_ask(
    staff,
    tmp_path,
    danzhai,  # noqa: F811
    upload_dir,
    django_capture_on_commit_callbacks,
):
    path = write_csv(tmp_path / "2023.csv", snapshot())
    upload(staff, path, capture=django_capture_on_commit_callbacks)
    upload(staff, path, capture=django_capture_on_commit_callbacks)
    upload(staff, path, capture=django_capture_on_commit_callbacks, force=True)

    page = staff.get(reverse("registry-dashboard:import-list")).content.decode()

    statuses = list(
        ImportBatch.objects.order_by("pk").values_list("status", "unchanged")
    )
    assert statuses == [("applied", 0), ("duplicate", 0), ("applied", 3)]
    assert page.count("<td>registry-office</td>") == 3


def test_products_none_of_whose_sales_count_are_shown_to_their_staff(client, staff):
    exited = factories.HouseholdFactory(status=Household.Status.OUT_UNSUPPORTED)
    counted = factories.HouseholdFactory()
    mine, theirs = factories.PartnerFactory(), factories.PartnerFactory()
    # Mine: one link to an exited household, one to a counted one whose
    # link has ended. Theirs: a link that counts.
    factories.BenefitLinkFactory(producer=mine, household=exited)
    factories.BenefitLinkFactory(
        producer=mine, household=counted, valid_until=datetime.date(2021, 1, 1)
    )
    factories.BenefitLinkFactory(producer=theirs, household=counted)
    by_links = factories.ProductFactory(producer=mine, title="蓝莓干")
    factories.ProductFactory(producer=theirs, title="茶叶")
    direct = factories.ProductFactory(
        producer=theirs,
        title="土鸡蛋",
        benefit_rule="direct",
        beneficiary=exited,
    )
    factories.ProductFactory(
        producer=mine, title="腊肉", benefit_rule="direct", beneficiary=counted
    )
    factories.ProductFactory(producer=mine, title="下架的", is_public=False)
    coop = get_user_model().objects.create_user(username="coop", password="x")
    coop.user_permissions.add(Permission.objects.get(codename="dashboard_access"))
    mine.users.add(coop)
    flags = reverse("registry-dashboard:flagged-links")

    for_staff = staff.get(flags).context["products"]
    client.force_login(coop)
    for_coop = client.get(flags).context["products"]

    assert sorted(p.title for p in for_staff) == sorted([by_links.title, direct.title])
    assert [p.title for p in for_coop] == [by_links.title]


def test_the_command_reports_in_the_shops_language(tmp_path, danzhai):  # noqa: F811
    from django.core.management import call_command

    first = tmp_path / "2023.csv"
    write_csv(first, snapshot())
    call_command("import_registry", str(first), verbosity=0, stdout=io.StringIO())
    bad = snapshot("2024/6/30", first={"户类型": "低保脱贫户(不再享受政策)"})
    bad[-1]["证件号码"] = bad[-1]["证件号码"][:-1] + "0"
    out = io.StringIO()

    call_command(
        "import_registry",
        str(write_csv(tmp_path / "2024.csv", bad)),
        verbosity=0,
        stdout=out,
    )

    batch = ImportBatch.objects.latest("pk")
    assert out.getvalue().splitlines() == [
        f"导入 {batch.pk}：已写入",
        "行 4，户 3：新增 0，变更 1，未变 1，旧于已存 0，未出现 0，拒绝 1；"
        "标记利益联结 0，解除 0",
        f"  第 5 行（户编号 {THIRD}）证件号码 “522636********0070”："
        "身份证号码校验位不符",
    ]


def test_the_command_says_once_why_nothing_was_applied(tmp_path, danzhai):  # noqa: F811
    from django.core.management import CommandError, call_command

    bad = snapshot()
    bad[-1]["证件号码"] = bad[-1]["证件号码"][:-1] + "0"
    out = io.StringIO()
    sheet = tmp_path / "errors.xlsx"

    with pytest.raises(CommandError) as refused:
        call_command(
            "import_registry",
            str(write_csv(tmp_path / "2023.csv", bad)),
            "--all-or-nothing",
            "--errors",
            str(sheet),
            verbosity=0,
            stdout=out,
        )
    good = write_csv(tmp_path / "good.csv", snapshot())
    out_good = io.StringIO()
    call_command(
        "import_registry", str(good), "--errors", str(sheet) + ".none", stdout=out_good
    )

    batch = ImportBatch.objects.order_by("pk").first()
    assert out.getvalue().splitlines() == [
        f"导入 {batch.pk}：1 户的数据行有错误；未导入任何数据。",
        f"  第 5 行（户编号 {THIRD}）证件号码 “522636********0070”："
        "身份证号码校验位不符",
        f"导入 {batch.pk} 的错误行已写入 {sheet}。",
    ]
    assert str(refused.value) == "未写入任何数据。"
    assert out_good.getvalue().splitlines()[-1] == f"没有错误行：未写入 {sheet}.none。"
    assert sheet.exists() and not Path(f"{sheet}.none").exists()


def test_the_command_writes_the_errors_of_a_file_imported_before(
    tmp_path,
    danzhai,  # noqa: F811
):
    from django.core.management import CommandError, call_command

    bad = write_csv(tmp_path / "2023.csv", bad_second_household())
    call_command("import_registry", str(bad), verbosity=0, stdout=io.StringIO())
    first = ImportBatch.objects.get()
    out = io.StringIO()
    sheet = tmp_path / "again.xlsx"

    call_command(
        "import_registry", str(bad), "--errors", str(sheet), verbosity=0, stdout=out
    )
    with pytest.raises(CommandError) as nowhere:
        call_command(
            "import_registry",
            str(bad),
            "--force",
            "--errors",
            str(tmp_path / "missing" / "x.xlsx"),
            verbosity=0,
            stdout=io.StringIO(),
        )

    rows = list(openpyxl.load_workbook(sheet).active.iter_rows(values_only=True))
    assert out.getvalue().splitlines()[-1] == (
        f"导入 {first.pk} 的错误行已写入 {sheet}。"
    )
    assert rows[1][:3] == (4, SECOND, "证件号码")
    assert (
        str(nowhere.value)
        == f"{tmp_path / 'missing'}：没有这个文件夹，无法写入错误行。"
    )
    # Refused before anything was read: no third import.
    assert ImportBatch.objects.count() == 2
