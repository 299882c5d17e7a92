"""Load the demo data set and print how many rows each model holds."""

from django.core.management.base import BaseCommand

from catalog.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo poverty counties, producers, products, stock, "
        "certificates, registry households and benefit links. Safe to rerun."
    )

    def handle(self, *args, **options) -> None:
        counts = load_demo()
        width = max(len(label) for label in counts)
        for label, count in counts.items():
            self.stdout.write(f"{label:<{width}}  {count}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
