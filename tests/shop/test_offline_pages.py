"""Pages load nothing from outside the shop: no CDN, no analytics."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


def test_storefront_and_dashboard_pages_load_nothing_from_outside(client):
    product = factories.StockRecordFactory().product
    staff = get_user_model().objects.create_user(
        username="staff", email="s@example.com", password="x", is_staff=True
    )

    pages = [reverse("catalogue:index"), product.get_absolute_url()]
    client.force_login(staff)
    pages.append(reverse("dashboard:index"))

    for url in pages:
        html = client.get(url).content.decode()
        assert EXTERNAL.findall(html) == [], url
