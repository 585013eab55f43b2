"""Print the current one-time code of the demo staff accounts (their authenticator app's secret is public)."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand

from demo.management.commands.seed_demo import DEMO_TOTP_SECRET


def current_code(secret: str = DEMO_TOTP_SECRET) -> str:
    """The code an authenticator app shows now for ``secret`` (allauth's own TOTP algorithm)."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


class Command(BaseCommand):
    help = "Affiche le code de double authentification actuel des comptes de démonstration de l'équipe."

    def handle(self, *args, **options):
        self.stdout.write(current_code())
