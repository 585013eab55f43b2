"""Personal data (issue 7): export, anonymisation on request without breaking history, retention."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.privacy import anonymise_user, apply_retention, export_user_data
from associations.models import Application, ApplicationEvent, Association, Message
from certificates import services as certificate_services
from tests.certificates.conftest import signature_png
from tests.factories import (
    ApplicationFactory,
    AssociationFactory,
    UserFactory,
    confirmed_wave,
    desk_operator,
    member_of,
    pdf_upload,
    staff_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(settings):
    """Association A, whose member wrote to the reviewers and whose certificate is signed and rendered."""
    wave = confirmed_wave(1, 10)
    allocation = wave.allocations.select_related("application__association").get()
    association = allocation.application.association
    member = member_of(association, email="presidente@asso-a.example.org", first_name="Aïcha", last_name="Benali")
    Association.objects.filter(pk=association.pk).update(
        contact_name="Aïcha Benali", contact_email="presidente@asso-a.example.org", contact_phone="0491000000"
    )
    application = allocation.application
    Message.objects.create(application=application, author=member, body="Notre local est prêt.")
    ApplicationEvent.objects.create(
        application=application, actor=member, actor_label="Aïcha Benali", kind="message", note="Notre local est prêt."
    )
    desk = desk_operator(email="guichet@example.org")
    handover = certificate_services.handover_record(
        handover=allocation.handover,
        by=desk,
        handed_over_on=timezone.localdate(),
        representative_name="Aïcha Benali",
        association_signature=signature_png(),
        operator_signature=signature_png(),
        notify=False,
    )
    handover.refresh_from_db()
    return member, association, handover


def test_export_holds_the_person_their_association_and_nothing_of_another(signed):
    member, association, handover = signed
    other = member_of(AssociationFactory(legal_name="Quartiers Connectés"), email="b@asso-b.example.org")
    ApplicationFactory(association=other.memberships.get().association, project="Projet secret de B")
    data = export_user_data(member)
    assert data["account"]["email"] == "presidente@asso-a.example.org"
    assert data["account"]["email_addresses"][0]["verified"] is True
    assert [a["legal_name"] for a in data["associations"]] == [association.legal_name]
    assert data["associations"][0]["contact_phone"] == "0491000000"
    assert data["messages_written"][0]["body"] == "Notre local est prêt."
    assert data["handover_certificates"][0]["number"] == handover.number
    assert data["handover_certificates"][0]["representative_name"] == "Aïcha Benali"
    assert any(row["note"] == "Notre local est prêt." for row in data["history"])
    assert "Projet secret de B" not in json.dumps(data, ensure_ascii=False)


def test_a_member_downloads_their_own_data_and_only_theirs(client, signed):
    member, association, _ = signed
    assert client.get(reverse("my_data")).status_code == 302  # anonymous: to the login page
    client.force_login(member)
    response = client.get(reverse("my_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["associations"][0]["legal_name"] == association.legal_name
    client.force_login(member_of(AssociationFactory(legal_name="Autre"), email="autre@example.org"))
    assert association.legal_name not in client.get(reverse("my_data")).content.decode()


def test_anonymising_removes_the_person_and_keeps_the_history_and_the_certificate(client, signed):
    member, association, handover = signed
    checksum, pdf_name = handover.pdf_sha256, handover.pdf.name
    events_before = ApplicationEvent.objects.filter(application__association=association).count()
    client.force_login(member)

    anonymise_user(member)

    member.refresh_from_db()
    assert member.email == f"anonyme-{member.pk}@anonyme.invalid"
    assert (member.first_name, member.last_name, member.is_active) == ("", "", False)
    assert not member.has_usable_password()
    assert not member.memberships.exists() and not member.emailaddress_set.exists()
    assert client.get(reverse("associations:space")).status_code == 302  # the open session is over
    association.refresh_from_db()
    assert association.contact_email.endswith("@anonyme.invalid") and association.contact_phone == ""
    # History: same rows, a pseudonym instead of the name; nothing anywhere still names the person.
    assert ApplicationEvent.objects.filter(application__association=association).count() == events_before
    labels = set(ApplicationEvent.objects.filter(actor=member).values_list("actor_label", flat=True))
    assert labels == {f"Utilisateur anonymisé n°{member.pk}"}
    assert not ApplicationEvent.objects.filter(actor_label__icontains="Benali").exists()
    assert Message.objects.get(author=member).body == "Notre local est prêt."
    # The signed certificate is evidence of the donation: unchanged, and still verifiable.
    handover.refresh_from_db()
    assert (handover.pdf_sha256, handover.pdf.name, handover.representative_name) == (
        checksum,
        pdf_name,
        "Aïcha Benali",
    )
    verify = client.get(reverse("certificates:verify", args=[handover.code]))
    assert verify.status_code == 200 and handover.number in verify.content.decode()
    # Idempotent.
    anonymise_user(member)
    assert User.objects.filter(pk=member.pk, email=f"anonyme-{member.pk}@anonyme.invalid").exists()


def test_only_a_superuser_anonymises_from_the_admin_after_a_confirmation(client, signed):
    member, _, _ = signed
    changelist = reverse("admin:accounts_user_changelist")
    post = {"action": "anonymise_selected", "_selected_action": [member.pk]}
    staff = staff_with_role("Instruction des candidatures", email="instruct@example.org")
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    page = client.get(changelist)
    assert page.status_code == 200 and "anonymise_selected" not in page.content.decode()
    client.post(changelist, post)
    member.refresh_from_db()
    assert member.email == "presidente@asso-a.example.org"

    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    confirm = client.post(changelist, post)
    assert confirm.status_code == 200 and "C'est définitif." in confirm.content.decode()
    member.refresh_from_db()
    assert member.email == "presidente@asso-a.example.org"  # nothing yet
    done = client.post(changelist, {**post, "apply": "yes"}, follow=True)
    assert "anonymisé" in done.content.decode()
    member.refresh_from_db()
    assert member.email.endswith("@anonyme.invalid")


def test_staff_export_action_downloads_json(client, signed):
    member, association, _ = signed
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "export_personal_data", "_selected_action": [member.pk]},
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["associations"][0]["legal_name"] == association.legal_name


def test_retention_deletes_anonymises_and_purges_only_what_is_due(settings, campaign):
    settings.RETENTION_UNCONFIRMED_ACCOUNT_DAYS = 30
    settings.RETENTION_INACTIVE_ACCOUNT_DAYS = 1000
    settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS = 365
    now = timezone.now()
    old, recent = now - datetime.timedelta(days=40), now - datetime.timedelta(days=5)
    stale = User.objects.create_user("jamais-confirme@example.org", "x")
    User.objects.filter(pk=stale.pk).update(date_joined=old)
    User.objects.create_user("tout-neuf@example.org", "x")
    asleep = member_of(AssociationFactory(legal_name="Endormie"), email="endormi@example.org")
    User.objects.filter(pk=asleep.pk).update(last_login=now - datetime.timedelta(days=1001))
    awake = member_of(AssociationFactory(legal_name="Active"), email="actif@example.org")
    User.objects.filter(pk=awake.pk).update(last_login=recent)
    staff = staff_with_role("Guichet de remise", email="agent@example.org")
    User.objects.filter(pk=staff.pk).update(last_login=now - datetime.timedelta(days=2000))
    rejected = ApplicationFactory(campaign=campaign, statutes=pdf_upload(), activity_report=pdf_upload("rapport.pdf"))
    Application.objects.filter(pk=rejected.pk).update(status=Application.Status.REJECTED)
    Application.objects.filter(pk=rejected.pk).update(updated_at=now - datetime.timedelta(days=400))
    kept = ApplicationFactory(campaign=campaign, statutes=pdf_upload())
    Application.objects.filter(pk=kept.pk).update(updated_at=old)  # still open: kept
    stored = rejected.statutes.storage
    statutes_name = Application.objects.get(pk=rejected.pk).statutes.name
    assert stored.exists(statutes_name)

    preview = apply_retention(dry_run=True)
    assert (preview.unconfirmed_accounts_deleted, preview.inactive_accounts_anonymised, preview.documents_deleted) == (
        1,
        1,
        2,
    )
    assert User.objects.filter(email="jamais-confirme@example.org").exists()  # a dry run changes nothing

    call_command("apply_retention")
    assert not User.objects.filter(email="jamais-confirme@example.org").exists()
    assert User.objects.filter(email="tout-neuf@example.org").exists()
    assert User.objects.get(pk=asleep.pk).email.endswith("@anonyme.invalid")
    assert User.objects.get(pk=awake.pk).email == "actif@example.org"
    assert User.objects.get(pk=staff.pk).email == "agent@example.org"  # staff accounts are closed by hand
    rejected.refresh_from_db()
    assert not rejected.statutes and not rejected.activity_report and not stored.exists(statutes_name)
    kept.refresh_from_db()
    assert kept.statutes
    again = apply_retention()
    assert (again.unconfirmed_accounts_deleted, again.inactive_accounts_anonymised, again.documents_deleted) == (
        0,
        0,
        0,
    )


def test_privacy_page_states_the_retention_settings(client, settings):
    settings.RETENTION_UNCONFIRMED_ACCOUNT_DAYS = 45
    page = client.get(reverse("privacy")).content.decode()
    assert "supprimé après 45 jours" in page
    assert settings.PRIVACY_CONTACT_EMAIL in page
    client.force_login(member_of(AssociationFactory(), email="m@example.org"))
    assert reverse("my_data") in client.get(reverse("privacy")).content.decode()


def test_the_nightly_task_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["personal-data-retention"]["task"] == "accounts.tasks.apply_retention"
    from accounts.tasks import apply_retention as task

    assert "comptes jamais confirmés supprimés : 0" in task.delay().get()


def test_no_email_is_sent_to_an_anonymised_address(django_capture_on_commit_callbacks, mailoutbox):
    from core.emails import queue_email

    with django_capture_on_commit_callbacks(execute=True):
        queue_email(
            template="application_submitted",
            context={},
            to=["anonyme-3@anonyme.invalid", "contact-3@ANONYME.invalid"],
        )
    assert mailoutbox == []
