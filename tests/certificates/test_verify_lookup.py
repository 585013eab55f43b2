"""/verify/: looking a certificate up by number or code, the unknown-certificate page, and the codes themselves."""

import math
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from certificates import codes
from certificates.models import Handover, new_verification_code

pytestmark = pytest.mark.django_db

LOOKUP = "/verify/"
NEW_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


# The codes --------------------------------------------------------------------------------------


def test_new_codes_are_grouped_crockford_base32_with_at_least_60_bits():
    generated = {new_verification_code() for _i in range(2000)}
    assert len(generated) == 2000
    for code in generated:
        assert NEW_CODE.match(code), code
        assert not set(code) & set("ILOU")
    assert len(codes.ALPHABET) == 32 and codes.LENGTH * math.log2(len(codes.ALPHABET)) >= 60
    # Every character of the alphabet turns up (the draw is not biased to a part of it).
    assert set("".join(generated).replace("-", "")) == set(codes.ALPHABET)


def test_a_new_certificate_gets_a_new_format_code(handover):
    assert NEW_CODE.match(handover.code)
    assert reverse("certificates:lookup") == LOOKUP


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7QD-9M2X-4T8P", "K7QD-9M2X-4T8P"),
        ("k7qd9m2x4t8p", "K7QD-9M2X-4T8P"),
        (" k7qd 9m2x 4t8p ", "K7QD-9M2X-4T8P"),
        ("K7QD–9M2X—4T8P", "K7QD-9M2X-4T8P"),  # dashes a word processor made
        ("OOOO-IIII-LLLL", "0000-1111-1111"),  # Crockford: O is 0, I and L are 1
        ("oooo iiii llll", "0000-1111-1111"),
        ("K7QD-9M2X-4T8", None),  # too short
        ("K7QD-9M2X-4T8PP", None),  # too long
        ("K7QD-9M2X-4T8U", None),  # U is not in the alphabet
        ("", None),
        ("x" * 80, None),
    ],
)
def test_normalise(typed, expected):
    assert codes.normalise(typed) == expected


# Verification page by code ----------------------------------------------------------------------


def _set_code(handover, code):
    Handover.objects.filter(pk=handover.pk).update(code=code)
    handover.code = code
    return handover


@pytest.mark.parametrize("typed", ["k7qd9m2x4t8p", "K7QD 9M2X 4T8P", "K7QD-9M2X-4T8P", "k7qd-9m2x-4t8p"])
def test_a_new_code_is_found_however_it_is_typed(client, handover, typed):
    _set_code(handover, "K7QD-9M2X-4T8P")
    response = client.get(reverse("certificates:verify", args=[typed]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain in ([], [("/verify/K7QD-9M2X-4T8P/", 302)])
    assert handover.number in response.content.decode()


def test_crockford_look_alikes_find_the_code(client, handover):
    _set_code(handover, "1050-ABCD-EF01")
    response = client.get(reverse("certificates:verify", args=["lO5o-abcd-efoI"]), follow=True)
    assert response.status_code == 200
    assert handover.number in response.content.decode()


def test_codes_printed_before_keep_working_exactly_as_printed(client, handover):
    old = "Xy3_-kQ9zT0aLm-Pq7Rs8w"  # secrets.token_urlsafe(16): case-sensitive, dashes and underscores
    _set_code(handover, old)
    response = client.get(reverse("certificates:verify", args=[old]))
    assert response.status_code == 200
    assert handover.number in response.content.decode()
    # Through the form too.
    assert client.get(LOOKUP, {"q": f"  {old} "}).url == f"/verify/{old}/"
    # Old codes are not case-insensitive: another case is another (unknown) code.
    assert client.get(reverse("certificates:verify", args=[old.lower()])).status_code == 404


def test_the_demo_s_hexadecimal_codes_keep_working(client, handover):
    _set_code(handover, "0123456789abcdef0123456789abcdef")
    assert client.get(reverse("certificates:verify", args=[handover.code])).status_code == 200


# The lookup form --------------------------------------------------------------------------------


def test_the_form_page(client):
    response = client.get(LOOKUP)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="q"' in page and 'action="/verify/"' in page
    assert "Vérifier une attestation de remise" in page
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("transform", [str, str.lower, lambda n: f"  {n.lower()}  ", lambda n: n.replace("-", " ")])
def test_the_form_finds_a_certificate_by_its_number(client, handover, transform):
    response = client.get(LOOKUP, {"q": transform(handover.number)})
    assert response.status_code == 302
    assert response.url == handover.get_verify_url()


@pytest.mark.parametrize("transform", [str, str.lower, lambda c: c.replace("-", ""), lambda c: c.replace("-", " ")])
def test_the_form_finds_a_certificate_by_its_code(client, handover, transform):
    response = client.get(LOOKUP, {"q": transform(handover.code)})
    assert response.status_code == 302
    assert response.url == handover.get_verify_url()


@pytest.mark.parametrize("typed", ["", "   ", "a\x00b", "x" * 121])
def test_bad_input_is_a_field_error_not_a_500(client, typed):
    response = client.get(LOOKUP, {"q": typed})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


# The unknown certificate ------------------------------------------------------------------------


@override_settings(DEBUG=True, CERTIFICATES_CONTACT_EMAIL="verif@ville.example")
@pytest.mark.parametrize("url", ["/verify/ZZZZ-ZZZZ-ZZZZ/", "/verify/?q=ZZZZ-ZZZZ-ZZZZ"])
def test_an_unknown_code_is_a_404_page_in_the_site_layout_even_with_debug(client, handover, url):
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Attestation inconnue" in page
    assert "ZZZZ-ZZZZ-ZZZZ" in page
    assert "contrefaçon" in page
    assert "mailto:verif@ville.example" in page
    assert 'class="site-header' in page  # the site's layout, not Django's technical 404
    assert "Using the URLconf" not in page
    assert 'name="q"' in page  # try again
    assert response["X-Robots-Tag"] == "noindex"


@override_settings(DEBUG=True)
def test_the_unknown_certificate_page_in_english(client, handover):
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        response = client.get("/verify/ZZZZ-ZZZZ-ZZZZ/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Unknown certificate" in page
    assert "forgery" in page
    assert "Attestation inconnue" not in page


def test_what_is_typed_is_escaped_on_the_unknown_page(client):
    response = client.get(LOOKUP, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 404
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_a_number_of_another_shape_is_not_found(client, handover):
    assert client.get(LOOKUP, {"q": handover.number + "9"}).status_code == 404


# Enumeration ------------------------------------------------------------------------------------


def test_the_lookup_is_rate_limited(client, handover, settings):
    settings.CERTIFICATES_LOOKUP_RATE = "4/m"
    statuses = [client.get(LOOKUP, {"q": f"MARSEILLE-2026-V1-{i:03d}"}).status_code for i in range(900, 904)]
    assert statuses == [404] * 4
    response = client.get(LOOKUP, {"q": handover.number})
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert response["Retry-After"]
    # The empty form is still shown (it costs nothing and reveals nothing).
    assert client.get(LOOKUP).status_code == 200


def test_the_default_lookup_rate_allows_a_normal_use(client, handover):
    for _i in range(5):
        assert client.get(LOOKUP, {"q": handover.number}).status_code == 302


# The site's error pages -------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_the_generic_404_uses_the_site_layout(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page and 'class="site-header' in page
    assert 'href="/verify/"' in page


def test_the_500_page_renders_without_a_request_context():
    from django.template import loader

    page = loader.get_template("500.html").render({})
    assert "Erreur du serveur" in page and 'class="site-header' in page


@override_settings(DEBUG=False)
def test_the_generic_403_uses_the_site_layout(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/space/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
