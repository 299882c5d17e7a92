"""Bring the embedded default up with demo data and serve it.

Migrates the SQLite database, loads the demo data (idempotent), makes sure a
dashboard account exists, prints how to sign in, then runs the development
server on 127.0.0.1:8000.
"""

import socket

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_EMAIL = "admin@fupin.example"
DEMO_PASSWORD = "fupin-demo-2026"  # noqa: S105 (demo account, printed on start)


class Command(BaseCommand):
    help = "Migrate, load the demo data and run the shop at http://127.0.0.1:8000"

    def add_arguments(self, parser):
        parser.add_argument(
            "--addrport",
            default="127.0.0.1:8000",
            help="Address and port to serve on (default 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything, then exit."
        )

    def handle(self, *args, addrport, no_serve, **options):
        if not no_serve:
            _check_free(addrport)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo")
        self._ensure_staff_account()
        if no_serve:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data ready. Sign in with {DEMO_EMAIL} / {DEMO_PASSWORD}"
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"\nShop:      http://{addrport}/\n"
                f"Dashboard: http://{addrport}/dashboard/\n"
                f"GraphQL:   http://{addrport}/graphql/\n"
                f"Sign in with {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
            )
        )
        # The autoreloader would run this whole command again in its child
        # process; serve once, without it.
        call_command("runserver", addrport, use_reloader=False)

    def _ensure_staff_account(self) -> None:
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": DEMO_EMAIL, "is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()


def _check_free(addrport: str) -> None:
    """Raise CommandError before any work when nothing could serve there."""
    host, _, port = addrport.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the development server binds: a port left in TIME_WAIT by a
        # server stopped a moment ago is free to it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host or "127.0.0.1", int(port)))
        except (OSError, ValueError):
            raise CommandError(
                f"{addrport} is taken or not an address:port; stop what runs "
                "there, or pick another, e.g. manage.py rundemo --addrport "
                "127.0.0.1:8001"
            ) from None
