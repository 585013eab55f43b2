"""Demo associations of the Marseille campaign: realistic, fictional, at every stage of review."""

import datetime
import io

from django.core.files.base import ContentFile
from stdnum import luhn

from associations.models import Application, ApplicationEvent, Association, Membership, Mission

# name, postal code, missions, beneficiaries per year, requested, granted (None = not approved), status
M = Mission.Code
ASSOCIATIONS = [
    ("Médiation Numérique du Panier", "13002", [M.MEDIATION, M.ILLECTRONISM], 620, 30, 30),
    ("Cyber-Base de la Belle de Mai", "13003", [M.ILLECTRONISM, M.EMPLOYMENT], 540, 30, 30),
    ("Les Clés du Numérique Saint-Mauront", "13003", [M.ILLECTRONISM, M.PRECARITY], 410, 25, 25),
    ("Association Lire et Écrire Marseille Nord", "13015", [M.ILLITERACY, M.ANALPHABETISM], 380, 20, 20),
    ("Insertion Pro Castellane", "13006", [M.EMPLOYMENT], 300, 20, 20),
    ("Femmes Solidaires de Noailles", "13001", [M.PRECARITY, M.EXCLUSION], 260, 15, 15),
    ("Entraide Seniors Connectés", "13008", [M.ILLECTRONISM], 450, 20, 20),
    ("Atelier Informatique de la Joliette", "13002", [M.MEDIATION], 220, 15, 15),
    ("Collectif Numérique Félix-Pyat", "13003", [M.MEDIATION, M.PRECARITY], 350, 20, 20),
    ("Maison des Familles de Saint-Louis", "13015", [M.PRECARITY, M.EXCLUSION], 290, 15, 15),
    ("Alphabétisation Pour Tous Belsunce", "13001", [M.ANALPHABETISM, M.ILLITERACY], 210, 15, 15),
    ("Jeunes en Ligne de la Castellane", "13016", [M.EMPLOYMENT, M.MEDIATION], 330, 20, 20),
    ("Le Relais Emploi des Quartiers Est", "13011", [M.EMPLOYMENT], 270, 15, 15),
    ("Numérique Solidaire de la Capelette", "13010", [M.ILLECTRONISM], 240, 15, 15),
    ("Accueil Migrants Marseille Centre", "13001", [M.ANALPHABETISM, M.EXCLUSION], 400, 25, 25),
    ("Club Informatique de Sainte-Marthe", "13014", [M.MEDIATION], 180, 15, 15),
    ("Les Petits Débrouillards du Vieux-Port", "13007", [M.MEDIATION], 500, 20, 20),
    ("Solidarité Numérique Frais-Vallon", "13013", [M.ILLECTRONISM, M.PRECARITY], 310, 20, 20),
    ("Point Info Famille Les Olives", "13013", [M.PRECARITY], 200, 12, 12),
    ("Association Savoirs Partagés", "13005", [M.ILLITERACY], 190, 12, 12),
    ("Tremplin Numérique Saint-Barthélemy", "13014", [M.EMPLOYMENT, M.ILLECTRONISM], 280, 20, 20),
    ("Centre Social Bleu Azur", "13016", [M.EXCLUSION, M.MEDIATION], 520, 25, 25),
    ("Écrivains Publics Solidaires", "13006", [M.ILLECTRONISM, M.ILLITERACY], 160, 10, 10),
    ("Les Connectés de Bonneveine", "13008", [M.ILLECTRONISM], 150, 10, 10),
    ("Passerelle Emploi Marseille Sud", "13009", [M.EMPLOYMENT], 230, 15, 15),
    ("Espace Ressources La Pomme", "13011", [M.MEDIATION, M.PRECARITY], 210, 15, 15),
    ("Réseau Entraide Saint-Just", "13013", [M.PRECARITY], 170, 12, 12),
    # Approved later: served by wave 2 and the final lot.
    ("Association Horizon Numérique Estaque", "13016", [M.ILLECTRONISM], 260, 20, 20),
    ("Les Ateliers Connectés du Canet", "13014", [M.MEDIATION], 240, 20, 18),
    ("Insertion Jeunes Vauban", "13006", [M.EMPLOYMENT], 200, 15, 15),
    ("Club Seniors Internet Mazargues", "13009", [M.ILLECTRONISM], 140, 12, 12),
    ("Soutien Scolaire Numérique Malpassé", "13013", [M.EXCLUSION], 300, 25, 22),
    ("Petite Bibliothèque de Saint-Henri", "13016", [M.ILLITERACY], 90, 10, 10),
    ("Coup de Pouce Numérique Chartreux", "13004", [M.ILLECTRONISM], 80, 10, 10),
    # At the other stages of review.
    ("Association Culture et Partage Belle de Mai", "13003", [M.EXCLUSION], 150, 15, "submitted"),
    ("Ensemble pour l'Emploi Saint-Antoine", "13015", [M.EMPLOYMENT], 220, 20, "submitted"),
    ("Numérique et Citoyenneté Baille", "13005", [M.MEDIATION], 130, 15, "info_requested"),
    ("Entraide Familles Sormiou", "13009", [M.PRECARITY], 110, 10, "waitlisted"),
    ("Association Sportive des Quartiers Nord", "13015", [M.EXCLUSION], 400, 30, "rejected"),
    ("Les Mots Partagés Chave", "13005", [M.ILLITERACY], 70, 10, "draft"),
]

DEMO_ASSOCIATION_INDEX = 0  # association@demo.test is a member of the first one


def demo_siret(index: int) -> str:
    siren = f"7{index:07d}"
    siren += luhn.calc_check_digit(siren)
    base = siren + "0001"
    return base + luhn.calc_check_digit(base)


def demo_pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def seed(*, campaign, reviewer, demo_member, stdout=None) -> list[Application]:
    """Create the demo associations and applications (once: matched by RNA)."""
    created = 0
    applications = []
    base_day = datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC)
    missions = {m.code: m for m in Mission.objects.all()}
    for index, (name, postal_code, codes, beneficiaries, requested, outcome) in enumerate(ASSOCIATIONS):
        rna = f"W13{index + 1:07d}"
        association, was_created = Association.objects.get_or_create(
            rna=rna,
            defaults={
                "legal_name": name,
                "siret": demo_siret(index + 1) if index % 3 == 0 else "",
                "address": f"{10 + index} rue {['de la République', 'Saint-Ferréol', 'Paradis', 'de Rome'][index % 4]}",
                "postal_code": postal_code,
                "city": "Marseille",
                "description": "Ateliers d'initiation au numérique, accompagnement aux démarches en ligne.",
                "beneficiaries_per_year": beneficiaries,
                "staff_count": 1 + index % 4,
                "volunteer_count": 5 + index % 12,
                "contact_name": ["Nadia Benali", "Karim Haddad", "Sophie Marchetti", "Jean-Luc Roux"][index % 4],
                "contact_role": "Président·e",
                "contact_email": f"contact{index + 1}@asso-demo.test",
                "contact_phone": f"04 91 {index:02d} 00 00",
            },
        )
        if was_created:
            created += 1
            association.missions.set([missions[c] for c in codes])
        if index == DEMO_ASSOCIATION_INDEX:
            Membership.objects.get_or_create(user=demo_member, association=association)
        application = Application.objects.filter(association=association, campaign=campaign).first()
        if application is None:
            application = _demo_application(
                association, campaign, requested, outcome, reviewer, base_day + datetime.timedelta(hours=index)
            )
        applications.append(application)
    if stdout:
        stdout.write(f"  associations : {created} créées, {len(ASSOCIATIONS) - created} déjà présentes")
    return applications


def application_fields(association, campaign, *, requested: int, status: str) -> dict:
    """A plausible application of ``association`` (its split of the quantity, its project): demo and national data."""
    public = requested - max(1, requested // 5)
    return {
        "association": association,
        "campaign": campaign,
        "status": status,
        "requested_quantity": requested,
        "public_use_quantity": public,
        "admin_use_quantity": requested - public,
        "project": (
            f"{association.legal_name} accueille chaque semaine des ateliers de 5 à 10 personnes "
            "pour apprendre à utiliser un ordinateur, faire ses démarches en ligne et chercher un emploi."
        ),
        "has_premises": True,
    }


def _demo_application(association, campaign, requested, outcome, reviewer, when) -> Application:
    """Write the application and its history as if it had gone through the services at ``when``."""
    S = Application.Status
    status = S.APPROVED if isinstance(outcome, int) else S(outcome)
    application = Application(
        **application_fields(association, campaign, requested=requested, status=status),
        has_internet=status != S.DRAFT,
        priority=3,
    )
    application.statutes.save("statuts.pdf", ContentFile(demo_pdf("Statuts")), save=False)
    application.activity_report.save("rapport.pdf", ContentFile(demo_pdf("Rapport d'activité")), save=False)
    if status != S.DRAFT:
        application.submitted_at = application.consent_at = when
    if status == S.APPROVED:
        application.granted_quantity = outcome
        application.approved_at = application.decided_at = when + datetime.timedelta(days=10)
    if status == S.REJECTED:
        application.decision_reason = "L'association n'a pas d'activité liée à l'inclusion numérique."
        application.decided_at = when + datetime.timedelta(days=10)
    application.save()
    Application.objects.filter(pk=application.pk).update(created_at=when)
    history = [(ApplicationEvent.Kind.CREATED, "", S.DRAFT, None, "")]
    if status != S.DRAFT:
        history.append((ApplicationEvent.Kind.STATUS, S.DRAFT, S.SUBMITTED, None, ""))
    if status in (S.APPROVED, S.REJECTED, S.WAITLISTED, S.INFO_REQUESTED):
        history.append((ApplicationEvent.Kind.STATUS, S.SUBMITTED, status, reviewer, application.decision_reason))
    for step, (kind, from_status, to_status, actor, note) in enumerate(history):
        event = ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            actor_label=(actor.get_full_name() or actor.email) if actor else association.contact_name,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        # Demo history is dated like the story it tells (created, submitted the same day, decided 10 days later).
        moment = when + datetime.timedelta(days=10 if step == 2 else 0, minutes=step * 20)
        ApplicationEvent.objects.filter(pk=event.pk).update(created_at=moment)
    if status == S.INFO_REQUESTED:
        from associations.models import Message

        Message.objects.create(
            application=application,
            author=reviewer,
            from_staff=True,
            body="Pouvez-vous préciser combien d'ateliers vous organisez chaque mois ?",
        )
    return application
