"""The space's home: what waits for the association first, in order, then each application in plain words."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from associations.models import Application, Message
from core.words import date_words
from portal.space import grant_words
from tests.factories.space import space_with_everything

pytestmark = pytest.mark.django_db

# The planner's and the history's internal words: never on an association's page.
PLANNER_WORDS = ("priorité", "priority", "reçu", "accordé 25", "calcul")


@pytest.fixture
def space():
    return space_with_everything()


@pytest.fixture
def member_client(client, space):
    client.force_login(space.member)
    return client


def _page(client, language="fr") -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("associations:space"))
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    """The page's words, without tags or repeated spaces (what a reader sees, roughly)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_actions_come_first_in_the_order_of_the_brief(member_client, space):
    html = _page(member_client)
    start = html.index('id="a-faire"')
    positions = [
        html.index("Confirmer le rendez-vous de remise", start),
        html.index("Télécharger votre attestation de remise signée", start),
        html.index("Remplir le bilan d'impact", start),
        html.index("1 message non lu de l'équipe", start),
        html.index("Répondre à la question de l'équipe de la ville", start),
        html.index('id="mes-candidatures"'),
    ]
    assert positions == sorted(positions)


def test_appointment_to_confirm_says_when_where_and_what_to_bring(member_client, space):
    text = _text(_page(member_client))
    with translation.override("fr"):
        day = date_words(space.appointment_day, "l j F Y")
    assert day.split()[1] == "1er"
    assert f"{day}, de 9 h à 10 h 30" in text
    assert "Gymnase Ruffi, 12 rue Ruffi, Marseille" in text
    assert "Une pièce d'identité" in text
    assert "12 ordinateurs de bureau, avec clavier et souris" in text


def test_confirming_from_the_home_comes_back_to_it(member_client, space):
    response = member_client.post(
        reverse("donations:appointment_accept", args=[space.allocation.pk]), {"next": "space"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("associations:space")
    text = _text(_page(member_client))
    assert "Confirmer le rendez-vous de remise" not in text
    assert "Venez chercher vos ordinateurs le" in text


def test_grant_in_plain_words_in_french(member_client, space):
    text = _text(_page(member_client))
    with translation.override("fr"):
        day = date_words(space.appointment_day, "j F")
    expected = f"25 ordinateurs accordés : 12 dans la vague 2 (rendez-vous le {day} à 9 h), 13 dans une prochaine vague"
    assert expected in text
    assert day.startswith("1er ")


def test_grant_in_plain_words_in_english(member_client, space):
    text = _text(_page(member_client, "en"))
    day = space.appointment_day.strftime("%-d %B")
    assert f"25 computers granted: 12 in wave 2 (appointment on {day} at 9:00), 13 in a later wave" in text
    assert "1er" not in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_planner_text_on_the_association_pages(member_client, space, language):
    pages = [
        _page(member_client, language),
        member_client.get(space.application.get_absolute_url()).content.decode(),
    ]
    for html in pages:
        # "Reçus fiscaux" (the in-kind gift receipts) is a page of the space, not a planner's word.
        text = _text(html).lower().replace("reçus fiscaux", "").replace("gift receipts", "")
        for word in PLANNER_WORDS:
            assert word not in text, word


def test_the_english_home_has_no_french_status_or_step(member_client, space):
    text = _text(_page(member_client, "en"))
    for french in (
        "Acceptée",
        "Informations demandées",
        "Prochaine étape",
        "À faire",
        "ordinateurs accordés",
        "rendez-vous",
        "Vague",
        "vague",
        "bilan",
    ):
        assert french not in text, french
    assert "Next step:" in text and "To do now" in text


def test_question_from_the_team_is_quoted(member_client, space):
    text = _text(_page(member_client))
    assert "Combien de personnes accueillez-vous par atelier ?" in text


def test_unread_means_after_the_association_last_opened_the_thread(member_client, space):
    assert "1 message non lu" in _page(member_client)
    member_client.get(space.application.get_absolute_url())  # a member reads the thread
    assert "message non lu" not in _page(member_client)
    Message.objects.create(application=space.application, from_staff=True, body="Un autre détail.")
    assert "1 message non lu" in _page(member_client)
    Message.objects.create(application=space.application, from_staff=False, body="Notre réponse.")
    assert "1 message non lu" in _page(member_client)  # the association's own messages are never unread


def test_reading_does_not_touch_the_application(member_client, space):
    before = Application.objects.get(pk=space.application.pk).updated_at
    member_client.get(space.application.get_absolute_url())
    application = Application.objects.get(pk=space.application.pk)
    assert application.messages_read_at is not None and application.updated_at == before
    assert not application.events.filter(kind="message").exists()


def test_certificates_page_is_linked_from_the_home_and_the_space_navigation(member_client, space):
    html = _page(member_client)
    nav = html[html.index('class="space-nav') :]
    nav = nav[: nav.index("</nav>")]
    assert f'href="{reverse("certificates:list")}"' in nav
    certificates = member_client.get(reverse("certificates:list")).content.decode()
    assert 'aria-current="page"' in certificates and f'href="{reverse("associations:space")}"' in certificates


def test_nothing_waiting(client):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    html = _page(client)
    assert "Rien ne vous attend pour le moment." in html
    assert escape("Inscrire mon association") in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "20 ordinateurs accordés : 20 dans une prochaine vague"),
        ("en", "20 computers granted: 20 in a later wave"),
    ],
)
def test_grant_words_before_any_wave(language, expected):
    with translation.override(language):
        assert grant_words(20, []) == expected


def test_grant_words_one_computer():
    with translation.override("fr"):
        assert grant_words(1, []) == "1 ordinateur accordé : 1 dans une prochaine vague"


def test_a_signed_certificate_is_to_download_for_sixty_days(member_client, space):
    import datetime

    from django.utils import timezone

    from certificates.models import Handover

    handover = Handover.objects.get(signed_at__isnull=False)
    html = _page(member_client)
    assert "Télécharger votre attestation de remise signée" in html and handover.number in html
    Handover.objects.filter(pk=handover.pk).update(signed_at=timezone.now() - datetime.timedelta(days=61))
    html = _page(member_client)
    assert "Télécharger votre attestation de remise signée" not in html
    assert reverse("certificates:list") in html  # still one click away


def test_association_pages_in_english_have_no_french_words(member_client, space):
    """Every page of the space, in English: no French word of the interface (the data typed in French aside)."""
    from impact.models import ImpactReport

    report = ImpactReport.objects.filter(association__memberships__user=space.member).first()
    urls = [
        reverse("associations:space"),
        space.application.get_absolute_url(),
        space.question.get_absolute_url(),
        reverse("certificates:list"),
        reverse("impact:reports"),
        report.get_absolute_url(),
        reverse("donations:appointment_change", args=[space.allocation.pk]),
    ]
    data = (
        "1000 ordinateurs pour Marseille",
        "Lyon équipe ses associations",
        "Les Claviers solidaires",
        "Le Club numérique du Panier",
        "Gymnase Ruffi, 12 rue Ruffi, Marseille",
        "Pensez à venir avec un véhicule : 12 unités centrales.",
        "Combien de personnes accueillez-vous par atelier ?",
        "Ateliers d'initiation au numérique pour les seniors du quartier.",
    )
    member_client.cookies["django_language"] = "en"
    for url in urls:
        text = _text(member_client.get(url).content.decode().replace("&#x27;", "'"))
        for value in data:
            text = text.replace(value, "")
        for french in (
            " vague",
            "Vague ",
            "ordinateur",
            "candidature",
            "rendez-vous",
            "bilan",
            " le 1er",
            "Remis",
            "Prochaine",
            " de la ville",
            "Accept",
        ):
            assert french not in text, (
                f"{url}: « {french} » in {text[max(0, text.find(french) - 80) : text.find(french) + 80]}"
            )


def test_reading_again_writes_nothing(member_client, space, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = space.application.get_absolute_url()
    with CaptureQueriesContext(connection) as first:
        member_client.get(url)
    with CaptureQueriesContext(connection) as again:
        member_client.get(url)
    assert any(q["sql"].startswith("UPDATE") and "messages_read_at" in q["sql"] for q in first.captured_queries)
    assert not any("messages_read_at" in q["sql"] and q["sql"].startswith("UPDATE") for q in again.captured_queries)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_application_page_says_the_grant_in_plain_words(member_client, space, language):
    member_client.cookies["django_language"] = language
    text = _text(member_client.get(space.application.get_absolute_url()).content.decode())
    with translation.override(language):
        expected = grant_words(
            25, [space.allocation.__class__.objects.select_related("wave").get(pk=space.allocation.pk)]
        )
    assert " ".join(expected.split()) in text  # non-breaking spaces read as spaces
    assert ("13 dans une prochaine vague" if language == "fr" else "13 in a later wave") in text
