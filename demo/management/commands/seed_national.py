"""Load the national-scale dataset (benchmarks, load test): refused with DEBUG off unless --force."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import national


class Command(BaseCommand):
    help = (
        "Charge un jeu de données à l'échelle nationale : 3 organisateurs et leurs équipes, 3 campagnes, 20 donateurs "
        "et leurs comptes, 10 500 ordinateurs, "
        "330 associations, 3 vagues par campagne, remises et bilans d'impact."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Taille relative (1 : taille nationale ; 0.05 : un petit jeu pour un test).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Accepter de charger les données avec DEBUG désactivé."
        )
        parser.add_argument("--reset", action="store_true", help="Supprimer d'abord le jeu national existant.")
        parser.add_argument(
            "--render-pdfs",
            type=int,
            default=0,
            metavar="N",
            help="Produire aussi N attestations PDF (WeasyPrint, environ 1 s chacune ; aucune par défaut).",
        )

    def handle(self, *args, scale: float, force: bool, reset: bool, render_pdfs: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_national crée des comptes au mot de passe connu : refusé avec DEBUG désactivé. "
                "Utilisez --force si c'est bien voulu (serveur de test de charge, base de mesure)."
            )
        if scale <= 0 or scale > 20:
            raise CommandError("--scale doit être compris entre 0 (exclu) et 20.")
        if national.exists():
            if not reset:
                raise CommandError(
                    "Le jeu national existe déjà dans cette base. Relancez avec --reset pour le remplacer."
                )
            national.reset()
            self.stdout.write("Jeu national précédent supprimé.")
        summary = national.build(scale=scale, stdout=self.stdout)
        if render_pdfs:
            rendered, failed = national.render_pdfs(render_pdfs)
            self.stdout.write(f"  PDF : {rendered} attestations produites, {failed} en échec")
        self.stdout.write(f"Jeu national construit en {summary.seconds:.1f} s :")
        width = max(len(name) for name in summary.counts)
        for name, value in summary.counts.items():
            self.stdout.write(f"  {name:<{width}} {value:>7}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Comptes : admin@{national.DOMAIN} ; l'équipe nationale reviewer@, stock@, manager@, desk@ (les trois "
                f"organisateurs) ; l'équipe de chaque organisateur {national.team_email('reviewer', 'Lyon')}, "
                f"stock-lyon@, manager-lyon@, desk-lyon@ (de même -marseille, -lille) ; {national.COORDINATOR[0]} ; "
                f"{national.donor_email(1)} … {national.donor_email(len(national.DONOR_NAMES))} (espace donateur) ; "
                f"{national.member_email(1)} … {national.member_email(summary.counts['associations'])} ; "
                f"mot de passe : {national.PASSWORD}"
            )
        )
