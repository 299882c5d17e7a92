"""Imports in real processes on PostgreSQL: killed midway, and in a worker.

A killed import leaves the registry as it was or as it is after; running
it again finishes it. An upload in the dashboard is imported by a real
Celery worker process over the local Redis. Both need the database to be
shared with another process, so they run on PostgreSQL only (CI's second
pass); the worker also needs Redis, and under CI its absence fails them.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from catalog.models import (
    Household,
    HouseholdChange,
    ImportBatch,
    ImportStagingPerson,
    ImportStagingRow,
)
from catalog.registry import halves, imports
from catalog.registry.codes import id_check_char
from catalog.tasks import registry_import_task
from shop.celery import app as celery_app
from tests import factories
from tests.catalog.test_registry_import import person, write_csv
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def database_url() -> str:
    """Return the URL of the test database, for another process."""
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def child_env(**extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(), **extra}
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def export_of(tmp_path, households: int) -> Path:
    """Write an export of one-member households in 马寨村, ids valid."""
    rows = []
    for number in range(households):
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=number // 900)
        base = f"522636{born:%Y%m%d}{number % 900 + 100:03d}"
        registry_number = f"522636100202{number:05d}"
        rows.append(
            person(
                **{
                    "户编号": registry_number,
                    "人编号": registry_number + "01",
                    "证件号码": base + id_check_char(base),
                }
            )
        )
    return write_csv(tmp_path / "export.csv", rows)


@pytest.fixture
def villages():
    township = factories.TownshipFactory(code="522636100", name="龙泉镇")
    return factories.VillageFactory(
        township=township, code="522636100202", name="马寨村"
    )


def wait_for(condition, timeout: float = 60.0, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("timed out")


def start_import(path: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own command, our own file
        [sys.executable, "manage.py", "import_registry", str(path), "-v", "0"],
        cwd=ROOT,
        env=child_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def status_of_latest() -> str | None:
    batch = ImportBatch.objects.order_by("-pk").first()
    return batch and batch.status


@pytest.mark.parametrize(
    ("killed_while", "in_halves"),
    [("reading", False), ("applying", False), ("reading", True)],
)
def test_a_killed_import_leaves_all_or_nothing_and_a_rerun_finishes_it(
    tmp_path, villages, postgres_only, killed_while, in_halves
):
    households = 40000
    path = export_of(tmp_path, households)
    # In halves, the process reading the second half must die with the
    # command, or it would go on staging rows nobody clears.
    split = {"REGISTRY_PARALLEL_FROM_BYTES": "0"} if in_halves else {}

    command = start_import(path, **split)
    wait_for(lambda: status_of_latest() == killed_while)
    command.send_signal(signal.SIGKILL)
    command.wait(timeout=30)

    killed = ImportBatch.objects.get()
    stored = Household.objects.count()
    if killed.status == ImportBatch.Status.APPLIED:
        assert stored == households
    else:
        # The common case: nothing of the import is in the registry.
        assert stored == 0
        assert HouseholdChange.objects.count() == 0

    rerun = start_import(path)
    assert rerun.wait(timeout=300) == 0

    batches = ImportBatch.objects.order_by("pk")
    assert Household.objects.count() == households
    finished = batches.filter(status="applied").get()
    assert Household.objects.filter(added_by=finished).count() == households
    assert ImportStagingRow.objects.count() == 0
    assert [b.status for b in batches][-1] in ("applied", "duplicate")
    if killed.status != ImportBatch.Status.APPLIED:
        assert batches.first().status == "interrupted"
        assert batches.first().failure == "interrupted"


@pytest.fixture
def redis_broker():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    except Exception as error:  # noqa: BLE001 - any failure means no Redis
        skip_or_fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    return REDIS_URL


def start_worker(broker: str, **env) -> subprocess.Popen:
    """Start a Celery worker process on the broker and the test database."""
    return subprocess.Popen(  # noqa: S603 - the project's own worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=child_env(
            CELERY_BROKER_URL=broker, CELERY_TASK_ALWAYS_EAGER="false", **env
        ),
    )


@pytest.fixture
def broker_for_this_process(redis_broker):
    """Send this process's tasks to the Redis broker, not run them here."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = redis_broker, False
    _forget_connections()
    yield redis_broker
    conf.broker_url, conf.task_always_eager = saved
    _forget_connections()


@pytest.fixture
def worker(broker_for_this_process, postgres_only):
    """Run a Celery worker process on Redis and the test database."""
    process = start_worker(broker_for_this_process)
    yield process
    process.terminate()
    process.wait(timeout=30)


def _forget_connections() -> None:
    # The app keeps the connection pools of the broker it was configured
    # with; new ones follow broker_url. (app.close() would also unregister
    # the app, and tasks would then go to Celery's default broker.)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def upload_as_staff(client, path: Path) -> None:
    staff = get_user_model().objects.create_user(
        username="office", password="x", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    client.post(
        reverse("registry-dashboard:import-list"),
        {
            "file": SimpleUploadedFile("export.csv", path.read_bytes()),
            "policy": "apply_valid",
            "scope": "whole",
        },
    )


def test_an_upload_is_imported_by_a_real_worker(
    client, tmp_path, villages, worker, settings
):
    settings.REGISTRY_UPLOAD_DIR = str(tmp_path / "uploads")
    upload_as_staff(client, export_of(tmp_path, 300))
    batch = wait_for(
        lambda: ImportBatch.objects.filter(status__in=ImportBatch.FINISHED).first(),
        step=0.1,
    )

    assert (batch.status, batch.new, batch.stored_path) == ("applied", 300, "")
    assert Household.objects.count() == 300
    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_killed_worker_leaves_the_registry_as_it_was_and_another_finishes(
    client, tmp_path, villages, broker_for_this_process, postgres_only, settings
):
    settings.REGISTRY_UPLOAD_DIR = str(tmp_path / "uploads")
    households = 40000
    path = export_of(tmp_path, households)
    # The task goes back to the queue 3 s after the worker that took it
    # stopped answering for it, not after an hour.
    soon = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    first = start_worker(broker_for_this_process, **soon)
    try:
        upload_as_staff(client, path)
        wait_for(lambda: status_of_latest() == "reading", timeout=120)
    finally:
        # Its pool is solo: the task runs in this very process.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    killed = ImportBatch.objects.get()
    assert killed.status in ("reading", "checking", "applying")
    assert (Household.objects.count(), HouseholdChange.objects.count()) == (0, 0)

    second = start_worker(broker_for_this_process, **soon)
    try:
        batch = wait_for(
            lambda: ImportBatch.objects.filter(status__in=ImportBatch.FINISHED).first(),
            timeout=180,
            step=0.2,
        )
    finally:
        second.terminate()
        second.wait(timeout=30)

    assert (batch.pk, batch.status, batch.new) == (killed.pk, "applied", households)
    assert Household.objects.filter(added_by=batch).count() == households
    assert ImportStagingRow.objects.count() == 0
    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_batch_another_process_runs_is_left_to_it_and_tried_again_later(
    tmp_path, villages, postgres_only
):
    path = export_of(tmp_path, 30)
    batch = imports.import_batch_create(
        path=path, file_name="export.csv", source="upload", stored_path=str(path)
    )
    other = imports.import_batch_create(
        path=path, file_name="again.csv", source="upload"
    )

    # This process stands for a worker still running the batch: the claim
    # is a lock of the database session, as another process's would be.
    with imports.batch_claim(batch.pk) as first:
        with imports.batch_claim(batch.pk) as second:
            pass
        with imports.batch_claim(other.pk) as another_batch:
            pass
        with pytest.raises(Retry):
            registry_import_task(batch.pk)
        left = ImportBatch.objects.get(pk=batch.pk)
        kept = path.exists()
    status = registry_import_task(batch.pk)

    assert (first, second, another_batch) == (True, False, True)
    # The running process still reads the file: it stays.
    assert (left.status, left.stored_path, kept) == ("queued", str(path), True)
    assert (status, Household.objects.count(), path.exists()) == ("applied", 30, False)


def valid_id(number: int) -> str:
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=number // 900)
    base = f"522636{born:%Y%m%d}{number % 900 + 100:03d}"
    return base + id_check_char(base)


def test_a_large_export_is_read_in_two_halves_like_in_one(
    tmp_path, villages, postgres_only, monkeypatch, settings
):
    # 2,000 households of two: household h's rows are 2 + 2h and 3 + 2h.
    rows = []
    for h in range(2000):
        registry_number = f"522636100202{h:05d}"
        for member, relation in enumerate(["户主", "配偶"]):
            rows.append(
                person(
                    户编号=registry_number,
                    人编号=f"{registry_number}{member + 1:02d}",
                    证件号码=valid_id(2 * h + member),
                    与户主关系=relation,
                    人数="2",
                )
            )
    bad = rows[2 * 1500 + 1]
    bad["证件号码"] = bad["证件号码"][:-1] + (
        "1" if bad["证件号码"][-1] != "1" else "2"
    )
    rows[2 * 1800 + 1]["人编号"] = rows[2 * 10]["人编号"]
    path = write_csv(tmp_path / "export.csv", rows)
    settings.REGISTRY_PARALLEL_FROM_BYTES = 0
    forked = []
    real_child = halves.Child

    def counted_child(work):
        forked.append(real_child(work))
        return forked[-1]

    monkeypatch.setattr(halves, "Child", counted_child)

    with translation.override("en"):
        batch = run_here(path)

    assert len(forked) == 1
    assert (batch.rows_read, batch.households, batch.rejected) == (4000, 2000, 2)
    assert list(
        batch.errors.values_list("row_number", "column", "value", "reason")
    ) == [
        (
            3003,
            "证件号码",
            bad["证件号码"][:6] + "********" + bad["证件号码"][-4:],
            "ID number fails its checksum",
        ),
        (
            3603,
            "人编号",
            rows[20]["人编号"],
            "This person number is already on row 22.",
        ),
    ]
    assert Household.objects.count() == 1998
    assert not ImportStagingPerson.objects.filter(batch_id=batch.pk).exists()


def run_here(path: Path) -> ImportBatch:
    batch = imports.import_batch_create(path=path, file_name=path.name, source="test")
    return imports.registry_import(batch=batch, path=path)


def village_keys() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'catalog_household'::regclass AND contype = 'f'"
        )
        return sorted(cursor.fetchall())


def test_a_first_import_checks_the_village_key_once_and_keeps_it(
    tmp_path, villages, postgres_only, monkeypatch
):
    before = village_keys()
    checked_once = []
    real = imports._village_key_checked_once

    def spied(cursor, sql):
        checked_once.append(True)
        return real(cursor, sql)

    monkeypatch.setattr(imports, "_village_key_checked_once", spied)

    first = run_here(export_of(tmp_path, 30))
    (tmp_path / "later").mkdir()
    later = run_here(export_of(tmp_path / "later", 40))

    # Only into the empty registry.
    assert (first.status, first.new, later.new, checked_once) == (
        "applied",
        30,
        10,
        [True],
    )
    assert village_keys() == before
    assert [definition for _name, definition in before] == [
        "FOREIGN KEY (village_id) REFERENCES catalog_village(id) "
        "DEFERRABLE INITIALLY DEFERRED"
    ]
    # The key holds again: a household of no village is refused.
    household = Household.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(village_id=10**9)
