"""Creating apps and tokens, and revoking tokens."""

import datetime
import hashlib

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.utils import translation

from shop.partners import services
from shop.partners.models import AppToken, PartnerApp
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Match validation messages against their English source text."""
    with translation.override("en"):
        yield


def stored_text() -> str:
    """Return every row of the partner apps' tables as JSON."""
    rows = []
    for model in apps.get_app_config("partner_apps").get_models():
        rows.extend(model.objects.all())
    return serializers.serialize("json", rows)


def test_token_is_returned_once_and_stored_as_its_hash(cooperative_app):
    row, plain = services.app_token_create(app=cooperative_app, name="生产环境")

    stored = AppToken.objects.get()
    assert plain.startswith("fpm_")
    assert len(plain) == 4 + 43
    assert stored.pk == row.pk
    assert stored.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert stored.token_prefix == plain[:8]
    assert plain not in stored_text()
    assert plain[8:] not in stored_text()


def test_two_tokens_differ(cooperative_app):
    _, first = services.app_token_create(app=cooperative_app, name="一")
    _, second = services.app_token_create(app=cooperative_app, name="二")

    assert first != second


def test_revoke_sets_revoked_at_once(token):
    row, _ = token
    first = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)
    later = datetime.datetime(2026, 12, 2, 8, 0, tzinfo=datetime.UTC)

    services.app_token_revoke(token=row, now=first)
    services.app_token_revoke(token=row, now=later)

    assert AppToken.objects.get().revoked_at == first


def test_app_create_refuses_an_unknown_scope():
    with pytest.raises(ValidationError) as caught:
        services.app_create(
            name="采购平台",
            organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
            scopes=["orders", "admin"],
        )

    assert caught.value.message_dict == {"scopes": ["Unknown scopes: admin."]}
    assert PartnerApp.objects.count() == 0


def test_app_create_refuses_a_scope_listed_twice():
    with pytest.raises(ValidationError) as caught:
        services.app_create(
            name="采购平台",
            organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
            scopes=["orders", "orders"],
        )

    assert caught.value.message_dict == {"scopes": ["A scope is listed twice."]}


def test_cooperative_app_needs_a_producer():
    with pytest.raises(ValidationError) as caught:
        services.app_create(
            name="合作社系统",
            organisation_kind=PartnerApp.OrganisationKind.COOPERATIVE,
            scopes=["listings"],
        )

    assert caught.value.message_dict == {
        "producer": ["A cooperative's app acts for a producer."]
    }


def test_platform_app_acts_for_no_producer():
    with pytest.raises(ValidationError) as caught:
        services.app_create(
            name="采购平台",
            organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
            scopes=["orders"],
            producer=factories.PartnerFactory(),
        )

    assert caught.value.message_dict == {
        "producer": ["Only a cooperative's app acts for a producer."]
    }
