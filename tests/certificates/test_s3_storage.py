"""Certificates on S3-compatible storage: rendered into the private bucket (signatures read back from it
for the signed PDF), downloaded through the portal's access-checked views, nothing on the local disk."""

import hashlib

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import Handover
from tests.certificates.conftest import record_handover
from tests.conftest import S3_BUCKET, bucket_keys, granted_to_the_public

pytestmark = pytest.mark.django_db


def test_rendered_signed_and_downloaded_through_the_bucket(
    client, handover, desk, association_member, s3_storage, django_capture_on_commit_callbacks
):
    services.handover_render(handover_id=handover.pk)
    handover.refresh_from_db()
    unsigned_key = handover.pdf.name
    assert bucket_keys(s3_storage) == {unsigned_key}
    unsigned = s3_storage.get_object(Bucket=S3_BUCKET, Key=unsigned_key)["Body"].read()
    assert hashlib.sha256(unsigned).hexdigest() == handover.pdf_sha256

    client.force_login(association_member)
    response = client.get(reverse("certificates:download", args=[handover.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == unsigned

    with django_capture_on_commit_callbacks(execute=True):
        record_handover(handover, desk, notify=False)
    # The signed render reads both signatures back from the bucket (as a worker on another host would).
    with django_capture_on_commit_callbacks(execute=True):
        services.handover_render(handover_id=handover.pk)
    handover = Handover.objects.get(pk=handover.pk)
    assert handover.state == Handover.State.READY and handover.signed_pdf
    stored = bucket_keys(s3_storage)
    assert {handover.signed_pdf.name, handover.association_signature.name, handover.operator_signature.name} <= stored
    for key in stored:
        assert granted_to_the_public(s3_storage, key) == [], key

    signed = s3_storage.get_object(Bucket=S3_BUCKET, Key=handover.signed_pdf.name)["Body"].read()
    assert hashlib.sha256(signed).hexdigest() == handover.signed_pdf_sha256
    response = client.get(reverse("certificates:download", args=[handover.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == signed
    assert "no-store" in response["Cache-Control"]

    # The desk prints it from the bucket too.
    client.force_login(desk)
    response = client.get(reverse("admin:certificates_handover_pdf", args=[handover.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_certificate_missing_from_the_bucket_answers_404(client, handover, association_member, s3_storage):
    services.handover_render(handover_id=handover.pk)
    handover.refresh_from_db()
    s3_storage.delete_object(Bucket=S3_BUCKET, Key=handover.pdf.name)
    client.force_login(association_member)
    assert client.get(reverse("certificates:download", args=[handover.pk])).status_code == 404
