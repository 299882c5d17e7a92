"""Shared fixtures: service availability and the CI rule for skipping."""

import os

import pytest


def skip_or_fail(reason: str) -> None:
    """Skip a test that needs a missing service; under CI, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
