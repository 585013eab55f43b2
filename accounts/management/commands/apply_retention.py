from django.core.management.base import BaseCommand

from accounts.privacy import apply_retention


class Command(BaseCommand):
    help = "Supprime ou anonymise les données personnelles conservées au-delà des durées de conservation."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien modifier.")

    def handle(self, *args, dry_run=False, **options):
        result = apply_retention(dry_run=dry_run)
        prefix = "Simulation — " if dry_run else ""
        self.stdout.write(f"{prefix}{result}")
