"""A real HTTP receiver of webhooks on 127.0.0.1, as a pytest fixture.

It answers each POST with the next reply it was told to give (200 once
they run out) and keeps every request it got.
"""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list = field(default_factory=list)
    replies: list = field(default_factory=list)

    def answer(self, *replies: tuple[int, dict]) -> None:
        self.replies.extend(replies)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers["Content-Length"]))
        receiver.requests.append(Received(self.path, dict(self.headers), body))
        status, headers = receiver.replies.pop(0) if receiver.replies else (200, {})
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def receiver(settings):
    """Return a receiver listening on 127.0.0.1, with private targets on."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server.receiver
    server.shutdown()
    server.server_close()
    thread.join()
