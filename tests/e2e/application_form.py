"""The application form as an association fills it in the browser tests (tests/e2e and tests/stack)."""

import re

PROJECT = "Ateliers d'initiation au numérique pour les seniors, 8 personnes par séance."


def fill_and_submit_application(page, statutes, report) -> None:
    """Ask for 20 units (16 for the public, 4 for the association's own work), with premises and internet, attach
    ``statutes`` and ``report`` (paths), consent and submit."""
    page.get_by_label("Ordinateurs demandés").fill("20")
    page.get_by_label("Pour le public").fill("16")
    page.get_by_label("Pour le fonctionnement").fill("4")
    page.get_by_label("Votre projet").fill(PROJECT)
    page.get_by_label("Nous avons un local").check()
    page.get_by_label("Ce local a une connexion internet").check()
    attach_and_submit(page, statutes, report)


def attach_and_submit(page, statutes, report) -> None:
    """Attach ``statutes`` and ``report`` (paths) to the form on the page, consent and submit."""
    page.get_by_label("Statuts (PDF)").set_input_files(str(statutes))
    page.get_by_label("Dernier rapport d'activité (PDF)").set_input_files(str(report))
    page.get_by_label(re.compile("J'accepte que les informations")).check()
    page.get_by_role("button", name="Déposer la candidature").click()
