"""Associations, memberships, applications and their PDF documents (associations app)."""

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from associations.models import Application, Association, Membership, Mission
from tests.factories.accounts import UserFactory
from tests.factories.campaigns import CampaignFactory


def make_pdf_bytes(text: str = "Statuts") -> bytes:
    """A minimal valid one-page PDF (the demo's, built with pypdf)."""
    from demo.builders.associations import demo_pdf

    return demo_pdf(text)


def pdf_upload(name: str = "statuts.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf_bytes(), content_type="application/pdf")


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association
        skip_postgeneration_save = True

    legal_name = factory.Sequence(lambda n: f"Association Numérique Solidaire {n}")
    rna = factory.Sequence(lambda n: f"W13{n:07d}")
    address = "12 rue de la République"
    postal_code = "13001"
    city = "Marseille"
    beneficiaries_per_year = 250
    contact_name = "Nadia Benali"
    contact_email = factory.Sequence(lambda n: f"contact{n}@asso.example.org")

    @factory.post_generation
    def missions(obj, create, extracted, **kwargs):
        if create:
            obj.missions.set(extracted or Mission.objects.filter(code__in=["illectronism", "mediation"]))

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            for user in extracted:
                Membership.objects.create(user=user, association=obj)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    association = factory.SubFactory(AssociationFactory)
    campaign = factory.SubFactory(CampaignFactory)
    status = Application.Status.SUBMITTED
    requested_quantity = 20
    public_use_quantity = 16
    admin_use_quantity = 4
    project = "Ateliers d'initiation au numérique pour les seniors du quartier."
    has_premises = True
    has_internet = True
    statutes = factory.LazyFunction(lambda: pdf_upload("statuts.pdf"))
    activity_report = factory.LazyFunction(lambda: pdf_upload("rapport.pdf"))
    submitted_at = factory.LazyFunction(timezone.now)
    consent_at = factory.LazyFunction(timezone.now)

    class Params:
        # ``draft=True``: saved by the association, not yet sent (neither submitted nor consented to).
        draft = factory.Trait(status=Application.Status.DRAFT, submitted_at=None, consent_at=None)


def member_of(association: Association, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, association=association)
    return user


def approved_application(campaign, granted: int = 20, *, priority: int = 3, approved_at=None, **kwargs):
    """An approved application without documents (fast), granted ``granted`` PCs."""
    admin_use = 2 if granted > 2 else 0
    fields = {
        "status": Application.Status.APPROVED,
        "requested_quantity": granted,
        "public_use_quantity": granted - admin_use,
        "admin_use_quantity": admin_use,
        "granted_quantity": granted,
        "priority": priority,
        "approved_at": approved_at or timezone.now(),
        "decided_at": approved_at or timezone.now(),
        "statutes": "",
        "activity_report": "",
        **kwargs,
    }
    return ApplicationFactory(campaign=campaign, **fields)
