"""``manage.py import_wipe_logs PATH... --user EMAIL``: import nwipe logs and Blancco reports from disk.

Prints, per file, what was recorded or why it was refused (in French), then a summary; exits with a
non-zero status when a report was refused. All or nothing unless ``--partial``; ``--dry-run`` checks only.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from core.errors import DomainError
from inventory.services import wipe_reports_import
from inventory.wipelogs import EXTENSIONS, MAX_FILES, MAX_REPORT_BYTES, ReportError, check_reports


def _files(paths: list[str]) -> list[Path]:
    """The files named, and the reports (by extension) directly inside the folders named."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower().lstrip(".") in EXTENSIONS)
        else:
            found.append(path)
    return found


class Command(BaseCommand):
    help = "Importe des journaux nwipe et des rapports Blancco (XML, CSV) : un effacement par disque reconnu."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Fichiers de rapport, ou dossiers qui en contiennent.")
        parser.add_argument("--user", required=True, help="Adresse e-mail de l'opérateur de stock qui importe.")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Enregistrer les disques reconnus même si d'autres rapports sont refusés.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Vérifier sans rien enregistrer.")

    def handle(self, *args, paths, user, partial=False, dry_run=False, **options):
        translation.activate("fr")
        operator = get_user_model().objects.filter(email__iexact=user.strip(), is_active=True).first()
        if operator is None:
            raise CommandError(f"Aucun compte actif pour « {user} ».")
        files: list[tuple[str, bytes]] = []
        unreadable: list[tuple[str, str]] = []
        for path in _files(paths):
            try:
                with path.open("rb") as handle:
                    files.append((path.name, handle.read(MAX_REPORT_BYTES + 1)))
            except OSError as error:
                unreadable.append((str(path), error.strerror or "illisible"))
        if len(files) > MAX_FILES:
            raise CommandError(f"{MAX_FILES} rapports au plus par import ({len(files)} trouvés).")
        blocked = bool(unreadable) and not partial  # all or nothing: an unreadable path stops the import too
        try:
            if dry_run or blocked:
                plan = check_reports(files)
            else:
                plan = wipe_reports_import(files=files, by=operator, partial=partial)
        except (DomainError, ReportError) as error:
            raise CommandError(str(error.message))

        for name, reason in unreadable:
            self.stdout.write(f"{name} : refusé – fichier introuvable ou illisible ({reason})")
        for check in plan.files:
            if check.already:
                self.stdout.write(f"{check.name} : déjà importé, rien de plus")
                continue
            units = ", ".join(d.computer.asset_tag for d in check.importable)
            if check.rejected:
                self.stdout.write(f"{check.name} : refusé – " + " ; ".join(check.reasons))
                if units and plan.applied:
                    self.stdout.write(f"  (enregistré quand même pour {units})")
            elif plan.applied:
                self.stdout.write(f"{check.name} : enregistré ({units})")
            else:
                self.stdout.write(f"{check.name} : reconnu ({units})")
        self.stdout.write(f"Bilan : {plan.summary()}.")
        if (plan.rejected or unreadable) and not plan.applied and not dry_run:
            self.stdout.write(
                "Rien n'a été enregistré (relancez avec --partial pour enregistrer les disques reconnus)."
            )
        if plan.rejected or unreadable:
            raise CommandError(f"{len(plan.rejected) + len(unreadable)} rapport(s) refusé(s).", returncode=1)
