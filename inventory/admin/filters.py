"""The list filters of the computers list that the model's fields do not give."""

from django.db.models import Q
from django.utils.translation import gettext_lazy

from core.admin_helpers import ChoicesFilter
from inventory.models import AWAITING_CHECK, AWAITING_TEST, AWAITING_WIPE


def _outcome_options(recorded: str, failed: str, *, passed_label) -> dict:
    """A check's last outcome: recorded as passed (``recorded`` set), failed (``failed`` flag), or not yet recorded."""
    return {
        "ok": (passed_label, Q(**{f"{recorded}__isnull": False})),
        "failed": (gettext_lazy("en échec"), Q(**{failed: True})),
        "none": (gettext_lazy("pas encore enregistré"), Q(**{f"{recorded}__isnull": True, failed: False})),
    }


class WipeStateFilter(ChoicesFilter):
    title = gettext_lazy("effacement")
    parameter_name = "effacement"
    options = _outcome_options("wipe_record", "wipe_failed", passed_label=gettext_lazy("réussi ou exempté"))


class FunctionalTestFilter(ChoicesFilter):
    title = gettext_lazy("test fonctionnel")
    parameter_name = "test"
    options = _outcome_options("functional_test", "functional_test_failed", passed_label=gettext_lazy("réussi"))


class FlagsFilter(ChoicesFilter):
    title = gettext_lazy("signalements")
    parameter_name = "signalement"
    options = {
        "part": (gettext_lazy("pièce à remplacer"), Q(needs_spare_part=True)),
        "wipe": (gettext_lazy("effacement en échec"), Q(wipe_failed=True)),
        "test": (gettext_lazy("test fonctionnel en échec"), Q(functional_test_failed=True)),
        "any": (
            gettext_lazy("au moins un"),
            Q(needs_spare_part=True) | Q(wipe_failed=True) | Q(functional_test_failed=True),
        ),
        "no_accessories": (gettext_lazy("sans clavier ou souris"), Q(has_keyboard=False) | Q(has_mouse=False)),
    }


class TodoFilter(ChoicesFilter):
    """The work waiting in the workshop (the admin home's links)."""

    title = gettext_lazy("à faire")
    parameter_name = "a_faire"
    options = {
        "effacement": (gettext_lazy("à effacer"), AWAITING_WIPE),
        "test": (gettext_lazy("à tester (effacés, test fonctionnel à faire)"), AWAITING_TEST),
        "verification": (gettext_lazy("à vérifier (échec d'effacement ou de test, pièce)"), AWAITING_CHECK),
    }
