"""Staff make tokens in the admin: shown once, kept hashed, revocable."""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from shop.partners.models import AppToken

pytestmark = pytest.mark.django_db

VIEWER = '{"query": "{ viewer { name } }"}'


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user(
        username="ops", password="x", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return client


def test_a_token_made_in_the_admin_is_shown_once_and_works(staff, cooperative_app):
    added = staff.post(
        reverse("admin:partner_apps_apptoken_add"),
        {"app": cooperative_app.pk, "name": "进销存服务器"},
        follow=True,
    )
    [plain] = re.findall(r"fpm_[A-Za-z0-9_-]{43}", added.content.decode())
    token = AppToken.objects.get()
    again = staff.get(reverse("admin:partner_apps_apptoken_change", args=[token.pk]))

    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in again.content.decode()
    answer = staff.post(
        "/graphql/",
        VIEWER,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )
    assert answer.json()["data"] == {"viewer": {"name": cooperative_app.name}}


def test_a_token_revoked_in_the_admin_stops_at_once(staff, token, client):
    row, plain = token

    staff.post(
        reverse("admin:partner_apps_apptoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [row.pk]},
    )
    answer = client.post(
        "/graphql/",
        VIEWER,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )

    row.refresh_from_db()
    assert row.revoked_at is not None
    assert answer.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
