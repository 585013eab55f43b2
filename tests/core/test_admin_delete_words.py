"""The admin's generic sentences (delete confirmations, messages after an add, a change or a delete) say each
model with its article and gender, in French (never « l'objet ordinateur ») and in proper English."""

import html

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html

from campaigns.models import Donor
from core.admin_helpers import delete_words, french_admin_message
from inventory.models import Lot
from tests.admin_forms import no_inline_rows
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.inventory import ComputerFactory, LotFactory

pytestmark = pytest.mark.django_db

# label -> how French names one object of it
MODELS = {
    "inventory.lot": "Le lot",  # masculine
    "campaigns.donor": "Le donateur",
    "campaigns.campaign": "La campagne",  # feminine
    "donations.wave": "La vague",
    "inventory.computer": "L'ordinateur",  # elided, masculine
    "associations.association": "L'association",  # elided, feminine
}
FEMININE = {"campaigns.campaign", "donations.wave", "associations.association"}


def opts(label):
    return apps.get_model(label)._meta


def django_message(template, label, obj="X"):
    """What Django's ModelAdmin hands to ``message_user`` (its own msgid, in the active language)."""
    from django.utils.translation import gettext

    return format_html(gettext(template), name=opts(label).verbose_name, obj=format_html('<a href="/u/">{}</a>', obj))


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("label", MODELS)
def test_messages_after_add_change_delete_in_french(label):
    subject = MODELS[label]
    e = "e" if label in FEMININE else ""
    pronoun = "la" if label in FEMININE else "le"
    another = "une autre" if label in FEMININE else "un autre"
    name = opts(label).verbose_name
    with translation.override("fr"):
        added = french_admin_message(opts(label), django_message("The {name} “{obj}” was added successfully.", label))
        assert added == f'{subject} « <a href="/u/">X</a> » a été ajouté{e}.'
        kept = french_admin_message(
            opts(label),
            django_message("The {name} “{obj}” was changed successfully. You may edit it again below.", label),
        )
        assert kept == (
            f'{subject} « <a href="/u/">X</a> » a été modifié{e}. Vous pouvez {pronoun} modifier de nouveau ci-dessous.'
        )
        more = french_admin_message(
            opts(label),
            django_message("The {name} “{obj}” was added successfully. You may add another {name} below.", label),
        )
        assert more.endswith(f"Vous pouvez ajouter {another} {name} ci-dessous.")
        from django.utils.translation import gettext

        deleted = gettext("The %(name)s “%(obj)s” was deleted successfully.") % {"name": name, "obj": "Y & Z"}
        assert french_admin_message(opts(label), deleted) == f"{subject} « Y & Z » a été supprimé{e}."
        bulk = gettext("Successfully deleted %(count)d %(items)s.") % {
            "count": 3,
            "items": opts(label).verbose_name_plural,
        }
        assert french_admin_message(opts(label), bulk) == f"3 {opts(label).verbose_name_plural} supprimé{e}s."
        for text in (added, kept, more, deleted, bulk):
            assert "objet" not in str(french_admin_message(opts(label), text)).lower()


@pytest.mark.parametrize("label", ["inventory.lot", "donations.wave", "associations.association"])
def test_messages_in_english(label):
    name = opts(label).verbose_name
    with translation.override("en"):
        english_name = str(name)
        added = french_admin_message(opts(label), django_message("The {name} “{obj}” was added successfully.", label))
        assert added == f'The {english_name} “<a href="/u/">X</a>” was added successfully.'
        kept = french_admin_message(
            opts(label),
            django_message("The {name} “{obj}” was changed successfully. You may edit it again below.", label),
        )
        assert kept.endswith("was changed successfully. You may edit it again below.")
        assert delete_words(opts(label), count=2)["title"] == f"Delete several {opts(label).verbose_name_plural}"


def test_other_messages_are_left_alone():
    message = format_html("<b>{}</b>", "3 ordinateurs marqués prêts")
    assert french_admin_message(opts("inventory.computer"), message) is message
    assert french_admin_message(opts("inventory.computer"), "Rien à faire.") == "Rien à faire."


@pytest.mark.parametrize(
    ("label", "one", "several"),
    [
        ("inventory.lot", "le lot sélectionné", "les 2 lots sélectionnés"),
        ("donations.wave", "la vague sélectionnée", "les 2 vagues sélectionnées"),
        ("associations.association", "l'association sélectionnée", "les 2 associations sélectionnées"),
        ("inventory.computer", "l'ordinateur sélectionné", "les 2 ordinateurs sélectionnés"),
    ],
)
def test_the_delete_action_confirmation_says_what_is_selected(label, one, several):
    with translation.override("fr"):
        confirm = html.unescape(delete_words(opts(label), count=1)["confirm"])
        assert confirm.startswith(f"Voulez-vous vraiment supprimer {one} ?")
        words = delete_words(opts(label), count=2)
        assert html.unescape(words["confirm"]).startswith(f"Voulez-vous vraiment supprimer {several} ?")
        assert words["title"] == f"Supprimer plusieurs {opts(label).verbose_name_plural}"
        assert "objet" not in " ".join(words.values()).lower()


def test_the_delete_page_names_the_object_with_its_article(admin_client):
    donor = DonorFactory(name="Orange <Entreprise>")
    response = admin_client.get(reverse("admin:campaigns_donor_delete", args=[donor.pk]))
    page = response.content.decode()
    assert "Voulez-vous vraiment supprimer le donateur « Orange &lt;Entreprise&gt; » ?" in page
    assert "<h1>Supprimer le donateur</h1>" in page
    assert "objet" not in page.lower().replace("object-tools", "").replace("deleted-objects", "")
    response = admin_client.post(reverse("admin:campaigns_donor_delete", args=[donor.pk]), {"post": "yes"})
    assert texts(response) == ["Le donateur « Orange <Entreprise> » a été supprimé."]
    assert not Donor.objects.filter(pk=donor.pk).exists()


def test_the_delete_page_of_a_protected_lot_says_why_in_french_and_english(admin_client):
    lot = LotFactory(reference="ORANGE-2026-09")
    ComputerFactory(lot=lot)
    url = reverse("admin:inventory_lot_delete", args=[lot.pk])
    page = admin_client.get(url).content.decode()
    assert "<h1>Impossible de supprimer le lot « ORANGE-2026-09 »</h1>" in page
    assert (
        "Supprimer le lot « ORANGE-2026-09 » supprimerait aussi des éléments liés, mais votre compte n'a pas le "
        "droit de supprimer les types d'éléments suivants" in page
    )
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(url).content.decode()
    assert "<h1>Cannot delete the lot “ORANGE-2026-09”</h1>" in page
    assert "Deleting the lot “ORANGE-2026-09” would result in deleting related objects" in page
    assert Lot.objects.filter(pk=lot.pk).exists()


def test_a_feminine_model_s_delete_page(admin_client):
    campaign = CampaignFactory(name="Marseille 2026")
    response = admin_client.get(reverse("admin:campaigns_campaign_delete", args=[campaign.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "la campagne « Marseille 2026 »" in page and "l&#x27;objet" not in page.lower()
    assert (
        "<h1>Supprimer la campagne</h1>" in page
        or "<h1>Impossible de supprimer la campagne « Marseille 2026 »</h1>" in page
    )


def test_add_change_and_bulk_delete_messages_through_the_admin(admin_client):
    people = no_inline_rows("memberships")  # the donor space's people (inline)
    add = admin_client.post(
        reverse("admin:campaigns_donor_add"), {"name": "Orange", "siret": "", "contact_email": "", **people}
    )
    assert add.status_code == 302, add.content.decode()[-2000:]
    donor = Donor.objects.get(name="Orange")
    message = texts(add)[-1]
    assert message.startswith("Le donateur « <a href=") and message.endswith("» a été ajouté.")
    change = admin_client.post(
        reverse("admin:campaigns_donor_change", args=[donor.pk]),
        {"name": "Orange SA", "siret": "", "contact_email": "", "_continue": "1", **people},
    )
    message = texts(change)[-1]
    assert message.endswith("» a été modifié. Vous pouvez le modifier de nouveau ci-dessous.")
    other = DonorFactory(name="SFR")
    changelist = reverse("admin:campaigns_donor_changelist")
    confirm = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [donor.pk, other.pk]})
    page = confirm.content.decode()
    assert "<h1>Supprimer plusieurs donateurs</h1>" in page
    assert "Voulez-vous vraiment supprimer les 2 donateurs sélectionnés ?" in page
    done = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [donor.pk, other.pk], "post": "yes"}
    )
    assert texts(done)[-1] == "2 donateurs supprimés."
    admin_client.cookies["django_language"] = "en"
    add = admin_client.post(
        reverse("admin:campaigns_donor_add"), {"name": "Free", "siret": "", "contact_email": "", **people}
    )
    message = texts(add)[-1]
    assert message.startswith("The donor “<a href=") and message.endswith("” was added successfully.")
