"""The admin speaks proper French for every model: titles with an article and its elision, gender agreement, no
« objet », and history rows and unit rows in words, never internal codes."""

import json
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from core.admin_helpers import FEMININE, MODEL_GENDERS, FrenchTitlesMixin, admin_words

pytestmark = pytest.mark.django_db

ELISION_MISSED = re.compile(r"\b(de|le|la) [aàâeéèêiîoôuûyh]", re.IGNORECASE)


def bad_french(text: str) -> list[str]:
    problems = []
    if "objet" in text.lower():
        problems.append("« objet »")
    if ELISION_MISSED.search(text):
        problems.append(f"no elision: {ELISION_MISSED.search(text).group(0)!r}")
    return problems


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_model_of_the_admin_declares_its_gender():
    missing = []
    for model, model_admin in registered():
        assert isinstance(model_admin, FrenchTitlesMixin), model._meta.label
        models = [model] + [inline.model for inline in model_admin.inlines]
        missing += [m._meta.label_lower for m in models if m._meta.label_lower not in MODEL_GENDERS]
    assert not missing, f"add these models to core.admin_helpers.MODEL_GENDERS: {sorted(set(missing))}"


@pytest.mark.parametrize("language", ["fr"])
def test_titles_and_the_delete_action_of_every_model_read_as_french(admin_client, admin_user, language):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    with translation.override(language):
        for model, model_admin in registered():
            words = admin_words(model._meta)
            label = model._meta.label
            for key, text in words.items():
                assert not bad_french(text), (label, key, text, bad_french(text))
            feminine = MODEL_GENDERS[model._meta.label_lower] == FEMININE
            assert words["add"].startswith("Ajouter une " if feminine else "Ajouter un "), (label, words["add"])
            actions = model_admin.get_actions(request)
            if "delete_selected" in actions:
                description = str(actions["delete_selected"][2])
                assert not bad_french(description), (label, description)
                ending = "sélectionnées" if feminine else "sélectionnés"
                assert description.endswith(ending), (label, description)
            try:
                changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            except NoReverseMatch:
                continue
            response = admin_client.get(changelist)
            if response.status_code == 200:
                title = str(response.context["title"])
                assert not bad_french(title), (label, title)
                # Django's own phrasing is replaced; a page may set its own title (« Candidatures »).
                assert not title.startswith("Sélectionnez l"), (label, title)
                assert "Ajout de " not in response.content.decode()
            if model_admin.has_add_permission(request):
                response = admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
                if response.status_code == 200:
                    assert str(response.context["title"]) == words["add"], (label, response.context["title"])


def test_examples_of_the_titles():
    from accounts.models import User
    from donations.models import Allocation, Wave
    from inventory.models import Computer

    with translation.override("fr"):
        assert admin_words(Computer._meta)["select"] == "Sélectionnez un ordinateur à modifier"
        assert admin_words(Computer._meta)["change"] == "Modifier l'ordinateur"
        assert admin_words(User._meta)["add"] == "Ajouter un utilisateur"
        assert admin_words(Wave._meta)["delete_selected"] == "Supprimer les vagues sélectionnées"
        assert admin_words(Wave._meta)["change"] == "Modifier la vague"
        assert admin_words(Allocation._meta)["change"] == "Modifier l'attribution"


def test_change_page_title_and_the_inline_add_another_text(admin_client, admin_user):
    from associations.models import Association
    from tests.factories.associations import AssociationFactory

    page = admin_client.get(reverse("admin:accounts_user_change", args=[admin_user.pk]))
    assert str(page.context["title"]) == "Modifier l'utilisateur"
    association = AssociationFactory()
    page = admin_client.get(reverse("admin:associations_association_change", args=[association.pk]))
    assert str(page.context["title"]) == "Modifier l'association"
    texts = []
    for formset in page.context["inline_admin_formsets"]:
        texts.append(json.loads(formset.inline_formset_data())["options"]["addText"])
    assert texts and all(not bad_french(text) and "objet" not in text for text in texts), texts
    assert "Ajouter un autre membre" in texts or "Ajouter une autre candidature" in texts, texts
    assert Association.objects.filter(pk=association.pk).exists()
    add_page = admin_client.get(reverse("admin:accounts_user_add")).content.decode()
    assert "Ajouter un utilisateur" in add_page and "Ajout de utilisateur" not in add_page
    changelist = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Ajouter un utilisateur" in changelist


def test_allocation_history_and_units_read_in_words(admin_client):
    from donations.models import AllocationEvent
    from tests.factories.certificates import confirmed_wave

    wave = confirmed_wave(1, 10)
    allocation = wave.allocations.get()
    assert AllocationEvent.objects.filter(allocation=allocation, from_status="proposed", to_status="confirmed").exists()
    page = admin_client.get(reverse("admin:donations_allocation_change", args=[allocation.pk])).content.decode()
    assert "Proposée → Confirmée" in page
    assert "proposed" not in page and "confirmed</td>" not in page
    unit = allocation.units.select_related("computer").first()
    assert f"{allocation.pk} → {unit.computer_id}" not in page
    assert str(unit) == f"{unit.computer.asset_tag} – {unit.computer.manufacturer} {unit.computer.model}"
    assert str(unit) in page
    # Every journal shows the words of its statuses, appointment rows included.
    event = AllocationEvent(
        allocation=allocation, kind=AllocationEvent.Kind.APPOINTMENT, from_status="none", to_status="proposed"
    )
    assert event.change_label == "À fixer → Proposé, à confirmer par l'association"
