"""Supporting documents on S3-compatible storage (several hosts share one private bucket).

The storage is the production backend (django-storages' S3Storage, options from the settings) against
moto's in-process S3; the local MEDIA_ROOT must stay unwritten (checked by the ``s3_storage`` fixture).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from associations.models import Application
from tests.conftest import S3_BUCKET, bucket_keys, granted_to_the_public
from tests.factories.associations import make_pdf_bytes
from tests.portal.test_association_space import application_payload

pytestmark = pytest.mark.django_db


def test_documents_go_to_the_private_bucket_and_come_back_only_through_the_portal(client, member, campaign, s3_storage):
    client.force_login(member)
    statutes = make_pdf_bytes("Statuts S3")
    payload = application_payload(
        statutes=SimpleUploadedFile("statuts.pdf", statutes, content_type="application/pdf"),
    )
    del payload["submit"]
    payload["save"] = "1"  # a draft stays editable
    response = client.post(reverse("associations:application_create", args=[campaign.slug]), payload)
    assert response.status_code == 302
    application = Application.objects.get()

    keys = bucket_keys(s3_storage)
    assert keys == {application.statutes.name, application.activity_report.name}
    for key in keys:
        assert key.startswith(f"associations/{application.association_id}/")
        assert granted_to_the_public(s3_storage, key) == []
    stored = s3_storage.get_object(Bucket=S3_BUCKET, Key=application.statutes.name)["Body"].read()
    assert stored == statutes

    document_url = reverse("associations:application_document", args=[application.pk, "statutes"])
    response = client.get(document_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == statutes

    # The edit page links the document through the portal's access-checked view, never to the bucket
    # (the file widget used to print the storage's URL: a signed bucket address that anyone could use).
    page = client.get(reverse("associations:application_edit", args=[application.pk])).content.decode()
    assert document_url in page
    for leak in (S3_BUCKET, "X-Amz-", "amazonaws.com", application.statutes.name):
        assert leak not in page


def test_a_replaced_document_is_read_from_the_bucket(client, member, campaign, s3_storage):
    client.force_login(member)
    payload = application_payload()
    del payload["submit"]
    payload["save"] = "1"
    client.post(reverse("associations:application_create", args=[campaign.slug]), payload)
    application = Application.objects.get()
    first = application.statutes.name

    replacement = make_pdf_bytes("Statuts modifiés")
    payload = application_payload(
        statutes=SimpleUploadedFile("statuts-2.pdf", replacement, content_type="application/pdf"),
        activity_report="",
    )
    del payload["submit"]
    payload["save"] = "1"
    response = client.post(reverse("associations:application_edit", args=[application.pk]), payload)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.statutes.name != first and application.statutes.name in bucket_keys(s3_storage)
    response = client.get(reverse("associations:application_document", args=[application.pk, "statutes"]))
    assert b"".join(response.streaming_content) == replacement


def test_a_document_missing_from_the_bucket_answers_404_not_500(client, member, campaign, s3_storage):
    client.force_login(member)
    client.post(reverse("associations:application_create", args=[campaign.slug]), application_payload())
    application = Application.objects.get()
    s3_storage.delete_object(Bucket=S3_BUCKET, Key=application.statutes.name)
    response = client.get(reverse("associations:application_document", args=[application.pk, "statutes"]))
    assert response.status_code == 404
