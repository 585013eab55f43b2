"""Several hosts, one file storage: two gunicorn web processes and a Celery worker that share nothing but
PostgreSQL, Redis and an S3-compatible storage (moto's server, a private bucket), as scripts/stack-e2e.sh
starts them. Each process has a MEDIA_ROOT of its own, which the script checks stays empty.

- a document uploaded through web process 1 is read through web process 2;
- a certificate rendered by the worker is downloaded through either web process;
- the bucket stays private: no object or bucket grant to the public, an anonymous GET of an object is
  refused, and the portal never hands out a bucket address (files go through its access-checked views).
"""

import hashlib
import os
import re
import secrets
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories.associations import make_pdf_bytes
from tests.inventory.test_import import HEADER, csv_bytes, rows
from tests.stack.conftest import log_in
from tests.stack.test_journeys import PASSWORD, RENDER_TIMEOUT_MS, _applied, apply_as_new_association

pytestmark = pytest.mark.e2e
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
WAVE_2 = re.compile("Vague 2 – Deuxième distribution")


@pytest.fixture(scope="session")
def stack_url2(stack_url) -> str:
    return os.environ["STACK_BASE_URL2"].rstrip("/")


@pytest.fixture(scope="session")
def bucket(stack_url) -> str:
    return os.environ["STACK_S3_BUCKET"]


@pytest.fixture(scope="session")
def s3(stack_url):
    """A client of the stack's S3 server with the portal's keys: to look at the bucket from outside."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=os.environ["STACK_S3_ENDPOINT"],
        region_name="eu-west-3",
        aws_access_key_id=os.environ["STACK_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["STACK_S3_SECRET_KEY"],
    )


def bucket_objects(s3, bucket: str, prefix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def object_with(s3, bucket: str, prefix: str, content: bytes) -> str:
    """The key of the object under ``prefix`` holding exactly ``content``."""
    digest = hashlib.sha256(content).hexdigest()
    for key in bucket_objects(s3, bucket, prefix):
        if hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest() == digest:
            return key
    pytest.fail(f"no object under {prefix!r} holds these {len(content)} bytes")


def download(page, url: str) -> bytes:
    """A PDF through the portal, with the page's session; a redirect (to the bucket, say) fails."""
    response = page.request.get(url, max_redirects=0)
    assert response.status == 200, f"{url}: {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-"), body[:40]
    return body


def assert_no_bucket_address(html: str, bucket: str) -> None:
    endpoint = urlsplit(os.environ["STACK_S3_ENDPOINT"])
    for leak in (endpoint.netloc, bucket, "X-Amz-", "amazonaws.com"):
        assert leak not in html, f"the page hands out a storage address ({leak})"


def test_a_document_uploaded_through_one_web_process_is_read_through_the_other(
    open_page, wait_for_email, tmp_path, stack_url, stack_url2, s3, bucket
):
    page = open_page()
    # The association of journey a) applied through web process 1; when it did not run, apply here.
    applied = dict(_applied) or apply_as_new_association(page, wait_for_email, tmp_path, stack_url)
    if _applied:
        log_in(page, applied["email"], PASSWORD)
    statutes, report = make_pdf_bytes("Statuts"), make_pdf_bytes("Rapport")  # what it uploaded (deterministic)
    detail_path = urlsplit(applied["application_url"]).path
    pk = re.search(r"/space/applications/(\d+)/$", detail_path).group(1)

    # Web process 2 (its MEDIA_ROOT is empty) shows the application and serves both documents.
    page.goto(f"{stack_url2}{detail_path}")
    expect(page.get_by_role("link", name="Statuts (PDF)")).to_have_attribute(
        "href", f"/space/applications/{pk}/documents/statutes/"
    )
    assert_no_bucket_address(page.content(), bucket)
    assert download(page, f"{stack_url2}/space/applications/{pk}/documents/statutes/") == statutes
    assert download(page, f"{stack_url2}/space/applications/{pk}/documents/activity_report/") == report

    # They are in the bucket, private: an anonymous GET of the object is refused.
    key = object_with(s3, bucket, "associations/", statutes)
    anonymous_get_is_refused(f"{os.environ['STACK_S3_ENDPOINT']}/{bucket}/{key}")

    # Another account reads neither through web process 2.
    page.context.clear_cookies()
    log_in(page, "association@demo.test")
    response = page.request.get(f"{stack_url2}/space/applications/{pk}/documents/statutes/", max_redirects=0)
    assert response.status == 404


def anonymous_get_is_refused(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            pytest.fail(f"anonymous GET {url} answered {response.status}")
    except urllib.error.HTTPError as refused:
        assert refused.code == 403, refused.code


def confirm_wave_2_unless_done(manager) -> None:
    """Wave 2 is confirmed by the journey test c) when it ran first; confirm it here otherwise."""
    log_in(manager, "manager@demo.test", admin=True)
    manager.goto("/admin/donations/wave/")
    manager.get_by_role("link", name=WAVE_2).first.click()
    plan = manager.locator("#content").get_by_role("link", name="Planifier cette vague")
    if not plan.count():
        return  # confirmed already: no plan to open
    plan.first.click()
    confirm = manager.get_by_role("link", name="Confirmer la vague…")
    if confirm.count():
        confirm.click()
        manager.get_by_role("button", name="Oui, confirmer la vague et réserver les ordinateurs").click()
        expect(manager.locator(".messagelist .success")).to_contain_text("Vague confirmée")


def test_a_certificate_rendered_by_the_worker_is_downloaded_through_either_web_process(
    open_page, stack_url, stack_url2, s3, bucket
):
    confirm_wave_2_unless_done(open_page())
    desk = open_page()
    log_in(desk, "desk@demo.test", admin=True)
    desk.goto(f"{stack_url2}/admin/certificates/handover/desk/")
    desk.get_by_role("link", name=WAVE_2).click()
    expect(desk.locator("#content-main[data-done=true]")).to_be_attached(timeout=RENDER_TIMEOUT_MS)
    assert_no_bucket_address(desk.content(), bucket)
    printable = desk.locator("tr[data-handover-id]").filter(has=desk.get_by_role("link", name="Imprimer")).first
    href = printable.get_by_role("link", name="Imprimer").get_attribute("href")
    assert href.startswith("/admin/"), href  # the portal's view, not the storage

    through_1 = download(desk, f"{stack_url}{href}")
    through_2 = download(desk, f"{stack_url2}{href}")
    assert through_1 == through_2
    # Rendered by the worker into the bucket (wave 2's certificates, never seeded), privately.
    key = object_with(s3, bucket, "certificates/", through_1)
    anonymous_get_is_refused(f"{os.environ['STACK_S3_ENDPOINT']}/{bucket}/{key}")


def test_the_bucket_grants_nothing_to_the_public(s3, bucket):
    keys = bucket_objects(s3, bucket)
    assert any(k.startswith("associations/") for k in keys) and any(k.startswith("certificates/") for k in keys)
    for key in keys:
        grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS], key
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()), block
    # moto refuses an anonymous GET of a private object (checked above) but, unlike S3, lists a bucket
    # to anyone: the bucket's ACL and its public access block are what keep a real bucket's list private.
    anonymous_get_is_refused(f"{os.environ['STACK_S3_ENDPOINT']}/{bucket}/{keys[0]}")


def test_a_stock_import_checked_on_one_web_process_is_confirmed_on_the_other(
    open_page, tmp_path, stack_url, stack_url2, s3, bucket
):
    """The file waiting for confirmation lives in the shared storage, not in a host's temporary folder."""
    first = 900_000 + 10 * secrets.randbelow(9_000)  # SN9xxxx0 and SN9xxxx1 share a search prefix
    source = tmp_path / "dons.csv"
    source.write_bytes(csv_bytes(HEADER, rows(2, lot="ORANGE-2026-01", start=first)))
    waiting_before = set(bucket_objects(s3, bucket, "django-import-export/"))

    stock = open_page()
    log_in(stock, "stock@demo.test", admin=True)
    stock.goto("/admin/inventory/computer/import/")  # web process 1
    stock.get_by_label("Fichier à importer (CSV ou XLSX)").set_input_files(str(source))
    stock.get_by_role("button", name="Vérifier le fichier").click()
    confirm = stock.locator("form[action$='/process_import/']")
    expect(confirm).to_be_attached()
    waiting = set(bucket_objects(s3, bucket, "django-import-export/")) - waiting_before
    assert len(waiting) == 1, waiting  # kept in the bucket for the confirmation

    # The confirmation reaches web process 2, which reads the file from the bucket.
    fields = confirm.evaluate("form => Object.fromEntries(new FormData(form))")
    response = stock.request.post(
        f"{stack_url2}/admin/inventory/computer/process_import/",
        form={**fields, "confirm": "Confirmer l'import"},
        headers={"Origin": stack_url2, "Referer": f"{stack_url2}/admin/inventory/computer/import/"},
        max_redirects=0,
    )
    assert response.status == 302, response.text()[:500]
    stock.goto(f"{stack_url2}/admin/inventory/computer/?q=SN{first // 10:05d}")
    for serial in (f"SN{first:06d}", f"SN{first + 1:06d}"):
        expect(stock.locator("#result_list")).to_contain_text(serial)
    assert not waiting & set(bucket_objects(s3, bucket, "django-import-export/"))  # removed once imported
