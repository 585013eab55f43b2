import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from associations.models import Application, Association
from tests.factories.associations import ApplicationFactory, pdf_upload

pytestmark = pytest.mark.django_db
S = Application.Status


def association_payload(**overrides):
    from associations.models import Mission

    illectronism = [m.pk for m in Mission.objects.filter(code__in=["illectronism"])]
    return {
        "legal_name": "Connexions Solidaires",
        "acronym": "CS",
        "rna": "W133012345",
        "siret": "",
        "address": "3 boulevard National",
        "postal_code": "13003",
        "city": "Marseille",
        "missions": illectronism,
        "description": "Ateliers numériques",
        "beneficiaries_per_year": "300",
        "staff_count": "2",
        "volunteer_count": "8",
        "contact_name": "Fatou Diallo",
        "contact_role": "Présidente",
        "contact_email": "fatou@cs.example.org",
        "contact_phone": "04 91 00 00 00",
        **overrides,
    }


def application_payload(**overrides):
    data = {
        "requested_quantity": "20",
        "public_use_quantity": "16",
        "admin_use_quantity": "4",
        "project": "Ateliers d'initiation pour les seniors.",
        "has_premises": "on",
        "has_internet": "on",
        "premises_details": "",
        "statutes": pdf_upload("statuts.pdf"),
        "activity_report": pdf_upload("rapport.pdf"),
        "consent": "on",
        "submit": "1",
    }
    data.update(overrides)
    return data


def test_space_requires_login(client):
    response = client.get(reverse("associations:space"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_new_user_registers_an_association(client, django_user_model):
    from tests.factories.accounts import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("associations:association_create"), association_payload())
    assert response.status_code == 302
    association = Association.objects.get(rna="W133012345")
    assert association.memberships.filter(user=user).exists()
    assert list(association.missions.values_list("code", flat=True)) == ["illectronism"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rna": "W12", "siret": ""}, "rna", "W suivi de 9 chiffres"),
        ({"rna": "", "siret": "73282932000075"}, "siret", "clé de contrôle"),
        ({"rna": "", "siret": ""}, "rna", "RNA ou le numéro SIRET"),
        ({"postal_code": "1300"}, "postal_code", "5 chiffres"),
        ({"missions": []}, "missions", "au moins une mission"),
        ({"legal_name": "Asso\x00nulle"}, "legal_name", "caractère"),
        ({"beneficiaries_per_year": "-3"}, "beneficiaries_per_year", ""),
    ],
)
def test_bad_association_input_is_refused_next_to_the_field(client, overrides, field, message):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    response = client.post(reverse("associations:association_create"), association_payload(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert 'id="error-summary"' in response.content.decode()
    assert not Association.objects.exists()


def test_siret_alone_with_spaces_is_accepted(client):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    response = client.post(
        reverse("associations:association_create"), association_payload(rna="", siret="732 829 320 00074")
    )
    assert response.status_code == 302
    assert Association.objects.get().siret == "73282932000074"


def test_html_in_text_fields_is_shown_escaped(client, member, campaign):
    association = member.memberships.get().association
    client.force_login(member)
    response = client.post(
        reverse("associations:association_edit", args=[association.pk]),
        association_payload(rna=association.rna, legal_name="<script>alert(1)</script>"),
    )
    assert response.status_code == 302
    page = client.get(reverse("associations:space")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_member_applies_and_submits_in_one_go(client, member, campaign, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("associations:application_create", args=[campaign.slug]), application_payload())
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    assert application.status == S.SUBMITTED
    assert application.statutes.read(5) == b"%PDF-"
    assert len(mailoutbox) == 1
    detail = client.get(application.get_absolute_url()).content.decode()
    assert "En cours d&#x27;examen" in detail


def test_member_saves_a_draft_without_documents_then_submits(client, member, campaign):
    client.force_login(member)
    payload = application_payload(statutes="", activity_report="", consent="")
    del payload["submit"]
    payload["save"] = "1"
    response = client.post(reverse("associations:application_create", args=[campaign.slug]), payload)
    application = Application.objects.get()
    assert response.status_code == 302 and application.status == S.DRAFT
    response = client.post(reverse("associations:application_edit", args=[application.pk]), application_payload())
    application.refresh_from_db()
    assert response.status_code == 302 and application.status == S.SUBMITTED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"requested_quantity": "5", "public_use_quantity": "5", "admin_use_quantity": "0"}, "requested_quantity"),
        ({"requested_quantity": "31", "public_use_quantity": "31", "admin_use_quantity": "0"}, "requested_quantity"),
        ({"public_use_quantity": "10"}, "public_use_quantity"),
        ({"consent": ""}, "consent"),
        ({"project": ""}, "project"),
        (
            {"statutes": SimpleUploadedFile("statuts.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")},
            "statutes",
        ),
        (
            {
                "activity_report": SimpleUploadedFile(
                    "rapport.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1), content_type="application/pdf"
                )
            },
            "activity_report",
        ),
        (
            {"statutes": SimpleUploadedFile("statuts.pdf", b"%PDF-1.4 broken", content_type="application/pdf")},
            "statutes",
        ),
    ],
)
def test_bad_application_input_is_refused_and_nothing_is_submitted(client, member, campaign, overrides, field):
    client.force_login(member)
    response = client.post(
        reverse("associations:application_create", args=[campaign.slug]), application_payload(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Application.objects.filter(status=S.SUBMITTED).exists()


def test_answering_a_question_puts_the_application_back_in_review(client, member):
    application = ApplicationFactory(association=member.memberships.get().association, status=S.INFO_REQUESTED)
    client.force_login(member)
    response = client.post(reverse("associations:application_answer", args=[application.pk]), {"body": "Voici."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    empty = client.post(reverse("associations:application_answer", args=[application.pk]), {"body": ""})
    assert empty.status_code == 400 and "body" in empty.context["answer_form"].errors


def test_withdraw_asks_for_confirmation(client, member):
    application = ApplicationFactory(association=member.memberships.get().association)
    client.force_login(member)
    assert client.get(reverse("associations:application_withdraw", args=[application.pk])).status_code == 200
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    client.post(reverse("associations:application_withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN


def test_apply_without_association_redirects_to_registration(client, campaign):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("associations:application_create", args=[campaign.slug]))
    assert response.status_code == 302 and reverse("associations:association_create") in response["Location"]


def test_space_query_count_does_not_grow_with_applications(client, member, django_assert_max_num_queries):
    from tests.factories.campaigns import CampaignFactory

    association = member.memberships.get().association
    client.force_login(member)
    ApplicationFactory(association=association)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("associations:space"))
    for _ in range(8):
        ApplicationFactory(association=association, campaign=CampaignFactory())
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("associations:space"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_detail_query_count_does_not_grow_with_history(client, member, django_assert_max_num_queries):
    from associations import services

    application = ApplicationFactory(association=member.memberships.get().association)
    client.force_login(member)
    with django_assert_max_num_queries(15) as small:
        client.get(application.get_absolute_url())
    for i in range(10):
        services.application_answer(application=application, by=member, body=f"Message {i}")
    with django_assert_max_num_queries(15) as large:
        client.get(application.get_absolute_url())
    assert len(large.captured_queries) == len(small.captured_queries)


def test_submitting_again_after_a_refused_submission_submits_the_saved_draft(client, member, campaign):
    """The first try lacks consent: the draft is kept and the form now posts to its edit page."""
    client.force_login(member)
    response = client.post(
        reverse("associations:application_create", args=[campaign.slug]), application_payload(consent="")
    )
    application = Application.objects.get()
    assert response.status_code == 200 and application.status == S.DRAFT
    edit_url = reverse("associations:application_edit", args=[application.pk])
    assert f'action="{edit_url}"' in response.content.decode()
    response = client.post(edit_url, application_payload(statutes="", activity_report=""))
    application.refresh_from_db()
    assert response.status_code == 302 and application.status == S.SUBMITTED
    assert application.statutes and application.activity_report  # kept from the first try
