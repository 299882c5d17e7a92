"""Where webhooks may be sent: http(s) URLs on public addresses only.

Partners choose the URL, so without this rule a subscription could make the
shop POST to its own database, a cloud metadata service or anything else on
the internal network. The host is resolved again before every attempt and
the connection goes to an address that was checked (shop.webhooks.transport),
so a DNS answer that changes between the check and the connection cannot
slip an internal address in. WEBHOOK_ALLOW_PRIVATE_TARGETS lifts the rule
for development and tests.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_PORTS = {"http": 80, "https": 443}

# Most specific first: Python counts loopback, link-local and reserved
# ranges as private too, and "loopback" tells staff more.
_NOT_PUBLIC = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


class TargetRefused(ValueError):
    """Webhooks may not be sent to this URL."""


@dataclass(frozen=True)
class Target:
    """A checked URL: what to name in the request and where to connect."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def address_problem(address: str) -> str | None:
    """Return what kind of non-public address this is, or None if public."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for flag, kind in _NOT_PUBLIC:
        if getattr(ip, flag):
            return kind
    # Ranges no flag above names, e.g. carrier-grade NAT (100.64.0.0/10).
    return None if ip.is_global else "non-global"


def check_target(url: str, *, allow_private: bool | None = None) -> Target:
    """Return where to send a webhook for url.

    Raise TargetRefused for a scheme other than http or https, a URL
    without a host, with a bad port or with credentials, and, unless
    private targets are allowed, a host with any address that is not
    public. Raise OSError (socket.gaierror) when the host does not resolve.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused(_("Webhook URLs must start with http:// or https://."))
    if not parts.hostname:
        raise TargetRefused(_("The webhook URL has no host."))
    if parts.username or parts.password:
        raise TargetRefused(_("Put no user name or password in the webhook URL."))
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise TargetRefused(_("The webhook URL's port is not valid.")) from None

    addresses = resolve(parts.hostname, port)
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    if not allow_private:
        _refuse_non_public(parts.hostname, addresses)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, path, addresses[0])


def resolve(host: str, port: int) -> list[str]:
    """Return every address host resolves to, in the resolver's order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in found))


def _refuse_non_public(host: str, addresses: list[str]) -> None:
    # Every address counts, not only the first: the connection could be
    # made to any of them.
    for address in addresses:
        kind = address_problem(address)
        if kind is not None:
            raise TargetRefused(
                _(
                    "%(host)s resolves to %(address)s, a %(kind)s address; "
                    "webhooks are only sent to public addresses."
                )
                % {"host": host, "address": address, "kind": kind}
            )
