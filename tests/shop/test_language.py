"""The storefront speaks Chinese first and English on request."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_chinese_first(client):
    response = client.get(
        reverse("catalogue:index"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"
    )

    assert response.headers["Content-Language"] == "zh-hans"
    assert "所有商品" in response.content.decode()


def test_choosing_english_switches_the_shop(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("catalogue:index"))

    assert response.headers["Content-Language"] == "en"
    assert "All products" in response.content.decode()
