"""Finding the app behind a token, and recording when it was used."""

import datetime

import pytest

from shop.partners import selectors, services
from shop.partners.models import AppToken

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(selectors.timezone, "now", lambda: NOW)


def test_live_token_finds_its_app(token, cooperative_app):
    _, plain = token

    assert selectors.app_for_token(plain) == cooperative_app


def test_unknown_token_finds_nothing(token):
    _, plain = token

    assert selectors.app_for_token(plain[:-1]) is None


def test_revoked_token_finds_nothing(token):
    row, plain = token
    services.app_token_revoke(token=row)

    assert selectors.app_for_token(plain) is None


def test_token_of_an_inactive_app_finds_nothing(token, cooperative_app):
    _, plain = token
    cooperative_app.is_active = False
    cooperative_app.save()

    assert selectors.app_for_token(plain) is None


def test_first_use_is_recorded(token, frozen_now):
    _, plain = token

    selectors.app_for_token(plain)

    assert AppToken.objects.get().last_used_at == NOW


def test_use_within_a_minute_of_the_last_is_not_written(token, frozen_now):
    _, plain = token
    earlier = NOW - datetime.timedelta(seconds=59)
    AppToken.objects.update(last_used_at=earlier)

    selectors.app_for_token(plain)

    assert AppToken.objects.get().last_used_at == earlier


def test_use_a_minute_after_the_last_is_written(token, frozen_now):
    _, plain = token
    AppToken.objects.update(last_used_at=NOW - datetime.timedelta(seconds=60))

    selectors.app_for_token(plain)

    assert AppToken.objects.get().last_used_at == NOW
