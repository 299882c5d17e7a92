"""Recompute the attribution ledger's hash chain and report the first break.

Prints "ledger ok: N entries" and exits 0, or names the first broken entry
(sequence, order number, what is wrong) and exits 1. With -v 2 it also
prints the head hash, which can be written down elsewhere: a chain cut
short and re-headed by someone with database access is only caught by
comparing it with a hash kept outside the database.
"""

from django.core.management.base import BaseCommand, CommandError

from fulfillment.ledger import verify_chain


class Command(BaseCommand):
    help = "Verify the attribution ledger's hash chain; exit 1 if it is broken."

    def handle(self, *args, verbosity: int, **options) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"ledger broken at sequence {report.sequence} "
                f"(order {report.order_number or '-'}): "
                f"{report.problem}: {report.detail}",
                returncode=1,
            )
        self.stdout.write(f"ledger ok: {report.checked} entries")
        if verbosity >= 2:
            self.stdout.write(f"head hash: {report.last_hash}")
