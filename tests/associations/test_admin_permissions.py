"""Each role reaches exactly what its permissions allow in the admin (accounts.roles)."""

import pytest
from django.urls import reverse

from associations.models import Application, ApplicationEvent
from tests.admin_forms import no_inline_rows
from tests.factories.associations import ApplicationFactory, AssociationFactory, member_of
from tests.roles import ROLES, make_user

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def as_role(client):
    def login(role: str):
        user = make_user(role)
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def application(campaign):
    association = AssociationFactory(legal_name="Les Amis du Numérique")
    member_of(association, email="presidente@amis.example.org")
    return ApplicationFactory(association=association, campaign=campaign)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


# Expected status code per role. "login" means a redirect to the admin's login page.
READ = {
    "reviewer": 200, "inventory": 403, "manager": 200, "handover": 403,
    "member": "login", "anonymous": "login", "superuser": 200,
}  # fmt: skip
REVIEW = {
    "reviewer": 200, "inventory": 403, "manager": 403, "handover": 403,
    "member": "login", "anonymous": "login", "superuser": 200,
}  # fmt: skip


def check(response, expected) -> None:
    if expected == "login":
        assert is_login_redirect(response), (response.status_code, response.get("Location"))
    else:
        assert response.status_code == expected, response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_admin_index(as_role, role):
    response = as_role(role).get(reverse("admin:index"))
    if role in ("member", "anonymous"):
        assert is_login_redirect(response)
        return
    assert response.status_code == 200
    sees_applications = reverse("admin:associations_application_changelist") in response.content.decode()
    assert sees_applications == (role in ("reviewer", "manager", "superuser"))


@pytest.mark.parametrize("role", ROLES)
def test_application_changelist(as_role, application, role):
    response = as_role(role).get(reverse("admin:associations_application_changelist"))
    check(response, READ[role])
    if response.status_code == 200:
        has_actions = "approve_selected" in response.content.decode()
        assert has_actions == (role in ("reviewer", "superuser"))
        assert (response.context["cl"].formset is not None) == (role in ("reviewer", "superuser"))


@pytest.mark.parametrize("role", ROLES)
def test_application_change_page(as_role, application, role):
    response = as_role(role).get(reverse("admin:associations_application_change", args=[application.pk]))
    check(response, READ[role])
    if response.status_code == 200:
        offered = bool(response.context["review_steps"])
        assert offered == (role in ("reviewer", "superuser"))
        review_url = reverse("admin:associations_application_review", args=[application.pk, "approve"])
        assert (review_url in response.content.decode()) == offered


CHANGE_POST = {
    "reviewer": 302, "inventory": 403, "manager": 403, "handover": 403,
    "member": "login", "anonymous": "login", "superuser": 302,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_application_change_post_priority(as_role, application, role):
    data = {"priority": "1", **no_inline_rows("messages", "events")}
    response = as_role(role).post(reverse("admin:associations_application_change", args=[application.pk]), data)
    check(response, CHANGE_POST[role])
    application.refresh_from_db()
    assert (application.priority == 1) == (role in ("reviewer", "superuser"))


STEP_DATA = {
    "approve": ({"granted": "20"}, S.APPROVED),
    "reject": ({"reason": "Hors périmètre."}, S.REJECTED),
    "waitlist": ({"note": "Vague suivante."}, S.WAITLISTED),
    "request-info": ({"message": "Combien d'ateliers ?"}, S.INFO_REQUESTED),
}


@pytest.mark.parametrize("step", list(STEP_DATA))
@pytest.mark.parametrize("role", ROLES)
def test_review_step_get(as_role, application, role, step):
    response = as_role(role).get(reverse("admin:associations_application_review", args=[application.pk, step]))
    check(response, REVIEW[role])


@pytest.mark.parametrize("step", list(STEP_DATA))
@pytest.mark.parametrize("role", ROLES)
def test_review_step_post(as_role, application, role, step):
    data, target = STEP_DATA[step]
    response = as_role(role).post(reverse("admin:associations_application_review", args=[application.pk, step]), data)
    allowed = role in ("reviewer", "superuser")
    check(response, 302 if allowed else REVIEW[role])
    application.refresh_from_db()
    assert application.status == (target if allowed else S.SUBMITTED)
    changed = ApplicationEvent.objects.filter(application=application, to_status=target).exists()
    assert changed == allowed


@pytest.mark.parametrize("action", ["approve_selected", "reject_selected"])
@pytest.mark.parametrize("role", ROLES)
def test_bulk_actions(as_role, application, role, action):
    client = as_role(role)
    url = reverse("admin:associations_application_changelist")
    data = {"action": action, "_selected_action": [application.pk], "apply": "yes", "reason": "Hors périmètre."}
    response = client.post(url, data)
    allowed = role in ("reviewer", "superuser")
    expected = {
        "reviewer": 302, "superuser": 302,
        # The manager may read the list but has no action: the list is shown again, nothing happens.
        "manager": 200,
        "inventory": 403, "handover": 403, "member": "login", "anonymous": "login",
    }[role]  # fmt: skip
    check(response, expected)
    application.refresh_from_db()
    if allowed:
        assert application.status == (S.APPROVED if action == "approve_selected" else S.REJECTED)
    else:
        assert application.status == S.SUBMITTED
        assert not ApplicationEvent.objects.filter(application=application, actor__isnull=False).exists()


ASSOCIATION_READ = {**READ, "handover": 200}  # the desk reads the associations, not their applications


@pytest.mark.parametrize("role", ROLES)
def test_association_pages(as_role, application, role):
    client = as_role(role)
    listing = client.get(reverse("admin:associations_association_changelist"))
    check(listing, ASSOCIATION_READ[role])
    if listing.status_code == 200:
        application_list = reverse("admin:associations_application_changelist")
        assert (application_list in listing.content.decode()) == (role in ("reviewer", "manager", "superuser"))
    response = client.get(reverse("admin:associations_association_change", args=[application.association.pk]))
    check(response, ASSOCIATION_READ[role])
    if response.status_code == 200:
        html = response.content.decode()
        # Applications are listed only to roles that may read them (the desk may not).
        app_link = reverse("admin:associations_application_change", args=[application.pk])
        assert (app_link in html) == (role in ("reviewer", "manager", "superuser"))
        # Members are listed to whoever may read the association.
        assert "presidente@amis.example.org" in html


ASSOCIATION_CHANGE = CHANGE_POST  # who changes an application changes its association


@pytest.mark.parametrize("role", ROLES)
def test_association_change_post(as_role, application, role):
    association = application.association
    data = {
        "legal_name": "Les Amis du Numérique – Marseille",
        "acronym": "",
        "rna": association.rna,
        "siret": "",
        "address": association.address,
        "postal_code": association.postal_code,
        "city": association.city,
        "missions": [m.pk for m in association.missions.all()],
        "description": "",
        "beneficiaries_per_year": "250",
        "staff_count": "0",
        "volunteer_count": "0",
        "contact_name": association.contact_name,
        "contact_role": "",
        "contact_email": association.contact_email,
        "contact_phone": "",
        **no_inline_rows("memberships", "applications"),
    }
    response = as_role(role).post(reverse("admin:associations_association_change", args=[association.pk]), data)
    check(response, ASSOCIATION_CHANGE[role])
    association.refresh_from_db()
    assert (association.legal_name == "Les Amis du Numérique – Marseille") == (role in ("reviewer", "superuser"))


MISSION_READ = READ  # who reads the applications reads the missions


@pytest.mark.parametrize("role", ROLES)
def test_missions_are_read_only_for_everyone(as_role, role):
    from associations.models import Mission

    client = as_role(role)
    check(client.get(reverse("admin:associations_mission_changelist")), MISSION_READ[role])
    mission = Mission.objects.first()
    response = client.post(reverse("admin:associations_mission_change", args=[mission.pk]), {"code": "x"})
    assert response.status_code in (403, 302)
    if response.status_code == 302:
        assert is_login_redirect(response)
    mission.refresh_from_db()
    assert mission.code != "x"
    assert client.get(reverse("admin:associations_mission_add")).status_code in (403, 302)


USER_ADMIN = {
    "reviewer": 403, "inventory": 403, "manager": 403, "handover": 403,
    "member": "login", "anonymous": "login", "superuser": 200,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_user_admin_is_for_superusers(as_role, role):
    client = as_role(role)
    check(client.get(reverse("admin:accounts_user_changelist")), USER_ADMIN[role])


DOCUMENT = {
    "reviewer": 200, "inventory": 404, "manager": 200, "handover": 404,
    "member": 404, "superuser": 200,
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_document_links_of_the_change_page(as_role, application, role):
    response = as_role(role).get(reverse("associations:application_document", args=[application.pk, "statutes"]))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == DOCUMENT[role]
