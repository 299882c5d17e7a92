"""Webhooks go to public http(s) addresses only, unless the setting says."""

import pytest
from django.utils import translation

from shop.webhooks.targets import Target, TargetRefused, check_target


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("http://10.1.2.3/hooks", "10.1.2.3", "private"),
        ("http://172.16.0.9/hooks", "172.16.0.9", "private"),
        ("http://192.168.1.20:8080/hooks", "192.168.1.20", "private"),
        ("http://127.0.0.1/hooks", "127.0.0.1", "loopback"),
        ("http://127.8.9.10/hooks", "127.8.9.10", "loopback"),
        ("http://[::1]/hooks", "::1", "loopback"),
        ("http://[::ffff:127.0.0.1]/hooks", "::ffff:127.0.0.1", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254", "link-local"),
        ("http://[fe80::1]/hooks", "fe80::1", "link-local"),
        ("http://0.0.0.0/hooks", "0.0.0.0", "unspecified"),  # noqa: S104
        ("http://224.0.0.1/hooks", "224.0.0.1", "multicast"),
        ("http://240.0.0.1/hooks", "240.0.0.1", "reserved"),
        ("http://100.64.0.1/hooks", "100.64.0.1", "non-global"),
    ],
)
def test_addresses_that_are_not_public_are_refused(url, address, kind):
    with pytest.raises(TargetRefused) as refused:
        check_target(url, allow_private=False)

    assert str(refused.value) == (
        f"{address} resolves to {address}, a {kind} address; "
        "webhooks are only sent to public addresses."
    )


def test_a_host_name_resolving_to_loopback_is_refused():
    with pytest.raises(TargetRefused) as refused:
        check_target("http://localhost:8000/hooks", allow_private=False)

    message = str(refused.value)
    assert message.startswith("localhost resolves to ")
    assert "a loopback address" in message


def test_a_public_address_is_allowed_without_connecting():
    target = check_target(
        "https://93.184.216.34/fupin/hooks?source=mall", allow_private=False
    )

    assert target == Target(
        scheme="https",
        host="93.184.216.34",
        port=443,
        path="/fupin/hooks?source=mall",
        address="93.184.216.34",
    )


def test_the_setting_allows_private_targets(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    target = check_target("http://127.0.0.1:9000")

    assert target == Target("http", "127.0.0.1", 9000, "/", "127.0.0.1")


def test_private_targets_are_refused_by_default(settings):
    assert settings.WEBHOOK_ALLOW_PRIVATE_TARGETS is False

    with pytest.raises(TargetRefused):
        check_target("http://192.168.0.1/hooks")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "ftp://93.184.216.34/hooks",
            "Webhook URLs must start with http:// or https://.",
        ),
        ("file:///etc/passwd", "Webhook URLs must start with http:// or https://."),
        (
            "gopher://93.184.216.34/",
            "Webhook URLs must start with http:// or https://.",
        ),
        ("https:///hooks", "The webhook URL has no host."),
        (
            "https://user:pass@93.184.216.34/hooks",
            "Put no user name or password in the webhook URL.",
        ),
        ("https://93.184.216.34:99999/hooks", "The webhook URL's port is not valid."),
    ],
)
def test_urls_of_other_shapes_are_refused(url, message):
    with pytest.raises(TargetRefused) as refused:
        check_target(url, allow_private=True)

    assert str(refused.value) == message
