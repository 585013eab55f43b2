"""What one account can leave behind: replaced documents are deleted, associations and documents are
capped per account, and every free text people type has a length limit (form, model and database)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from associations import services
from associations.models import Application, Association, Message
from tests.factories.accounts import UserFactory
from tests.factories.associations import ApplicationFactory, AssociationFactory, make_pdf_bytes
from tests.portal.test_association_space import application_payload, association_payload

pytestmark = pytest.mark.django_db


def _pdf(name="statuts.pdf"):
    return SimpleUploadedFile(name, make_pdf_bytes(), content_type="application/pdf")


# Replaced documents ------------------------------------------------------------------------------


def test_a_replaced_document_is_deleted_after_the_replacement_commits(member, django_capture_on_commit_callbacks):
    application = ApplicationFactory(association=member.memberships.get().association, status="draft")
    old_statutes, old_report = application.statutes.name, application.activity_report.name
    assert default_storage.exists(old_statutes) and default_storage.exists(old_report)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.application_update(application=application, by=member, statutes=_pdf())
    # Not before the commit: a rollback keeps the old file, still referenced by the row.
    assert default_storage.exists(old_statutes)
    for callback in callbacks:
        callback()
    application.refresh_from_db()
    assert not default_storage.exists(old_statutes)
    assert default_storage.exists(application.statutes.name) and application.statutes.name != old_statutes
    assert default_storage.exists(old_report) and application.activity_report.name == old_report


def test_a_rolled_back_replacement_keeps_the_old_file(member):
    application = ApplicationFactory(association=member.memberships.get().association, status="draft")
    old = application.statutes.name
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.application_update(application=application, by=member, statutes=_pdf())
            raise RuntimeError("something later in the same transaction fails")
    application.refresh_from_db()
    assert application.statutes.name == old and default_storage.exists(old)


def test_replacing_a_slot_many_times_through_the_form_leaves_no_orphan(
    client, member, campaign, settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    client.force_login(member)
    payload = application_payload()
    payload.pop("submit")
    response = client.post(reverse("associations:application_create", args=[campaign.slug]), payload)
    assert response.status_code == 302
    application = Application.objects.get()
    edit_url = reverse("associations:application_edit", args=[application.pk])
    for _round in range(9):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(edit_url, application_payload(statutes=_pdf(), activity_report=""))
        assert response.status_code == 302
    application.refresh_from_db()
    stored = sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert stored == sorted([application.statutes.name, application.activity_report.name])


# Caps per account --------------------------------------------------------------------------------


def test_an_account_registers_at_most_the_configured_number_of_associations(client, settings, db):
    from associations.models import Mission

    settings.MAX_ASSOCIATIONS_PER_ACCOUNT = 2
    user = UserFactory()
    client.force_login(user)
    url = reverse("associations:association_create")
    missions = [m.pk for m in Mission.objects.all()[:1]]
    for n in range(2):
        response = client.post(url, association_payload(rna=f"W13301234{n}", legal_name=f"Asso {n}", missions=missions))
        assert response.status_code == 302, response.context["form"].errors
    response = client.post(url, association_payload(rna="W133012349", legal_name="Asso 3", missions=missions))
    assert response.status_code == 200
    assert "c'est le maximum" in " ".join(response.context["form"].non_field_errors())
    assert Association.objects.filter(memberships__user=user).count() == 2
    assert not Association.objects.filter(legal_name="Asso 3").exists()


def test_documents_per_account_are_capped_but_replacing_is_always_allowed(member, campaign, settings):
    from tests.factories.campaigns import CampaignFactory

    settings.MAX_DOCUMENTS_PER_ACCOUNT = 3
    association = member.memberships.get().association
    first = services.application_create(
        association=association, campaign=campaign, by=member, statutes=_pdf(), activity_report=_pdf()
    )
    other = CampaignFactory(slug="autre")
    with pytest.raises(Exception) as error:
        services.application_create(
            association=association, campaign=other, by=member, statutes=_pdf(), activity_report=_pdf()
        )
    messages = error.value.message_dict
    assert "c'est le maximum (3)" in messages["statutes"][0] and "activity_report" in messages
    assert Application.objects.filter(association=association).count() == 1
    second = services.application_create(association=association, campaign=other, by=member, statutes=_pdf())
    with pytest.raises(Exception) as error:
        services.application_update(application=second, by=member, activity_report=_pdf())
    assert "c'est le maximum" in error.value.message_dict["activity_report"][0]
    # Replacing a document adds nothing: still allowed at the cap.
    services.application_update(application=first, by=member, statutes=_pdf())


# Free text -----------------------------------------------------------------------------------------

HUGE = "a" * 200_000


def test_an_association_description_of_200000_characters_is_refused(client, db):
    from associations.models import Mission

    user = UserFactory()
    client.force_login(user)
    url = reverse("associations:association_create")
    page = client.get(url).content.decode()
    assert "2\u202f000 caractères au plus" in page
    assert 'data-maxlength="2000"' in page and ' maxlength="2000"' not in page
    missions = [m.pk for m in Mission.objects.all()[:1]]
    response = client.post(url, association_payload(description=HUGE, missions=missions))
    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert not Association.objects.exists()


@pytest.mark.parametrize(("field", "limit"), [("project", 3000), ("premises_details", 1000)])
def test_application_texts_are_capped(client, member, campaign, field, limit):
    client.force_login(member)
    url = reverse("associations:application_create", args=[campaign.slug])
    assert f"{limit:,}".replace(",", "\u202f") + " caractères au plus" in client.get(url).content.decode()
    response = client.post(url, application_payload(**{field: "b" * (limit + 1)}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Application.objects.exists()
    response = client.post(url, application_payload(**{field: "b" * limit}))
    assert response.status_code == 302


def test_an_answer_is_capped_in_the_form_and_in_the_service(client, member):
    application = ApplicationFactory(association=member.memberships.get().association, status="info_requested")
    client.force_login(member)
    client.post(reverse("associations:application_answer", args=[application.pk]), {"body": "c" * 5001})
    assert not Message.objects.filter(application=application).exists()
    with pytest.raises(Exception) as error:
        services.application_answer(application=application, by=member, body="c" * 5001)
    assert "5\u202f000 caractères au plus" in error.value.message_dict["body"][0]


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        ("associations.Association", "description", 2000),
        ("associations.Application", "project", 3000),
        ("associations.Application", "premises_details", 1000),
        ("associations.Application", "decision_reason", 2000),
        ("associations.Message", "body", 5000),
        ("donations.Allocation", "appointment_request", 1000),
        ("impact.ImpactReport", "comment", 4000),
        ("impact.ImpactReport", "return_message", 2000),
    ],
)
def test_the_database_refuses_longer_text(model, field, limit):
    from django.apps import apps

    from tests.factories.impact import handed_over_wave, impact_reports_for

    Model = apps.get_model(model)
    if Model is Association:
        row = AssociationFactory()
    elif Model is Application:
        row = ApplicationFactory()
    elif Model is Message:
        row = Message.objects.create(application=ApplicationFactory(), body="ok")
    elif model == "donations.Allocation":
        row = handed_over_wave(1, 10).allocations.get()
    else:
        import datetime

        wave = handed_over_wave(1, 10, on=datetime.date(2026, 1, 10))
        row = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
    Model.objects.filter(pk=row.pk).update(**{field: "d" * limit})
    with pytest.raises(IntegrityError), transaction.atomic():
        Model.objects.filter(pk=row.pk).update(**{field: "d" * (limit + 1)})
