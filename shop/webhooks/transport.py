"""One POST to a checked address: no redirects, no proxies, a short timeout.

http.client is used rather than a higher-level client so that the
connection goes to the address shop.webhooks.targets checked, while the
Host header and the TLS certificate are still those of the URL's host.
"""

import http.client
import socket
import ssl
from dataclasses import dataclass

from shop.webhooks.targets import Target


@dataclass(frozen=True)
class Response:
    status: int
    retry_after: str | None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate must name the URL's host, not the address.
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, *, body: bytes, headers: dict, timeout: float) -> Response:
    """POST body to target; return the response's status and Retry-After.

    Raise OSError (timeouts, refused connections, TLS errors) or
    http.client.HTTPException when no valid response comes back. A
    redirect is returned as it is, never followed: its location was not
    checked.
    """
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target.host, target.port, address=target.address, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        # The body is not needed, and reading it would let a slow receiver
        # hold the worker.
        return Response(response.status, response.getheader("Retry-After"))
    finally:
        connection.close()
