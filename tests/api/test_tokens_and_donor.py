"""Tokens (hashed, revoked, unknown), the donor's endpoints (only its own), throttling per token, the admin."""

import pytest
from django.urls import reverse

from api import services
from api.models import ApiToken, ApiTokenEvent
from campaigns.models import CampaignDonor
from core.errors import TransitionError
from tests.factories.accounts import StaffFactory
from tests.factories.api import donor_token, partner_token
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.inventory import ComputerFactory, LotFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_journaled():
    issued = donor_token()
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith(row.prefix + "_")
    assert issued.secret not in (row.secret_hash, row.prefix) and len(row.secret_hash) == 64
    assert row.secret_hash == services.hash_secret(issued.secret)
    assert list(ApiTokenEvent.objects.filter(token=row).values_list("kind", flat=True)) == ["created"]


def test_revoked_unknown_and_malformed_tokens_get_401(client):
    issued = donor_token()
    url = reverse("api:donor_lots")
    assert client.get(url, **issued.headers).status_code == 200
    services.api_token_revoke(token=issued.token, by=StaffFactory())
    response = client.get(url, **issued.headers)
    assert response.status_code == 401 and response.json() == {"detail": "Jeton inconnu ou révoqué."}
    assert client.get(url, HTTP_AUTHORIZATION=issued.secret[:-1] + "x").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer " + issued.secret[:-1] + "x").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code == 401
    assert client.get(url).status_code == 401
    with pytest.raises(TransitionError):
        services.api_token_revoke(token=issued.token, by=StaffFactory())
    kinds = list(ApiTokenEvent.objects.filter(token=issued.token).values_list("kind", "to_status"))
    assert kinds == [("created", "active"), ("status", "revoked")]


def test_last_used_is_recorded(client):
    issued = donor_token()
    assert issued.token.last_used_at is None
    client.get(reverse("api:donor_pledges"), **issued.headers)
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_donor_sees_its_pledges_only(client):
    mine = DonorFactory(name="Orange")
    CampaignFactory(slug="marseille", with_donor=False)  # the factory's pledge goes to Orange
    other = CampaignFactory(slug="lyon")
    CampaignDonor.objects.filter(campaign=other).update(donor=DonorFactory(name="Autre"))
    body = client.get(reverse("api:donor_pledges"), **donor_token(mine).headers).json()
    assert [p["campaign"]["slug"] for p in body["results"]] == ["marseille"]
    assert body["results"][0]["pledged_units"] == 1000


def test_donor_lots_with_progress_and_cross_scope_404(client):
    mine, theirs = DonorFactory(name="Orange"), DonorFactory(name="Autre société")
    lot = LotFactory(donor=mine, reference="ORANGE-01")
    for status in ("received", "received", "ready", "scrapped"):
        ComputerFactory(lot=lot, status=status)
    foreign = LotFactory(donor=theirs, reference="AUTRE-01")
    issued = donor_token(mine)
    body = client.get(reverse("api:donor_lots"), **issued.headers).json()
    [row] = body["results"]
    assert row["reference"] == "ORANGE-01" and row["received"] == 4
    progress = {p["status"]: p["count"] for p in row["progress"]}
    assert progress == {"received": 2, "reconditioning": 0, "ready": 1, "reserved": 0, "handed_over": 0, "scrapped": 1}
    assert client.get(reverse("api:donor_lot", args=[lot.pk]), **issued.headers).json()["reference"] == "ORANGE-01"
    assert client.get(reverse("api:donor_lot", args=[foreign.pk]), **issued.headers).status_code == 404


def test_tokens_of_the_other_kind_are_refused(client):
    donor, partner = donor_token(), partner_token()
    assert client.get(reverse("api:donor_lots"), **partner.headers).status_code == 403
    assert client.get(reverse("api:partner_lots"), **donor.headers).status_code == 403
    lot = LotFactory(partner=partner.token.partner)
    response = client.post(
        reverse("api:partner_lot_units", args=[lot.pk]), {"units": []}, content_type="application/json", **donor.headers
    )
    assert response.status_code == 403


def test_donor_lots_query_count_does_not_grow(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    donor = DonorFactory(name="Orange")
    issued = donor_token(donor)
    ComputerFactory(lot=LotFactory(donor=donor))
    client.get(reverse("api:donor_lots"), **issued.headers)  # last_used_at written once
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("api:donor_lots"), **issued.headers)
    for _n in range(15):
        lot = LotFactory(donor=donor)
        ComputerFactory(lot=lot, status="ready")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("api:donor_lots"), **issued.headers).json()
    assert body["count"] == 16


def test_throttled_per_token(client, settings):
    settings.API_TOKEN_RATE = "3/m"
    first, second = donor_token(name="un"), donor_token(name="deux")
    url = reverse("api:donor_pledges")
    assert [client.get(url, **first.headers).status_code for _n in range(3)] == [200, 200, 200]
    response = client.get(url, **first.headers)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0 and response.json()["detail"].startswith("Trop de requêtes")
    assert client.get(url, **second.headers).status_code == 200


def test_anonymous_throttled_per_address(client, settings):
    settings.API_ANON_RATE = "2/m"
    url = reverse("api:campaigns")
    assert [client.get(url).status_code for _n in range(3)] == [200, 200, 429]


# Admin ------------------------------------------------------------------------------------------


def test_manager_creates_a_token_and_sees_its_secret_once(client):
    from accounts import roles
    from tests.factories.accounts import staff_with_role

    manager = staff_with_role(roles.CAMPAIGN_MANAGER)
    client.force_login(manager)
    donor = DonorFactory(name="Orange")
    response = client.post(reverse("admin:api_apitoken_add"), {"name": "ERP Orange", "donor": donor.pk, "partner": ""})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    html = response.content.decode()
    secret = html.split('id="api-token-secret" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith(token.prefix) and services.hash_secret(secret) == token.secret_hash
    assert "no-store" in response["Cache-Control"]
    assert secret not in client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert token.created_by == manager and token.kind == "donor"
    # Revoked from the list's action.
    response = client.post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    token.refresh_from_db()
    assert token.status == "revoked" and token.revoked_by == manager and token.revoked_at


def test_admin_refuses_a_token_with_two_scopes_or_none(client):
    from tests.factories.inventory import StockPartnerFactory

    client.force_login(StaffFactory(is_superuser=True))
    donor, partner = DonorFactory(name="Orange"), StockPartnerFactory()
    for data in ({"donor": donor.pk, "partner": partner.pk}, {"donor": "", "partner": ""}):
        response = client.post(reverse("admin:api_apitoken_add"), {"name": "x", **data})
        assert response.status_code == 200 and "un seul" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_reviewer_and_stock_operator_have_no_access_to_tokens(client):
    from accounts import roles
    from tests.factories.accounts import staff_with_role

    for role in (roles.REVIEWER, roles.INVENTORY_OPERATOR, roles.HANDOVER_OPERATOR):
        client.force_login(staff_with_role(role))
        assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403
        assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
