"""The header and the footer: every visitor finds the campaigns and the offer form; a donor's person finds its
space (« Espace donateur »), with no query on the pages for it."""

import re

import pytest
from django.urls import reverse

from campaigns.services import donor_member_add
from tests.factories.accounts import UserFactory
from tests.factories.campaigns import DonorFactory
from tests.factories.donors import donor_member

pytestmark = pytest.mark.django_db


def _links(html: str, part: str) -> list[tuple[str, str]]:
    start = html.index(f"<{part}")
    block = html[start : html.index(f"</{part}>", start)]
    return [
        (href, re.sub(r"<[^>]+>", "", text).strip())
        for href, text in re.findall(r'href="([^"]+)"[^>]*>(.*?)</a>', block)
    ]


def test_anonymous_visitors_find_the_campaigns_and_the_offer_form(client):
    html = client.get(reverse("home")).content.decode()
    for part in ("header", "footer"):
        links = _links(html, part)
        assert ("/campaigns/", "Les campagnes") in links, part
        assert ("/donate/", "Donner des ordinateurs") in links, part
    assert "/donor/" not in html


def test_a_donors_person_sees_the_donor_space_link_after_login(client):
    person = donor_member(DonorFactory(name="Orange"), email="rse@orange.example.org")
    client.force_login(person)  # a login: the session remembers the donor space
    html = client.get(reverse("home")).content.decode()
    assert ("/donor/", "Espace donateur") in _links(html, "header")
    # In place of the association space's (the header fits from 1200 px); the offer form stays in the footer.
    assert "/space/" not in dict(_links(html, "header")) and ("/donate/", "Donner des ordinateurs") in _links(
        html, "footer"
    )
    page = client.get(reverse("donors:space")).content.decode()
    assert 'href="/donor/" aria-current="page">Espace donateur' in page


def test_an_association_member_does_not_see_it_until_added_to_a_donor(client):
    user = UserFactory(email="membre@asso.example.org")
    client.force_login(user)
    assert "Espace donateur</a>" not in client.get(reverse("home")).content.decode()
    donor_member_add(donor=DonorFactory(name="Orange"), user=user)
    # The donor space itself updates the session: from then on, the link is there.
    client.get(reverse("donors:space"))
    assert ("/donor/", "Espace donateur") in _links(client.get(reverse("home")).content.decode(), "header")


def test_the_link_costs_no_query_on_the_pages(client, django_assert_num_queries):
    person = donor_member(DonorFactory(name="Orange"), email="rse@orange.example.org")
    client.force_login(person)
    client.get(reverse("privacy"))
    with django_assert_num_queries(2):  # the session and the user, as for anyone logged in
        html = client.get(reverse("privacy")).content.decode()
    assert "Espace donateur</a>" in html
