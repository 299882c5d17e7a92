"""rundemo refuses a taken port before doing any work."""

import socket
from unittest import mock

import pytest
from django.core.management import CommandError, call_command


def test_a_taken_port_is_refused_before_anything_runs():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with (
            mock.patch("fulfillment.management.commands.rundemo.call_command") as run,
            pytest.raises(CommandError) as refused,
        ):
            call_command("rundemo", addrport=f"127.0.0.1:{port}")

    assert str(refused.value) == (
        f"127.0.0.1:{port} is taken or not an address:port; stop what runs "
        "there, or pick another, e.g. manage.py rundemo --addrport 127.0.0.1:8001"
    )
    run.assert_not_called()
