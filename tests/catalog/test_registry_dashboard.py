"""Staff upload exports in the dashboard; producers' staff see their flags."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from catalog.models import BenefitLink, Household, ImportBatch
from tests import factories
from tests.catalog.test_registry_batches import (  # noqa: F401
    FIRST,
    THIRD,
    bad_second_household,
    danzhai,
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


def upload(client, path, policy="apply_valid", capture=None):
    with capture(execute=True):
        return client.post(
            reverse("registry-dashboard:import-list"),
            {
                "file": SimpleUploadedFile(path.name, path.read_bytes()),
                "policy": policy,
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
        "message": "",
        "rows_read": 4,
        "households": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "not_seen": 0,
        "rejected": 0,
        "row_errors": 0,
        "links_flagged": 0,
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
    assert rows == [(4, "证件号码", "522636********0050", "身份证号码校验位不符")]
    assert answer["Content-Disposition"] == (
        f'attachment; filename="registry-import-{batch.pk}-errors.xlsx"'
    )


def test_an_empty_upload_is_refused_with_its_reason(staff, upload_dir):
    answer = staff.post(
        reverse("registry-dashboard:import-list"),
        {"file": SimpleUploadedFile("empty.csv", b""), "policy": "apply_valid"},
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
