"""Shared fixtures: service availability and the CI rule for skipping."""

import os

import pytest
from django.core.cache import cache
from django.db import connection


def skip_or_fail(reason: str) -> None:
    """Skip a test that needs a missing service; under CI, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture
def postgres_only():
    """Skip a race on SQLite, which serialises writers and proves nothing.

    CI runs the whole suite twice, on SQLite and then on PostgreSQL; these
    tests run in the second pass.
    """
    if connection.vendor != "postgresql":
        pytest.skip("races need PostgreSQL; set DATABASE_URL (CI runs them there)")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache, where the API counts requests."""
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
