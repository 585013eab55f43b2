"""Issue 14: messages at every stage with a PDF or photo, the team's contact address, the question on top,
files kept after a refused form, and the session notice on the login page."""

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from associations import services
from associations.models import Application, Message
from core.models import HeldUpload
from core.uploads import sweep_held_uploads
from tests.factories.accounts import reviewer, staff_with_role
from tests.factories.associations import ApplicationFactory, make_pdf_bytes
from tests.hostile_files import HOSTILE_PDFS, jpeg_declaring, png_cut, png_declaring, white_picture
from tests.portal.test_association_space import application_payload

pytestmark = pytest.mark.django_db
S = Application.Status


def _application(member, campaign, status=S.SUBMITTED, **kwargs):
    return ApplicationFactory(
        association=member.memberships.get().association, campaign=campaign, status=status, **kwargs
    )


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _answer(client, application, body="Voici le document demandé.", attachment=None, **extra):
    data = {"body": body, **extra}
    if attachment is not None:
        data["attachment"] = attachment
    return client.post(reverse("associations:application_answer", args=[application.pk]), data)


# 1. Writing to the team at every stage, with a PDF or a photo ---------------------------------------


@pytest.mark.parametrize("status", [S.SUBMITTED, S.WAITLISTED, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_the_association_can_write_at_every_stage(client, member, campaign, status):
    extra = {"granted_quantity": 20} if status == S.APPROVED else {}
    application = _application(member, campaign, status, **extra)
    client.force_login(member)
    page = client.get(application.get_absolute_url()).content.decode()
    assert reverse("associations:application_answer", args=[application.pk]) in page  # the form is there
    response = _answer(client, application, body="Une question sur la remise.")
    assert response.status_code == 302
    assert Message.objects.get(application=application).body == "Une question sur la remise."
    application.refresh_from_db()
    assert application.status == status  # a message alone changes nothing else


def test_a_draft_has_no_message_form_and_the_service_refuses(client, member, campaign):
    application = _application(member, campaign, S.DRAFT)
    client.force_login(member)
    page = client.get(application.get_absolute_url()).content.decode()
    assert reverse("associations:application_answer", args=[application.pk]) not in page
    response = _answer(client, application)
    assert response.status_code == 400
    assert "ne voit pas les brouillons" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("statuts-modifiés.pdf", make_pdf_bytes("Statuts"), "pdf"),
        ("photo du local.jpg", white_picture(800, 600, "JPEG"), "jpg"),
        ("plan.png", white_picture(300, 200, "PNG"), "png"),
        ("photo-sans-extension", white_picture(300, 200, "JPEG"), "jpg"),  # the content decides, not the name
    ],
)
def test_a_pdf_or_a_photo_is_attached_and_served_as_a_download(client, member, campaign, name, content, kind):
    application = _application(member, campaign)
    client.force_login(member)
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    assert _answer(client, application, attachment=upload).status_code == 302
    message = Message.objects.get(application=application)
    assert (message.attachment_type, message.attachment_name) == (kind, name)
    assert message.attachment.name.endswith("." + kind) and name not in message.attachment.name

    page = client.get(application.get_absolute_url()).content.decode()
    url = reverse("associations:message_attachment", args=[application.pk, message.pk])
    assert url in page and name in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[kind]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


HOSTILE_ATTACHMENTS = {
    # A polyglot does not start as a PDF: it is taken for a picture, and is not one either.
    **{
        f"pdf-{key}": (make, "document.pdf", "un PDF, ou une photo JPEG" if "polyglot" in key else message)
        for key, (make, message) in HOSTILE_PDFS.items()
    },
    "png-bomb": (lambda: png_declaring(20000, 20000), "photo.png", "trop grande"),
    "jpeg-bomb": (lambda: jpeg_declaring(14000, 12000), "photo.jpg", "trop grande"),
    "png-cut": (lambda: png_cut(400, 300), "photo.png", "incomplète ou endommagée"),
    "jpeg-cut": (lambda: jpeg_declaring(64, 64), "photo.jpg", "incomplète ou endommagée"),
    "html-as-jpeg": (lambda: b"<html><script>alert(1)</script></html>", "photo.jpg", "un PDF, ou une photo JPEG"),
    "gif": (lambda: white_picture(20, 20, "GIF"), "photo.gif", "un PDF, ou une photo JPEG"),
    "empty": (lambda: b"", "vide.pdf", ""),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_ATTACHMENTS))
def test_a_hostile_attachment_is_refused_on_its_field_and_nothing_is_written(client, member, campaign, settings, kind):
    make, name, expected = HOSTILE_ATTACHMENTS[kind]
    application = _application(member, campaign, S.INFO_REQUESTED)
    before = _stored(settings)
    client.force_login(member)
    response = _answer(client, application, attachment=SimpleUploadedFile(name, make(), content_type="image/jpeg"))
    assert response.status_code == 400
    errors = response.context["answer_form"].errors
    assert "attachment" in errors, errors
    assert expected in " ".join(errors["attachment"])
    assert re.search(r"[éèàç]|fichier|Joignez", " ".join(errors["attachment"]))  # in French
    assert not Message.objects.exists() and not HeldUpload.objects.exists()
    assert _stored(settings) == before
    application.refresh_from_db()
    assert application.status == S.INFO_REQUESTED  # the answer did not go through


def test_the_service_checks_the_attachment_too(member, campaign, settings):
    """Not only the form: a caller of the service gets the same field error, and nothing is written."""
    application = _application(member, campaign)
    upload = SimpleUploadedFile("x.png", png_declaring(20000, 20000), content_type="image/png")
    with pytest.raises(ValidationError) as raised:
        services.application_answer(application=application, by=member, body="Voici.", attachment=upload)
    assert "attachment" in raised.value.message_dict
    assert not Message.objects.exists()
    assert _stored(settings) == sorted(
        Path(settings.MEDIA_ROOT) / f.name for f in (application.statutes, application.activity_report)
    )


def test_an_attachment_counts_in_the_account_quota(member, campaign, settings):
    settings.MAX_DOCUMENTS_PER_ACCOUNT = 2  # the application's two documents already
    application = _application(member, campaign)
    upload = SimpleUploadedFile("plan.pdf", make_pdf_bytes(), content_type="application/pdf")
    with pytest.raises(ValidationError) as raised:
        services.application_answer(application=application, by=member, body="Voici.", attachment=upload)
    assert "c'est le maximum" in " ".join(raised.value.message_dict["attachment"])
    assert not Message.objects.exists()


@pytest.fixture
def attached(member, campaign):
    application = _application(member, campaign)
    services.application_answer(
        application=application,
        by=member,
        body="Le plan du local.",
        attachment=SimpleUploadedFile("plan.pdf", make_pdf_bytes("Plan"), content_type="application/pdf"),
    )
    message = Message.objects.get(application=application)
    return application, message, reverse("associations:message_attachment", args=[application.pk, message.pk])


def test_another_association_and_staff_without_the_permission_get_404(client, attached, other_member):
    application, message, url = attached
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    client.force_login(staff_with_role(roles.INVENTORY_OPERATOR))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_attachment_is_only_found_under_its_own_application(client, attached, member):
    application, message, url = attached
    other = _application(member, _other_campaign())
    client.force_login(member)
    assert client.get(url).status_code == 200
    assert client.get(reverse("associations:message_attachment", args=[other.pk, message.pk])).status_code == 404


def test_reviewers_see_the_attachment_beside_the_message_in_the_admin(client, attached):
    application, message, url = attached
    client.force_login(reviewer())
    page = client.get(reverse("admin:associations_application_change", args=[application.pk])).content.decode()
    assert "Le plan du local." in page and url in page and "plan.pdf" in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# 2. The campaign team's contact address -------------------------------------------------------------


def test_the_contact_address_is_a_campaign_setting_shown_as_a_mailto_link(client, member, campaign, settings):
    campaign.contact_email = "equipe-numerique@marseille.example.fr"
    campaign.save()
    application = _application(member, campaign)
    client.force_login(member)
    link = 'href="mailto:equipe-numerique@marseille.example.fr"'
    assert link in client.get(application.get_absolute_url()).content.decode()
    form = client.get(
        reverse("associations:application_edit", args=[_application(member, _other_campaign(), S.DRAFT).pk])
    )
    assert 'href="mailto:lyon@ville.example.fr"' in form.content.decode()


def _other_campaign():
    from tests.factories.campaigns import CampaignFactory

    return CampaignFactory(name="Deuxième campagne", slug="deuxieme", contact_email="lyon@ville.example.fr")


def test_a_new_campaign_takes_the_default_address(settings):
    from tests.factories.campaigns import CampaignFactory

    settings.CAMPAIGN_CONTACT_EMAIL = "accueil@dons.example.org"
    assert CampaignFactory(slug="defaut").contact_email == "accueil@dons.example.org"


def test_the_address_is_edited_in_the_campaign_admin(admin_client, campaign):
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert 'name="contact_email"' in page


def test_emails_to_the_association_give_the_address_and_answers_go_to_the_team(member, campaign):
    campaign.contact_email = "equipe@marseille.example.fr"
    campaign.save()
    application = _application(member, campaign)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.application_request_info(application=application, by=reviewer(), message="Combien de salles ?")
    (sent,) = [m for m in mail.outbox if "Combien de salles ?" in m.body]
    assert "Contactez-nous : equipe@marseille.example.fr" in sent.body
    assert sent.reply_to == ["equipe@marseille.example.fr"]
    html = sent.alternatives[0][0]
    assert '<a href="mailto:equipe@marseille.example.fr">equipe@marseille.example.fr</a>' in html


def test_the_accessibility_page_gives_the_default_address(client, settings):
    settings.CAMPAIGN_CONTACT_EMAIL = "accueil@dons.example.org"
    assert 'href="mailto:accueil@dons.example.org"' in client.get(reverse("accessibility")).content.decode()


# 3. The team's question at the top, the answer form right under it ---------------------------------


def test_the_question_is_at_the_top_with_the_answer_form_under_it(client, member, campaign):
    application = _application(member, campaign)
    services.application_request_info(application=application, by=reviewer(), message="Quelle surface fait le local ?")
    client.force_login(member)
    page = client.get(application.get_absolute_url()).content.decode()
    question = page.index("Quelle surface fait le local ?")
    form = page.index(reverse("associations:application_answer", args=[application.pk]))
    assert question < form < page.index('id="demande"') < page.index('id="echanges"')
    assert page.count('action="' + reverse("associations:application_answer", args=[application.pk])) == 1

    response = _answer(client, application, body="40 m².")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert (
        "Quelle surface fait le local ?"
        not in client.get(application.get_absolute_url()).content.decode().split('id="demande"')[0]
    )


# 4. Files kept after a validation error -------------------------------------------------------------


def test_files_are_kept_after_a_validation_error_and_used_on_the_next_try(client, member, campaign, settings):
    client.force_login(member)
    url = reverse("associations:application_create", args=[campaign.slug])
    refused = client.post(url, application_payload(public_use_quantity="3"))  # 3 + 4 is not 20
    assert refused.status_code == 200 and "public_use_quantity" in refused.context["form"].errors
    assert not Application.objects.exists()
    page = refused.content.decode()
    assert "Fichier déjà joint : <strong>statuts.pdf</strong>" in page
    assert "Fichier déjà joint : <strong>rapport.pdf</strong>" in page
    tokens = dict(re.findall(r'name="(statutes|activity_report)_held" value="([0-9a-f-]+)"', page))
    assert set(tokens) == {"statutes", "activity_report"}

    payload = application_payload()
    del payload["statutes"], payload["activity_report"]  # the browser sends no file again
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(
            url, {**payload, "statutes_held": tokens["statutes"], "activity_report_held": tokens["activity_report"]}
        )
    assert done.status_code == 302, done.context["form"].errors if done.context else done
    application = Application.objects.get()
    assert application.status == S.SUBMITTED
    assert application.statutes.read() == make_pdf_bytes() and application.activity_report
    assert not HeldUpload.objects.exists()
    assert all("held" not in p.parts for p in _stored(settings))


def test_a_new_file_replaces_the_kept_one(client, member, campaign):
    client.force_login(member)
    url = reverse("associations:application_create", args=[campaign.slug])
    page = client.post(url, application_payload(public_use_quantity="3")).content.decode()
    tokens = dict(re.findall(r'name="(statutes|activity_report)_held" value="([0-9a-f-]+)"', page))
    payload = application_payload(
        statutes=SimpleUploadedFile("v2.pdf", make_pdf_bytes("V2"), content_type="application/pdf")
    )
    del payload["activity_report"]
    assert client.post(url, {**payload, **{f"{k}_held": v for k, v in tokens.items()}}).status_code == 302
    application = Application.objects.get()
    assert application.statutes.read() == make_pdf_bytes("V2")


def test_a_kept_file_is_its_owners_only(client, member, other_member, campaign):
    client.force_login(member)
    url = reverse("associations:application_create", args=[campaign.slug])
    page = client.post(url, application_payload(public_use_quantity="3")).content.decode()
    tokens = dict(re.findall(r'name="(statutes|activity_report)_held" value="([0-9a-f-]+)"', page))
    client.force_login(other_member)
    payload = application_payload()
    del payload["statutes"], payload["activity_report"]
    response = client.post(url, {**payload, **{f"{k}_held": v for k, v in tokens.items()}})
    # B's draft is saved without A's files, and its submission asks for the documents.
    assert response.status_code == 200
    assert "Joignez les statuts" in response.content.decode()
    draft = Application.objects.get()
    assert not draft.statutes and not draft.activity_report
    assert HeldUpload.objects.filter(user=member).count() == 2


def test_an_edit_keeps_its_files_after_a_validation_error(client, member, campaign):
    application = _application(member, campaign, S.DRAFT, statutes="", activity_report="")
    client.force_login(member)
    url = reverse("associations:application_edit", args=[application.pk])
    page = client.post(url, application_payload(requested_quantity="500")).content.decode()
    assert "Fichier déjà joint : <strong>statuts.pdf</strong>" in page
    tokens = dict(re.findall(r'name="(statutes|activity_report)_held" value="([0-9a-f-]+)"', page))
    payload = application_payload()
    del payload["statutes"], payload["activity_report"]
    assert client.post(url, {**payload, **{f"{k}_held": v for k, v in tokens.items()}}).status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.statutes and application.activity_report


def test_a_message_keeps_its_attachment_when_the_text_is_missing(client, member, campaign):
    application = _application(member, campaign)
    client.force_login(member)
    upload = SimpleUploadedFile("plan.pdf", make_pdf_bytes(), content_type="application/pdf")
    page = _answer(client, application, body="", attachment=upload).content.decode()
    assert "Fichier déjà joint : <strong>plan.pdf</strong>" in page
    token = re.search(r'name="attachment_held" value="([0-9a-f-]+)"', page).group(1)
    assert _answer(client, application, body="Le plan.", attachment_held=token).status_code == 302
    assert Message.objects.get().attachment_name == "plan.pdf"
    assert not HeldUpload.objects.exists()


def test_kept_files_are_swept_after_some_hours(client, member, campaign, settings):
    client.force_login(member)
    client.post(
        reverse("associations:application_create", args=[campaign.slug]), application_payload(public_use_quantity="3")
    )
    assert HeldUpload.objects.count() == 2
    now = timezone.now()
    assert sweep_held_uploads(now=now) == 0  # fresh: kept
    later = now + datetime.timedelta(hours=settings.HELD_UPLOAD_HOURS, minutes=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sweep_held_uploads(now=later) == 2
    assert not HeldUpload.objects.exists()
    assert all("held" not in p.parts for p in _stored(settings))


# 5. The session notice (the draft itself is checked in the browser: tests/e2e/test_drafts.py) ------


def test_the_login_page_carries_the_session_notice_and_the_drafts_script(client):
    page = client.get(reverse("account_login") + "?next=/space/").content.decode()
    assert "data-session-notice" in page and "Votre session a expiré" in page
    assert "js/drafts.js" in page


def test_the_answer_url_sends_a_get_back_to_the_application(client, member, campaign):
    application = _application(member, campaign)
    client.force_login(member)
    response = client.get(reverse("associations:application_answer", args=[application.pk]))
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()


def test_forms_are_marked_for_drafts_and_the_consent_is_never_restored(client, member, campaign):
    client.force_login(member)
    page = client.get(reverse("associations:application_create", args=[campaign.slug])).content.decode()
    assert f'-{member.pk}"' in re.search(r'data-draft="[^"]+"', page).group(0)
    assert re.search(r'<input[^>]*name="consent"[^>]*data-no-draft|<input[^>]*data-no-draft[^>]*name="consent"', page)


def test_attachments_of_long_closed_applications_are_deleted_by_the_retention(member, campaign, settings):
    from associations.privacy import retention

    application = _application(member, campaign)
    services.application_answer(
        application=application,
        by=member,
        body="Le plan.",
        attachment=SimpleUploadedFile("plan.pdf", make_pdf_bytes(), content_type="application/pdf"),
    )
    services.application_withdraw(application=application, by=member)
    message = Message.objects.get()
    stored = Path(settings.MEDIA_ROOT) / message.attachment.name
    assert stored.exists()
    soon = timezone.now() + datetime.timedelta(days=settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS - 1)
    assert retention(now=soon, dry_run=False)["documents_deleted"] == 0
    later = timezone.now() + datetime.timedelta(days=settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS + 1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert retention(now=later, dry_run=False)["documents_deleted"] == 3  # two documents and the attachment
    message.refresh_from_db()
    assert not message.attachment and message.attachment_name == "" and message.body == "Le plan."
    assert not stored.exists()
