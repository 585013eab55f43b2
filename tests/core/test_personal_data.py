"""Personal data (issue 7): export, anonymisation on request without breaking history, retention."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.privacy import apply_retention, user_anonymise, user_export
from associations.models import Application, ApplicationEvent, Association, Message
from tests.certificates.conftest import record_handover
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import ApplicationFactory, AssociationFactory, member_of, pdf_upload
from tests.factories.certificates import confirmed_wave, desk_operator

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
    handover = record_handover(allocation.handover, desk, representative_name="Aïcha Benali", notify=False)
    handover.refresh_from_db()
    return member, association, handover


def test_export_holds_the_person_their_association_and_nothing_of_another(signed):
    member, association, handover = signed
    other = member_of(AssociationFactory(legal_name="Quartiers Connectés"), email="b@asso-b.example.org")
    ApplicationFactory(association=other.memberships.get().association, project="Projet secret de B")
    data = user_export(user=member)
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

    user_anonymise(user=member)

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
    user_anonymise(user=member)
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
    page = client.get(reverse("admin:accounts_user_change", args=[member.pk])).content.decode()
    assert "Compte anonymisé" in page  # the account history on the user page


def test_staff_export_action_downloads_json(client, signed):
    member, association, _ = signed
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "export_personal_data", "_selected_action": [member.pk]},
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["associations"][0]["legal_name"] == association.legal_name


def test_retention_deletes_anonymises_and_purges_only_what_is_due(
    settings, campaign, django_capture_on_commit_callbacks
):
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

    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows no longer point at them
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
    from core.emails import notify

    with django_capture_on_commit_callbacks(execute=True):
        notify({"anonyme-3@anonyme.invalid": "fr", "contact-3@ANONYME.invalid": "fr"}, "application_submitted", {})
    assert mailoutbox == []


def test_export_works_for_staff_with_a_row_in_every_kind_of_journal(client, signed, campaign):
    from campaigns.models import CampaignEvent

    manager = staff_with_role("Responsables de campagne", email="manager@ville.example.org")
    CampaignEvent.objects.create(
        campaign=campaign, actor=manager, actor_label="Manon Ager", from_status="draft", to_status="open"
    )
    client.force_login(manager)
    response = client.get(reverse("my_data"))
    assert response.status_code == 200
    assert json.loads(response.content)["history"][0]["event"] == "draft → open"
    from accounts.models import AccountEvent

    assert AccountEvent.objects.filter(user=manager, kind="exported", actor=manager).count() == 1


def test_anonymising_scrubs_every_trace_and_only_that_person(client, signed):
    from allauth.account.models import EmailAddress
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import AccountEvent
    from impact.models import ImpactReminder

    member, association, _ = signed
    EmailAddress.objects.create(user=member, email="Aicha.Perso@Exemple.org", verified=True, primary=False)
    Association.objects.filter(pk=association.pk).update(contact_email="aicha.perso@exemple.org")
    neighbour = "an@asso-a.example.org"  # a substring of nothing, but shares the domain
    from tests.factories.impact import impact_reports_for

    report = impact_reports_for(handed_over_wave_for(association))[0]
    reminder = ImpactReminder.objects.create(
        report=report,
        kind="before",
        recipients=f"PRESIDENTE@asso-a.example.org, {neighbour}, jean.presidente@asso-a.example.org",
    )
    from core.models import OutboxEmail

    waiting = OutboxEmail.objects.create(
        template="application_submitted", to=["Presidente@asso-a.example.org", neighbour]
    )
    sent = OutboxEmail.objects.create(template="application_submitted", to=[member.email], sent_at=timezone.now())
    # Another person whose address contains this one's: their history stays.
    someone_else = OutboxEmail.objects.create(
        template="application_submitted", to=["jean.presidente@asso-a.example.org"], sent_at=timezone.now()
    )
    root = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    LogEntry.objects.log_actions(
        root.pk, User.objects.filter(pk=member.pk), CHANGE, change_message="Modifié Aïcha Benali", single_object=True
    )

    user_anonymise(user=member, by=root, note="à la demande")

    label = f"Utilisateur anonymisé n°{member.pk}"
    reminder.refresh_from_db()
    assert reminder.recipients == f"{label}, {neighbour}, jean.presidente@asso-a.example.org"
    association.refresh_from_db()
    assert association.contact_email == f"contact-{member.pk}@anonyme.invalid" and association.contact_name == label
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(User), object_id=str(member.pk))
    assert "Benali" not in entry.object_repr + entry.change_message
    assert "presidente@asso-a" not in entry.object_repr and label in entry.object_repr
    event = AccountEvent.objects.get(user=member, kind="anonymised")
    assert (event.actor, event.note) == (root, "à la demande")
    assert not EmailAddress.objects.filter(email__iexact="aicha.perso@exemple.org").exists()
    waiting.refresh_from_db()
    assert waiting.to == [neighbour] and not OutboxEmail.objects.filter(pk=sent.pk).exists()
    assert OutboxEmail.objects.filter(pk=someone_else.pk).exists()


def handed_over_wave_for(association):
    from donations.models import Wave

    return Wave.objects.filter(allocations__application__association=association).first()


def test_every_field_naming_a_person_is_anonymised_or_kept_for_a_stated_reason():
    """A new field holding a name, an address or a phone must be decided on here, not forgotten."""
    from django.apps import apps
    from django.db import models as m

    from accounts.privacy import KEPT_AS_EVIDENCE, journal_models

    handled = {
        "account.EmailAddress.email",  # deleted
        "accounts.User.first_name",
        "accounts.User.last_name",
        "accounts.User.email",
        "associations.Association.contact_name",  # replaced when it is the person
        "associations.Association.contact_email",
        "associations.Association.contact_phone",
        "impact.ImpactReminder.recipients",
        "core.HeldUpload.name",  # deleted after HELD_UPLOAD_HOURS (core.uploads), and with the account
        "associations.Invitation.email",  # an unused invitation is deleted, a used one loses the address
        # Who declared, withdrew or issued (impact.privacy): replaced by the pseudonym.
        "impact.ReceiptEligibility.declared_by_name",
        "impact.ReceiptEligibility.withdrawn_by_name",
        "impact.LotValuation.declared_by_name",
        "impact.Receipt.issued_by_name",
        *(f"{model._meta.label}.actor_label" for model in journal_models()),
    }
    not_personal = {
        "auth.Permission.name",
        "auth.Permission.codename",
        "auth.Group.name",
        "contenttypes.ContentType.app_label",
        "associations.Association.legal_name",
        "campaigns.Donor.name",
        "campaigns.Organiser.name",  # a city or a public body running campaigns
        "campaigns.DonorOffer.company_name",  # a company's name
        "campaigns.Donor.contact_email",  # the donor company's address, not a portal user's
        "inventory.StockPartner.name",  # a refurbishing company
        "inventory.StockPartner.contact_email",  # the refurbisher's address, not a portal user's
        "api.ApiToken.name",  # what the token is for (« ERP Orange »)
        "inventory.WipeEvidence.original_name",  # the wiping tool's report file name (« nwipe-sda.log »)
        "campaigns.Campaign.name",
        "donations.Wave.name",
        "core.OutboxEmail.attachment_name",  # the certificate's file name (its number)
        "campaigns.Campaign.contact_email",  # the campaign team's shared address, not a portal user's
        # A document's file name, kept with the message it came with like the message's text; deleted with the
        # file by the retention of closed applications (associations.privacy.retention).
        "associations.Message.attachment_name",
        "inventory.ChecklistItem.label",  # the name of a function to test (« Ports USB »)
        "inventory.FunctionalTestResult.label",  # the same words, kept with the test
        # A photo's file name (made safe by associations.documents.display_name), kept with the fault report like
        # its description.
        "support.TicketPhoto.name",
    }
    found = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
        and isinstance(field, (m.CharField, m.TextField))
        and any(k in field.name for k in ("name", "label", "email", "recipients", "phone", "representative"))
    }
    assert found - handled - not_personal - set(KEPT_AS_EVIDENCE) == set()
    assert len(journal_models()) >= 8  # the seven app journals and the account's own


def test_retention_never_cuts_off_an_association_that_is_still_active(settings, campaign):
    settings.RETENTION_INACTIVE_ACCOUNT_DAYS = 1000
    long_ago = timezone.now() - datetime.timedelta(days=1500)
    quiet = member_of(AssociationFactory(legal_name="En sommeil"), email="sommeil@example.org")
    busy = member_of(AssociationFactory(legal_name="Toujours là"), email="toujours@example.org")
    User.objects.filter(pk__in=[quiet.pk, busy.pk]).update(last_login=long_ago, date_joined=long_ago)
    ApplicationFactory(association=busy.memberships.get().association, campaign=campaign)  # updated just now
    assert apply_retention().inactive_accounts_anonymised == 1
    assert User.objects.get(pk=quiet.pk).email.endswith("@anonyme.invalid")
    assert User.objects.get(pk=busy.pk).email == "toujours@example.org"
