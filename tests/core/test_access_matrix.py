"""The access-control matrix: every URL pattern of the project × every role, with the expected answer.

Roles: anonymous, a member of association A, a member of association B, each staff role of
``accounts.roles`` and a superuser. Association A owns one object of every kind that has a URL
(``tests/core/access_world.py``), so every URL with a parameter is reversed with A's objects.

Rules (the product's):
- a member of B gets 404 on every object of A (never 403, which would reveal that it exists);
- anonymous visitors are sent to the login page (the admin's login for admin pages);
- in the admin, each staff role reaches exactly what ``ROLE_PERMISSIONS`` gives it, less what the
  admin never offers to anyone (read-only journals, certificates never deleted, ...): 403 elsewhere;
- members of associations never reach an admin page;
- a state-changing request (POST) refused to a role changes nothing in the database.

``test_every_url_pattern_is_in_the_matrix`` fails when a URL pattern has no row here, and
``test_every_url_pattern_has_its_post_rule`` when it has neither a PostCase nor a reason to have none:
a new URL needs its access rule before it can ship.

The world is built once for the module, inside a transaction rolled back at the end; each test runs
in its own savepoint. One test client is shared (a new client rebuilds the middleware chain), with the
session of the role under test as its only cookie.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import ROLE_PERMISSIONS
from tests.clients import Client as MFAClient
from tests.core.access_world import ROLES, STAFF_ROLES, World, build_world, password_reset_key

pytestmark = pytest.mark.django_db

MEMBERS = ("member_a", "member_b")
STAFF = tuple(STAFF_ROLES)


# Expected answers ---------------------------------------------------------------------------------

LOGIN = "login"  # 302 to the portal's login page, coming back to the page asked for
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page, coming back to the page asked for


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``to`` (a path, or a function of the world giving it); ``None``: any redirect."""

    to: str | Callable[[World], str] | None = None

    def target(self, world: World) -> str | None:
        return self.to(world) if callable(self.to) else self.to


Expect = int | str | Redirect


USED_PERMISSIONS: set[str] = set()


def has(role: str, perm: str) -> bool:
    """Whether ``ROLE_PERMISSIONS`` gives ``perm`` to the staff role ``role`` (a superuser has them all)."""
    USED_PERMISSIONS.add(perm)
    return role == "superuser" or perm in ROLE_PERMISSIONS.get(STAFF_ROLES.get(role, ""), ())


def everyone(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, expect)


def signed_in(expect: Expect, **overrides: Expect) -> dict[str, Expect]:
    """A page for any account; anonymous visitors go to the login page."""
    return {**everyone(expect), "anonymous": LOGIN, **overrides}


def of_a(a: Expect = 200, *, staff: Expect = 404, **overrides: Expect) -> dict[str, Expect]:
    """A page of association A's space: its members only; 404 for everyone else who is signed in."""
    return {**signed_in(staff), "member_a": a, "member_b": 404, **overrides}


def admin_page(*perms: str, ok: Expect = 200, denied: Expect = 403, any_of: bool = False) -> dict[str, Expect]:
    """An admin page for staff holding ``perms`` (all of them, or one with ``any_of``)."""
    expect: dict[str, Expect] = {"anonymous": ADMIN_LOGIN, "member_a": ADMIN_LOGIN, "member_b": ADMIN_LOGIN}
    for role in (*STAFF, "superuser"):
        held = [has(role, p) for p in perms]
        expect[role] = ok if (any(held) if any_of else all(held)) else denied
    return expect


def admin_staff(ok: Expect) -> dict[str, Expect]:
    """An admin page for every staff account, whatever its role."""
    return {**admin_page(ok=ok), **dict.fromkeys((*STAFF, "superuser"), ok)}


# Rows of the matrix -------------------------------------------------------------------------------


@dataclass
class Row:
    route: str  # the URL pattern, as the resolver walk spells it (see ``all_routes``)
    url: Callable[[World], str]
    get: dict[str, Expect]
    variant: str = ""
    not_applicable: str = ""  # why the URL does not matter here (still requested, still checked)
    content_type: str = ""  # expected Content-Type prefix of the 200 answers

    @property
    def id(self) -> str:
        return self.route + (f"[{self.variant}]" if self.variant else "")


def r(name: str, *args, query: str = "", **kwargs) -> Callable[[World], str]:
    """The URL of ``name``, its arguments being functions of the world (or constants)."""

    def url(world: World) -> str:
        resolved_args = [a(world) if callable(a) else a for a in args]
        resolved_kwargs = {k: (v(world) if callable(v) else v) for k, v in kwargs.items()}
        return reverse(name, args=resolved_args or None, kwargs=resolved_kwargs or None) + query

    return url


def pk(attribute: str) -> Callable[[World], int]:
    return lambda world: getattr(world, attribute).pk


def app_url(world: World) -> str:
    return world.application.get_absolute_url()


def join_a_url(world: World) -> str:
    return reverse("associations:join") + f"?number={world.association_a.rna}"


def invitation_url(world: World) -> str:
    return reverse("associations:invitation", args=[world.invitation_token])


def members_a_url(world: World) -> str:
    return reverse("associations:members", args=[world.association_a.pk])


PDF = "application/pdf"
PORTAL_ROWS = [
    Row("", r("home"), everyone(200)),
    Row("healthz", r("healthz"), everyone(200), content_type="application/json"),
    Row("privacy/", r("privacy"), everyone(200)),
    Row("accessibility/", r("accessibility"), everyone(200)),
    Row("i18n/setlang/", r("set_language"), everyone(Redirect("/"))),
    # Association space
    Row("space/", r("associations:space"), signed_in(200)),
    Row("space/my-data.json", r("my_data"), signed_in(200), content_type="application/json"),  # one's own data
    Row("space/associations/new/", r("associations:association_create"), signed_in(200)),
    # One's account: every account has one (its own).
    Row("space/account/", r("account"), signed_in(200)),
    Row("space/account/delete/", r("account_delete"), signed_in(200)),
    # Joining A: anyone signed in may ask (A's member is already in); its members page is A's members' only.
    Row("space/associations/join/", join_a_url, signed_in(200, member_a=Redirect("/space/"))),
    Row("space/associations/<int:pk>/members/", r("associations:members", pk("association_a")), of_a()),
    # POST only: 405 before the association or the request is even looked up, so it reveals nothing.
    Row("space/associations/<int:pk>/invite/", r("associations:invite", pk("association_a")), signed_in(405)),
    Row(
        "space/join-requests/<int:pk>/<str:decision>/",
        r("associations:join_request_decide", pk("join_request"), "accept"),
        signed_in(405),
    ),
    # The invitation's link is its credential: the page shows to whoever holds it (only the invited address
    # may accept it, see the PostCase).
    Row("space/invitations/<str:token>/", invitation_url, everyone(200)),
    Row("space/associations/<int:pk>/edit/", r("associations:association_edit", pk("association_a")), of_a()),
    Row(
        "space/apply/<slug:slug>/",
        r("associations:application_create", lambda w: w.campaign.slug),
        # A already applied: back to its application. B may apply. Staff have no association to apply for.
        signed_in(
            Redirect(reverse("associations:association_create")),
            member_a=Redirect(app_url),
            member_b=200,
        ),
    ),
    Row("space/applications/<int:pk>/", r("associations:application", pk("application")), of_a()),
    Row("space/applications/<int:pk>/edit/", r("associations:application_edit", pk("application")), of_a()),
    # GET (where the login sends back a message sent once the session had expired) only redirects to the
    # application's page, whose own access check answers: it looks nothing up, so it reveals nothing.
    Row(
        "space/applications/<int:pk>/answer/",
        r("associations:application_answer", pk("application")),
        signed_in(Redirect(app_url)),
    ),
    Row("space/applications/<int:pk>/withdraw/", r("associations:application_withdraw", pk("application")), of_a()),
    *[
        Row(
            "space/applications/<int:pk>/documents/<str:kind>/",
            r("associations:application_document", pk("application"), kind),
            # Staff who may read applications read their documents too.
            of_a(**{role: 200 for role in (*STAFF, "superuser") if has(role, "associations.view_application")}),
            variant=kind,
            content_type=PDF,
        )
        for kind in ("statutes", "activity_report")
    ],
    Row(
        "space/applications/<int:pk>/messages/<int:message_pk>/attachment/",
        r("associations:message_attachment", pk("application"), pk("message")),
        # As the documents: the association's members, and staff who may read applications.
        of_a(**{role: 200 for role in (*STAFF, "superuser") if has(role, "associations.view_application")}),
        content_type=PDF,
    ),
    # Campaigns (public)
    Row("campaigns/", r("donations:campaigns"), everyone(200)),
    Row("campaigns/<slug:slug>/", r("donations:campaign", lambda w: w.campaign.slug), everyone(200)),
    Row("campaigns/<slug:slug>/stats.json", r("impact:stats_json", lambda w: w.campaign.slug), everyone(200)),
    Row("campaigns/<slug:slug>/stats.csv", r("impact:stats_csv", lambda w: w.campaign.slug), everyone(200)),
    Row("campaigns/<slug:slug>/progress/", r("impact:progress", lambda w: w.campaign.slug), everyone(200)),
    # Appointments of A's allocation
    Row(
        "space/allocations/<int:pk>/appointment/confirm/",
        r("donations:appointment_accept", pk("allocation")),
        signed_in(405),  # POST only
    ),
    Row(
        "space/allocations/<int:pk>/appointment/change/",
        r("donations:appointment_change", pk("allocation")),
        of_a(),
    ),
    Row("space/allocations/<int:pk>/appointment/", r("donations:appointment_slots", pk("allocation")), of_a()),
    Row(
        "space/allocations/<int:pk>/appointment.ics",
        r("donations:appointment_ics", pk("allocation")),
        of_a(),
        content_type="text/calendar",
    ),
    # Certificates: public verification, the association's downloads (and staff who may view them).
    Row("verify/", r("certificates:lookup"), everyone(200), variant="form"),
    Row(
        "verify/",
        r("certificates:lookup", query="?q=ZZZZ-ZZZZ-ZZZZ"),
        everyone(404),
        variant="unknown",
    ),
    Row(
        "verify/",
        lambda w: reverse("certificates:lookup") + "?q=" + w.handover.number.lower(),
        everyone(Redirect(lambda w: w.handover.get_verify_url())),
        variant="number",
    ),
    Row("verify/<str:code>/", r("certificates:verify", lambda w: w.handover.code), everyone(200), variant="ready"),
    Row(
        "verify/<str:code>/",
        r("certificates:verify", lambda w: w.signed_handover.code),
        everyone(200),
        variant="signed",
    ),
    Row("space/certificates/", r("certificates:list"), signed_in(200)),
    *[
        Row(
            "space/certificates/<int:pk>/",
            r("certificates:download", pk(attribute)),
            of_a(**{role: 200 for role in (*STAFF, "superuser") if has(role, "certificates.view_handover")}),
            variant=attribute,
            content_type=PDF,
        )
        for attribute in ("handover", "signed_handover")
    ],
    # After-sales: every account has the page (its own units and tickets); a ticket and its photos are A's.
    Row("space/support/", r("support:home"), signed_in(200)),
    Row("space/support/new/", r("support:create"), signed_in(200)),
    Row("space/support/<int:pk>/", r("support:ticket", pk("ticket")), of_a()),
    Row(
        "space/support/<int:pk>/photos/<int:photo_pk>/",
        r("support:photo", pk("ticket"), lambda w: w.ticket.photos.get().pk),
        # The association's members, and staff who may see tickets (the admin links the photos).
        of_a(**{role: 200 for role in (*STAFF, "superuser") if has(role, "support.view_ticket")}),
        content_type="image/png",
    ),
    Row(
        "space/support/<int:pk>/addendum/",
        r("support:addendum", pk("replaced_ticket")),
        # The stock team, and the desk that has it signed.
        of_a(
            **{
                role: 200
                for role in (*STAFF, "superuser")
                if has(role, "support.view_ticket") or has(role, "support.sign_addendum")
            }
        ),
        content_type="application/pdf",
    ),
    # Impact reports
    Row("space/reports/", r("impact:reports"), signed_in(200)),
    # The donor space: its own donors' figures for a donor's people (tests/access/test_donor_space.py adds the
    # donor roles); for anyone else, how a company joins.
    Row("donor/", r("donors:space"), signed_in(200)),
    Row("donate/", r("donors:donate"), everyone(200)),  # the public offer form
    # The donor's documents: its people only (tests/access/test_donor_documents.py); 404 for every other account.
    # The donor's head office address: its people only (no role of the matrix acts for a donor: tests/portal/
    # test_donor_address.py has the donor's people and another donor's).
    Row("donor/<int:pk>/address/", r("donors:address", pk("donor")), signed_in(404)),
    Row("donor/documents/", r("donors:documents"), signed_in(404)),
    Row("donor/documents/request/", r("donors:document_request"), signed_in(405)),  # POST only
    Row("donor/documents/<int:pk>/pdf/", r("donors:document_download", pk("donor_document")), signed_in(404)),
    # Collections: the donor's own pledges and lots only (tests/access/test_donor_space.py: donor A, donor B).
    Row(
        "donor/pledges/<int:pledge_id>/collection/",
        r("donors:collection_for_pledge", pk("pledge")),
        signed_in(404),
    ),
    Row("donor/lots/<int:lot_id>/collection/", r("donors:collection_for_lot", pk("lot")), signed_in(404)),
    Row("space/reports/<int:pk>/", r("impact:report", pk("report")), of_a()),
    Row("space/reports/<int:pk>/reopen/", r("impact:report_reopen", pk("report")), signed_in(405)),  # POST only
    # In-kind gift receipts: every account has the page (its own associations'); A's declaration and receipts are
    # its members' only; staff read them in the admin.
    Row("space/receipts/", r("impact:receipts"), signed_in(200)),
    Row(
        "space/receipts/<int:association_pk>/eligibility/",
        r("impact:receipt_eligibility", pk("association_a")),
        of_a(),
    ),
    Row(
        "space/receipts/<int:association_pk>/<int:donor_pk>/<int:year>/",
        r("impact:receipt", pk("association_a"), lambda w: w.receipt.donor_id, lambda w: w.receipt.year),
        of_a(),
    ),
    Row("space/receipts/<int:pk>/pdf/", r("impact:receipt_pdf", pk("receipt")), of_a(), content_type=PDF),
    Row("space/receipts/<int:pk>/cancel/", r("impact:receipt_cancel", pk("receipt")), of_a()),  # its confirm page
    # The donor's pages: its own lots and receipts (tests/access/test_donor_space.py has the donor roles).
    Row("donor/lots/<int:pk>/value/", r("donors:lot_value", pk("lot")), signed_in(404)),
    Row("donor/receipts/<int:pk>/pdf/", r("donors:receipt_pdf", pk("receipt")), signed_in(404)),
]

ACCOUNT_ROWS = [
    Row("accounts/login/", r("account_login"), signed_in(Redirect("/space/"), anonymous=200)),
    Row("accounts/logout/", r("account_logout"), signed_in(200, anonymous=Redirect("/"))),
    Row("accounts/inactive/", r("account_inactive"), everyone(200)),
    Row("accounts/signup/", r("account_signup"), signed_in(Redirect("/space/"), anonymous=200)),
    Row("accounts/reauthenticate/", r("account_reauthenticate"), signed_in(200)),
    Row("accounts/email/", r("account_email"), signed_in(200)),
    Row("accounts/confirm-email/", r("account_email_verification_sent"), everyone(200)),
    Row("accounts/password/change/", r("account_change_password"), signed_in(200)),
    # Every account here has a password: « set » sends to « change ».
    Row("accounts/password/set/", r("account_set_password"), signed_in(Redirect("/accounts/password/change/"))),
    Row("accounts/password/reset/", r("account_reset_password"), everyone(200)),
    Row(
        "accounts/login/code/confirm/",
        r("account_confirm_login_code"),
        signed_in(Redirect("/space/"), anonymous=Redirect("/accounts/login/")),
        not_applicable="login by emailed code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED is not set)",
    ),
    # The key is the credential: the page answers whoever holds it.
    # The portal's confirmation page (« already confirmed » for a link opened twice), before allauth's own.
    Row(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$", r("account_confirm_email", lambda w: w.email_key), everyone(200)
    ),
    Row(
        r"accounts/^confirm-email/(?P<key>[-:\w]+)/$", r("account_confirm_email", lambda w: w.email_key), everyone(200)
    ),
    Row("accounts/password/reset/key/done/", r("account_reset_password_from_key_done"), everyone(200)),
    Row(
        "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        r(
            "account_reset_password_from_key",
            uidb36=lambda w: w.reset_key[0],
            key=lambda w: w.reset_key[1],
        ),
        # The key moves into the session (whoever was signed in is signed out), then the form.
        everyone(Redirect(lambda w: f"/accounts/password/reset/key/{w.reset_key[0]}-set-password/")),
    ),
    Row("accounts/password/reset/done/", r("account_reset_password_done"), everyone(200)),
    # The second factor (allauth.mfa): each account manages its own, nobody in the world has one yet (the
    # staff sessions passed it: tests/clients.py). Setting it up asks for the password again first.
    Row("accounts/2fa/", r("mfa_index"), signed_in(200)),
    Row(
        "accounts/2fa/authenticate/",
        r("mfa_authenticate"),  # only during a login that waits for its code
        signed_in(Redirect("/space/"), anonymous=Redirect("/accounts/login/")),
    ),
    Row("accounts/2fa/reauthenticate/", r("mfa_reauthenticate"), signed_in(Redirect("/accounts/reauthenticate/"))),
    Row("accounts/2fa/totp/activate/", r("mfa_activate_totp"), signed_in(Redirect("/accounts/reauthenticate/"))),
    Row("accounts/2fa/totp/deactivate/", r("mfa_deactivate_totp"), signed_in(404)),
    Row("accounts/2fa/recovery-codes/", r("mfa_view_recovery_codes"), signed_in(404)),
    Row(
        "accounts/2fa/recovery-codes/generate/",
        r("mfa_generate_recovery_codes"),
        signed_in(Redirect("/accounts/reauthenticate/")),
    ),
    Row("accounts/2fa/recovery-codes/download/", r("mfa_download_recovery_codes"), signed_in(404)),
]


# The admin ----------------------------------------------------------------------------------------

NEVER = "never"  # the admin never offers it, not even to a superuser
SUPERUSER = "superuser"  # only a superuser


@dataclass(frozen=True)
class ModelRule:
    """A registered ModelAdmin: its object in the world and what the admin never offers on it."""

    label: str  # app_label.model_name
    obj: Callable[[World], object]
    add: str = ""  # "" (by permission), NEVER or SUPERUSER
    change: str = ""
    delete: str = ""

    @property
    def app_label(self) -> str:
        return self.label.split(".")[0]

    @property
    def model_name(self) -> str:
        return self.label.split(".")[1]

    def perm(self, action: str) -> str:
        return f"{self.app_label}.{action}_{self.model_name}"

    def may(self, role: str, action: str) -> bool:
        restriction = getattr(self, action) if action != "view" else ""
        if restriction == NEVER:
            return False
        if restriction == SUPERUSER:
            return role == "superuser"
        if action == "view":  # Django: view or change permission
            return has(role, self.perm("view")) or has(role, self.perm("change"))
        return has(role, self.perm(action))

    def expect(self, action: str) -> dict[str, Expect]:
        return {
            **admin_page(),
            **{role: 200 if self.may(role, action) else 403 for role in (*STAFF, "superuser")},
        }


MODEL_RULES = [
    ModelRule("auth.group", lambda w: w.group),
    ModelRule("account.emailaddress", lambda w: w.email_address),
    ModelRule("accounts.user", lambda w: w.users["member_a"]),
    # Applications come from the association space and are never deleted.
    ModelRule("associations.application", lambda w: w.application, add=NEVER, delete=NEVER),
    ModelRule("associations.association", lambda w: w.association_a),
    ModelRule("associations.mission", lambda w: w.mission, add=NEVER, change=NEVER, delete=NEVER),
    # Join requests come from the association space and stay (who joined an association, and who let them in).
    ModelRule("associations.joinrequest", lambda w: w.join_request, add=NEVER, delete=NEVER),
    ModelRule("inventory.lot", lambda w: w.lot, delete=SUPERUSER),
    ModelRule("inventory.computer", lambda w: w.computer, delete=NEVER),  # scrapped, never deleted
    ModelRule("inventory.stockpartner", lambda w: w.stock_partner, delete=NEVER),  # its lots and tokens keep it
    # Collections come from the donor space and stay with their history: decided on their decision page only.
    ModelRule("inventory.collection", lambda w: w.collection, add=NEVER, delete=NEVER),
    # API tokens: issued by the add form (the secret shown once), revoked by an action, never edited nor deleted.
    ModelRule("api.apitoken", lambda w: w.api_token, change=NEVER, delete=NEVER),
    ModelRule("inventory.wiperecord", lambda w: w.wipe_record, add=NEVER, change=NEVER, delete=NEVER),
    ModelRule("inventory.computerevent", lambda w: w.computer_event, add=NEVER, change=NEVER, delete=NEVER),
    # Each campaign's functional test checklist; the tests recorded are evidence, read-only.
    ModelRule("inventory.checklistitem", lambda w: w.checklist_item),
    ModelRule("inventory.functionaltest", lambda w: w.functional_test, add=NEVER, change=NEVER, delete=NEVER),
    ModelRule("campaigns.donor", lambda w: w.donor),
    # Organisers and their teams are set up by superusers; each team reads its own organiser.
    ModelRule("campaigns.organiser", lambda w: w.organiser),
    ModelRule("campaigns.campaign", lambda w: w.wave.campaign),
    # Offers come from /donate/ and stay with their history: accepted or declined by the actions only.
    ModelRule("campaigns.donoroffer", lambda w: w.donor_offer, add=NEVER, delete=NEVER),
    # A's wave is confirmed: frozen, never deleted.
    ModelRule("donations.wave", lambda w: w.wave, change=NEVER, delete=NEVER),
    ModelRule("donations.allocation", lambda w: w.allocation, add=NEVER, delete=NEVER),
    ModelRule("donations.handoverslot", lambda w: w.slot),
    ModelRule("certificates.handover", lambda w: w.handover, add=NEVER, change=NEVER, delete=NEVER),
    # Figures are the association's: staff return or accept a report, never add or delete one.
    ModelRule("impact.impactreport", lambda w: w.report, add=NEVER, delete=NEVER),
    # Tickets come from the association space and stay in the units' history.
    ModelRule("support.ticket", lambda w: w.ticket, add=NEVER, delete=NEVER),
    ModelRule("impact.campaignreporting", lambda w: w.reporting, delete=NEVER),
    # Donor documents are asked for from the donor space or a lot's page, rendered by the worker: read-only here.
    ModelRule("impact.donordocument", lambda w: w.donor_document, add=NEVER, change=NEVER, delete=NEVER),
    # Receipts and eligibility are the associations' (issued and declared in their space): read-only here.
    ModelRule("impact.receipt", lambda w: w.receipt, add=NEVER, change=NEVER, delete=NEVER),
    ModelRule("impact.receipteligibility", lambda w: w.receipt_eligibility, add=NEVER, change=NEVER, delete=NEVER),
    ModelRule("impact.lotvaluation", lambda w: w.lot_valuation),
    # The outbox of emails: read-only, and only for superusers (no role holds core.view_outboxemail).
    ModelRule("core.outboxemail", lambda w: w.outbox_email, add=NEVER, change=NEVER, delete=NEVER),
]


def model_rows(rule: ModelRule) -> list[Row]:
    base = f"admin/{rule.app_label}/{rule.model_name}/"
    name = f"admin:{rule.app_label}_{rule.model_name}"
    obj = rule.obj
    change_url = lambda w: reverse(f"{name}_change", args=[obj(w).pk])  # noqa: E731
    return [
        Row(base, r(f"{name}_changelist"), rule.expect("view")),
        Row(f"{base}add/", r(f"{name}_add"), rule.expect("add")),
        Row(f"{base}<path:object_id>/history/", r(f"{name}_history", lambda w: obj(w).pk), rule.expect("view")),
        Row(f"{base}<path:object_id>/delete/", r(f"{name}_delete", lambda w: obj(w).pk), rule.expect("delete")),
        Row(f"{base}<path:object_id>/change/", change_url, rule.expect("view")),
        # The old-style object URL: any staff account is sent on to the change page (which checks).
        Row(f"{base}<path:object_id>/", lambda w: f"/{base}{obj(w).pk}/", admin_staff(Redirect(change_url))),
    ]


def admin_url(name: str, *args, query: str = "") -> Callable[[World], str]:
    return r(f"admin:{name}", *args, query=query)


def desk_url(world: World) -> str:
    return reverse("admin:certificates_handover_desk", args=[world.wave.pk])


def app_index(app_label: str) -> dict[str, Expect]:
    """The index of an app: the roles that may view one of its models; 404 (Django's) for the others."""
    rules = [rule for rule in MODEL_RULES if rule.app_label == app_label]
    expect = admin_page()
    for role in (*STAFF, "superuser"):
        expect[role] = 200 if any(rule.may(role, "view") for rule in rules) else 404
    return expect


H = "certificates.view_handover"
# the apps with an admin index page, as Django joins them into its app_list pattern
ADMIN_APP_LABELS = (
    "auth|account|accounts|core|campaigns|associations|inventory|donations|certificates|support|impact|api"
)
ADMIN_ROWS = [
    *[row for rule in MODEL_RULES for row in model_rows(rule)],
    Row("admin/", admin_url("index"), admin_staff(200)),
    Row(
        "admin/login/",
        admin_url("login"),
        # The site's login (allauth: failed-login limits and the second factor); a member goes back to their space.
        {**admin_staff(Redirect("/admin/")), "anonymous": LOGIN, **dict.fromkeys(MEMBERS, Redirect("/space/"))},
    ),
    # Logging out takes a POST; without an admin session, back to the admin's index (Django).
    Row(
        "admin/logout/",
        admin_url("logout"),
        {**admin_staff(405), **dict.fromkeys(("anonymous", *MEMBERS), Redirect("/admin/"))},
    ),
    Row("admin/password_change/", admin_url("password_change"), admin_staff(200)),
    Row("admin/password_change/done/", admin_url("password_change_done"), admin_staff(200)),
    Row(
        "admin/autocomplete/",
        admin_url("autocomplete", query="?app_label=campaigns&model_name=campaigndonor&field_name=donor&term=Or"),
        admin_page("campaigns.view_donor", "campaigns.change_donor", any_of=True),
        content_type="application/json",
    ),
    Row("admin/jsi18n/", admin_url("jsi18n"), admin_staff(200)),
    # « View on site » of A's application: the association-space URL, which checks membership itself.
    Row(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        lambda w: reverse(
            "admin:view_on_site",
            args=[
                apps.get_model("contenttypes", "ContentType").objects.get_for_model(w.application).pk,
                w.application.pk,
            ],
        ),
        admin_staff(Redirect(lambda w: f"http://testserver{app_url(w)}")),
    ),
    *[
        Row(
            rf"admin/^(?P<app_label>{ADMIN_APP_LABELS})/$",
            admin_url("app_list", label),
            app_index(label),
            variant=label,
        )
        for label in ADMIN_APP_LABELS.split("|")
    ],
    Row("admin/(?P<url>.*)$", lambda w: "/admin/no-such-page/", admin_staff(404)),
    # Users: changing another account's password is for superusers.
    Row(
        "admin/accounts/user/<id>/password/",
        admin_url("auth_user_password_change", lambda w: w.users["member_a"].pk),
        admin_page("accounts.change_user"),
    ),
    # Applications: the review steps.
    *[
        Row(
            "admin/associations/application/<path:object_id>/instruction/<str:step>/",
            admin_url("associations_application_review", pk("submitted_application"), step),
            admin_page("associations.review_application"),
            variant=step,
        )
        for step in ("approve", "reject", "waitlist", "request-info")
    ],
    # Inventory
    Row(
        "admin/inventory/lot/<int:pk>/labels/",
        admin_url("inventory_lot_labels", pk("lot")),
        admin_page("inventory.view_lot", "inventory.view_computer"),
        content_type=PDF,
    ),
    Row(
        "admin/inventory/computer/import/",
        admin_url("inventory_computer_import"),
        admin_page("inventory.add_computer", "inventory.change_computer"),
    ),
    Row(
        "admin/inventory/computer/process_import/",
        admin_url("inventory_computer_process_import"),
        admin_staff(405),  # POST only (checked before the permission: a GET reveals nothing)
    ),
    Row(
        "admin/inventory/computer/export/",
        admin_url("inventory_computer_export"),
        admin_page("inventory.view_computer"),
    ),
    Row(
        "admin/inventory/computer/import/modele.<str:fmt>",
        admin_url("inventory_computer_import_template", "csv"),
        admin_page("inventory.add_computer", "inventory.change_computer"),
        content_type="text/csv",
    ),
    Row(
        "admin/inventory/computer/import/refus/<str:name>/",
        admin_url("inventory_computer_import_rejected", "refus-1-" + "0" * 32),
        # One's own file of refused rows only: another account's (here, made up) is not found.
        admin_page("inventory.add_computer", "inventory.change_computer", ok=404),
    ),
    Row(
        "admin/inventory/computer/scan/",
        admin_url("inventory_computer_scan"),
        admin_page("inventory.view_computer"),
    ),
    Row(
        "admin/inventory/computer/wipe-reports/",
        admin_url("inventory_computer_wipe_reports"),
        admin_page("inventory.record_wipe"),
    ),
    Row(
        "admin/inventory/computer/wipe-reports/<int:pk>/file/",
        admin_url("inventory_computer_wipe_report_file", pk("wipe_evidence")),
        admin_page("inventory.view_wiperecord"),
        content_type="application/octet-stream",
    ),
    # Waves and allocations
    Row(
        "admin/donations/wave/<path:object_id>/plan/",
        admin_url("donations_wave_plan", pk("wave")),
        admin_page("donations.view_wave", "donations.change_wave", any_of=True),
    ),
    Row(
        "admin/donations/wave/<path:object_id>/plan/confirm/",
        admin_url("donations_wave_plan_confirm", pk("wave")),
        admin_page("donations.view_wave", "donations.plan_wave"),
    ),
    Row(
        "admin/donations/allocation/<path:object_id>/cancel/",
        admin_url("donations_allocation_cancel", pk("allocation")),
        admin_page("donations.change_allocation"),
    ),
    # The print desk
    Row("admin/certificates/handover/desk/", admin_url("certificates_handover_desk_index"), admin_page(H)),
    Row(
        "admin/certificates/handover/desk/<int:wave_id>/",
        admin_url("certificates_handover_desk", pk("wave")),
        admin_page(H),
    ),
    Row(
        "admin/certificates/handover/desk/<int:wave_id>/progress/",
        admin_url("certificates_handover_progress", pk("wave")),
        admin_page(H),
        content_type="application/json",
    ),
    Row(
        "admin/certificates/handover/desk/<int:wave_id>/generate/",
        admin_url("certificates_handover_generate", pk("wave")),
        admin_page(H, ok=Redirect(desk_url)),  # a GET goes back to the desk
    ),
    Row(
        "admin/certificates/handover/desk/<int:wave_id>/print/",
        admin_url("certificates_handover_print", pk("wave")),
        admin_page(H),
        content_type=PDF,
    ),
    *[
        Row(
            "admin/certificates/handover/<int:object_id>/pdf/",
            admin_url("certificates_handover_pdf", pk(attribute)),
            admin_page(H),
            variant=attribute,
            content_type=PDF,
        )
        for attribute in ("handover", "signed_handover")
    ],
    Row(
        "admin/certificates/handover/<int:object_id>/retry/",
        admin_url("certificates_handover_retry", pk("handover")),
        admin_page(H, ok=Redirect(desk_url)),
    ),
    Row(
        "admin/support/ticket/<int:object_id>/decide/",
        admin_url("support_ticket_decide", pk("ticket")),
        admin_page("support.change_ticket"),
    ),
    Row(
        "admin/support/ticket/fault-rates/",
        admin_url("support_ticket_fault_rates"),
        admin_page("support.view_ticket"),
    ),
    Row(
        "admin/impact/donordocument/<int:object_id>/pdf/",
        admin_url("impact_donordocument_pdf", pk("donor_document")),
        admin_page("impact.view_donordocument"),
        content_type=PDF,
    ),
    Row(  # a GET goes back to the lot's page (which checks)
        "admin/impact/donordocument/lot/<int:lot_id>/traceability/",
        admin_url("impact_donordocument_lot", pk("lot")),
        admin_staff(Redirect(lambda w: reverse("admin:inventory_lot_change", args=[w.lot.pk]))),
    ),
    Row(
        "admin/inventory/collection/<int:object_id>/decide/",
        admin_url("inventory_collection_decide", pk("collection")),
        admin_page("inventory.view_collection"),
    ),
    Row(
        "admin/certificates/handover/<int:object_id>/record/",
        admin_url("certificates_handover_record", pk("handover")),
        admin_page(H, "certificates.record_handover"),
    ),
    # The desk has the addendum of a replacement signed on the pads (the replaced ticket's, not signed yet).
    Row("admin/support/ticket/addenda/", admin_url("support_ticket_addenda"), admin_page("support.sign_addendum")),
    Row(
        "admin/support/ticket/<int:object_id>/sign/",
        admin_url("support_ticket_sign", pk("replaced_ticket")),
        admin_page("support.sign_addendum"),
    ),
    # Impact reports
    Row(
        "admin/impact/impactreport/<int:pk>/return/",
        admin_url("impact_impactreport_return", pk("report")),
        admin_page("impact.review_impactreport"),
    ),
    Row(
        "admin/impact/impactreport/<int:pk>/accept/",
        admin_url("impact_impactreport_accept", pk("report")),
        admin_page(
            "impact.review_impactreport",
            ok=Redirect(lambda w: reverse("admin:impact_impactreport_change", args=[w.report.pk])),
        ),
    ),
    Row(
        "admin/impact/impactreport/<int:pk>/reopen/",
        admin_url("impact_impactreport_reopen", pk("report")),
        admin_page("impact.review_impactreport"),
    ),
    Row(
        "admin/impact/receipt/<int:pk>/pdf/",
        admin_url("impact_receipt_pdf", pk("receipt")),
        admin_page("impact.view_receipt"),
        content_type=PDF,
    ),
    Row(
        "admin/impact/impactreport/overdue/",
        admin_url("impact_impactreport_overdue"),
        admin_page("impact.view_impactreport"),
    ),
    Row("admin/impact/impactreport/dashboard/", admin_url("impact_dashboard"), admin_page("impact.view_impactreport")),
    Row(
        "admin/impact/impactreport/dashboard/<int:campaign_id>/",
        admin_url("impact_dashboard_campaign", pk("signed_campaign")),
        admin_page("impact.view_impactreport"),
    ),
    *[
        Row(
            "admin/impact/impactreport/export/<str:key>.<str:fmt>",
            lambda w, key=key: reverse("admin:impact_export", kwargs={"key": key, "fmt": "csv"}),
            admin_page("impact.export_data", view),
            variant=key,
            content_type="text/csv",
        )
        for key, view in (
            ("applications", "associations.view_application"),
            ("allocations", "donations.view_allocation"),
            ("handovers", "certificates.view_handover"),
            ("reports", "impact.view_impactreport"),
        )
    ],
]

# The REST API: a session gives no access (tokens only); public reads for everyone, 401 without a token.
JSON = "application/json"
API_ROWS = [
    Row("api/", r("api:root"), everyone(200), content_type=JSON),
    Row("api/schema/", r("api:schema"), everyone(200), content_type="application/vnd.oai.openapi"),
    Row("api/docs/", r("api:docs"), everyone(200), content_type="text/html"),
    Row("api/campaigns/", r("api:campaigns"), everyone(200), content_type=JSON),
    Row("api/campaigns/<slug:slug>/", r("api:campaign", lambda w: w.campaign.slug), everyone(200), content_type=JSON),
    Row(
        "api/campaigns/<slug:slug>/figures/",
        r("api:campaign_figures", lambda w: w.campaign.slug),
        everyone(200),
        content_type=JSON,
    ),
    Row("api/donor/pledges/", r("api:donor_pledges"), everyone(401)),
    Row("api/donor/lots/", r("api:donor_lots"), everyone(401)),
    Row("api/donor/lots/<int:pk>/", r("api:donor_lot", pk("lot")), everyone(401)),
    Row("api/partner/lots/", r("api:partner_lots"), everyone(401)),
    Row("api/partner/lots/<int:pk>/", r("api:partner_lot", pk("lot")), everyone(401)),
    Row("api/partner/lots/<int:pk>/units/", r("api:partner_lot_units", pk("lot")), everyone(401)),
    Row("api/partner/lots/<int:pk>/wipes/", r("api:partner_lot_wipes", pk("lot")), everyone(401)),
]

ROWS = [*PORTAL_ROWS, *ACCOUNT_ROWS, *ADMIN_ROWS, *API_ROWS]


# The world, built once for the module -------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """A's world, inside a transaction rolled back after the module (each test rolls back its own)."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("access-media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            for role, user in built.users.items():
                _CLIENT.cookies = SimpleCookie()
                _CLIENT.force_login(user)
                built.sessions[role] = _CLIENT.cookies[settings.SESSION_COOKIE_NAME].value
            for role, user in built.lyon_users.items():
                _CLIENT.cookies = SimpleCookie()
                _CLIENT.force_login(user)
                built.lyon_sessions[role] = _CLIENT.cookies[settings.SESSION_COOKIE_NAME].value
            built.reset_key = password_reset_key(built.users["member_a"])
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media_root(world):
    """Overrides tests/conftest.py: the world's files live in the module's media directory."""
    cache.clear()  # rate limits and cached statistics
    yield
    cache.clear()


_CLIENT = MFAClient()  # one client (one handler): building a handler loads the middleware, WhiteNoise's scan included


def client_for(world: World, role: str) -> Client:
    """The shared client, with no cookie but the session of ``role``."""
    _CLIENT.cookies = SimpleCookie()
    if role != "anonymous":
        _CLIENT.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return _CLIENT


def check(response, expect: Expect, world: World, url: str, content_type: str = "") -> None:
    status, location = response.status_code, response.get("Location", "")
    seen = f"{status} {location}".strip()
    if expect == LOGIN:
        wanted = f"{reverse('account_login')}?next="
        assert status == 302 and location.startswith(wanted), f"expected the login page, got {seen}"
        assert urlsplit(url).path in location.replace("%2F", "/"), f"the login does not come back here: {seen}"
    elif expect == ADMIN_LOGIN:
        wanted = f"{reverse('admin:login')}?next="
        assert status == 302 and location.startswith(wanted), f"expected the admin's login page, got {seen}"
        assert urlsplit(url).path in location.replace("%2F", "/"), f"the login does not come back here: {seen}"
    elif isinstance(expect, Redirect):
        assert status == 302, f"expected a redirect, got {seen}"
        target = expect.target(world)
        if target is not None:
            assert location == target or urlsplit(location).path == target, (
                f"expected a redirect to {target}, got {seen}"
            )
    else:
        assert status == expect, f"expected {expect}, got {seen}"
        if status == 200 and content_type:
            assert response["Content-Type"].startswith(content_type), response["Content-Type"]


# The GET matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_get(world, row, role):
    url = row.url(world)
    response = client_for(world, role).get(url)
    check(response, row.get[role], world, url, row.content_type)
    if response.status_code == 200 and hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # read the file through: it must exist


# The POST matrix: refused means refused, and nothing changed --------------------------------------

IGNORED_MODELS = {"sessions.Session"}  # the session store changes on every request


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table of the project (the world is small), to compare before and after a request."""
    from django.db import connection

    state = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.label in IGNORED_MODELS or meta.proxy or not meta.managed:
                continue
            table, key = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 (names from the models)
            state[meta.label] = cursor.fetchall()
    return state


LIST_AGAIN = "list-again"  # an admin list, shown again (200) or redirected to (302), the action not run


@dataclass
class PostCase:
    route: str
    url: Callable[[World], str]
    expect: dict[str, Expect]  # the roles tried, and the answer each gets
    data: Callable[[World], dict] = lambda world: {}
    allowed: tuple[str, ...] = ()  # roles whose request is carried out: the database changes
    variant: str = ""

    @property
    def id(self) -> str:
        return self.route + (f"[{self.variant}]" if self.variant else "")


def refused(expect: dict[str, Expect], *allowed: str) -> dict[str, Expect]:
    """``expect`` without the roles that are allowed (their POST is checked by the app's own tests)."""
    return {role: answer for role, answer in expect.items() if role not in allowed}


def association_data(world: World, **overrides) -> dict:
    a = world.association_a
    return {
        "legal_name": "Association A renommée",
        "acronym": "",
        "rna": a.rna,
        "siret": "",
        "address": a.address,
        "postal_code": a.postal_code,
        "city": a.city,
        "missions": [m.pk for m in a.missions.all()],
        "description": "",
        "beneficiaries_per_year": "250",
        "staff_count": "0",
        "volunteer_count": "0",
        "contact_name": a.contact_name,
        "contact_role": "",
        "contact_email": a.contact_email,
        "contact_phone": "",
        **overrides,
    }


def application_data(world: World, **overrides) -> dict:
    return {
        "requested_quantity": "20",
        "public_use_quantity": "16",
        "admin_use_quantity": "4",
        "project": "Ateliers d'initiation au numérique, deux fois par semaine.",
        "has_premises": "on",
        "has_internet": "on",
        "premises_details": "",
        **overrides,
    }


def new_application_data(world: World) -> dict:
    from tests.factories.associations import pdf_upload

    return application_data(
        world, statutes=pdf_upload("statuts.pdf"), activity_report=pdf_upload("rapport.pdf"), consent="on", submit="1"
    )


from tests.impact.conftest import GOOD as REPORT_DATA  # noqa: E402  (a complete, valid impact report)


def record_data(world: World) -> dict:
    from tests.certificates.conftest import record_form

    return record_form()


def sign_data(world: World) -> dict:
    from tests.certificates.conftest import data_url, signature_png

    png = data_url(signature_png())
    return {"signed_by_name": "Nadia Benali", "mode": "screen", "association_signature": png, "operator_signature": png}


def alloc_app_url(world: World) -> str:
    return world.allocation.application.get_absolute_url()


def anonymous_only(expect: Expect = LOGIN) -> dict[str, Expect]:
    return {"anonymous": expect}


def members_a_post(route: str, url, to, data=lambda world: {}, **more) -> PostCase:
    """A POST in association A's space: carried out for A's members (then redirected to ``to``), 404 for everyone
    else signed in."""
    return PostCase(route, url, of_a(Redirect(to)), data, allowed=("member_a",), **more)


PORTAL_POSTS = [
    # The public offer form: an incomplete offer is refused for everyone (field errors), nothing is saved;
    # a complete one is tested in tests/portal/test_donate.py.
    PostCase("donate/", r("donors:donate"), everyone(400), lambda w: {"campaign": w.campaign.pk, "units": "12,5"}),
    # Another donor's lot (every role here acts for no donor): 404, nothing asked.
    PostCase(
        "donor/documents/request/",
        r("donors:document_request"),
        signed_in(404),
        lambda w: {"kind": "traceability", "lot": w.lot.pk},
    ),
    # Nobody of the matrix acts for a donor: the pledge and the lot are not theirs (404), nothing is written.
    *[
        PostCase(route, url, signed_in(404), lambda w: {"contact_name": "X", "slots-TOTAL_FORMS": "1"})
        for route, url in (
            ("donor/pledges/<int:pledge_id>/collection/", r("donors:collection_for_pledge", pk("pledge"))),
            ("donor/lots/<int:lot_id>/collection/", r("donors:collection_for_lot", pk("lot"))),
        )
    ],
    PostCase(
        "space/associations/new/",
        r("associations:association_create"),
        signed_in(Redirect("/space/")),
        lambda w: association_data(w, legal_name="Nouvelle association", rna="W133099999", contact_email="n@x.org"),
        allowed=ROLES[1:],  # any account may register an association (and becomes its member)
    ),
    members_a_post(
        "space/associations/<int:pk>/edit/",
        r("associations:association_edit", pk("association_a")),
        "/space/",
        association_data,
    ),
    PostCase(
        "space/apply/<slug:slug>/",
        r("associations:application_create", lambda w: w.campaign.slug),
        signed_in(
            Redirect(reverse("associations:association_create")),
            member_a=Redirect(app_url),
            member_b=Redirect(None),
        ),
        new_application_data,
        allowed=("member_b",),  # B applies for itself; A already has an application in progress
    ),
    members_a_post(
        "space/applications/<int:pk>/edit/",
        r("associations:application_edit", pk("application")),
        app_url,
        application_data,
    ),
    members_a_post(
        "space/applications/<int:pk>/answer/",
        r("associations:application_answer", pk("application")),
        app_url,
        lambda w: {"body": "Voici les précisions demandées."},
    ),
    members_a_post(
        "space/applications/<int:pk>/withdraw/", r("associations:application_withdraw", pk("application")), app_url
    ),
    members_a_post(
        "space/allocations/<int:pk>/appointment/confirm/",
        r("donations:appointment_accept", pk("allocation")),
        alloc_app_url,
    ),
    members_a_post(
        "space/allocations/<int:pk>/appointment/",
        r("donations:appointment_slots", pk("allocation")),
        alloc_app_url,
        lambda w: {"slot": str(w.slot.pk)},
    ),
    members_a_post(
        "space/allocations/<int:pk>/appointment/change/",
        r("donations:appointment_change", pk("allocation")),
        alloc_app_url,
        lambda w: {"message": "Le mardi matin nous conviendrait mieux."},
    ),
    members_a_post(
        "space/reports/<int:pk>/",
        r("impact:report", pk("report")),
        lambda w: w.report.get_absolute_url(),
        lambda w: REPORT_DATA,
    ),
    PostCase(
        "space/receipts/<int:association_pk>/eligibility/",
        r("impact:receipt_eligibility", pk("association_a")),
        # A already declared itself eligible: declaring again changes nothing.
        of_a(Redirect(reverse("impact:receipts"))),
        lambda w: {"eligible": "on", "basis": "general_interest"},
    ),
    PostCase(
        "space/receipts/<int:association_pk>/<int:donor_pk>/<int:year>/",
        r("impact:receipt", pk("association_a"), lambda w: w.receipt.donor_id, lambda w: w.receipt.year),
        # A's receipt is issued: issuing it again gives it back, unchanged (tests/impact/test_receipts.py issues).
        of_a(Redirect(lambda w: w.receipt.get_absolute_url())),
    ),
    members_a_post(
        "space/receipts/<int:pk>/cancel/",
        r("impact:receipt_cancel", pk("receipt")),
        reverse("impact:receipts"),
        lambda w: {"reason": "Émis pour le mauvais donateur."},
    ),
    PostCase(
        "donor/<int:pk>/address/",
        r("donors:address", pk("donor")),
        signed_in(404),
        lambda w: {"address": "1 rue du Piratage, 13001 Marseille"},
    ),
    PostCase(
        "donor/lots/<int:pk>/value/",
        r("donors:lot_value", pk("lot")),
        signed_in(404),
        lambda w: {"unit_value": "1"},
    ),
    PostCase(
        "space/reports/<int:pk>/reopen/",
        r("impact:report_reopen", pk("report")),
        # The report is not sent yet: there is nothing to reopen (refused with a message; the allowed request is
        # tests/impact/test_reopen.py's).
        of_a(Redirect(lambda w: w.report.get_absolute_url())),
        lambda w: {"reason": "Nous avons oublié les ateliers de mars."},
    ),
    PostCase(
        "space/associations/join/",
        join_a_url,
        {"anonymous": LOGIN, "member_a": Redirect("/space/"), "member_b": Redirect("/space/")},
        lambda w: {"message": "Je suis bénévole.", "number": w.association_a.rna},
        allowed=("member_b",),  # B's member asks to join A: their own request, that A's members answer
    ),
    members_a_post(
        "space/associations/<int:pk>/invite/",
        r("associations:invite", pk("association_a")),
        members_a_url,
        lambda w: {"email": "collegue@asso-a.example.org"},
    ),
    *[
        members_a_post(
            "space/join-requests/<int:pk>/<str:decision>/",
            r("associations:join_request_decide", pk("join_request"), decision),
            members_a_url,
            lambda w: {"reason": ""},
            variant=decision,
        )
        for decision in ("accept", "refuse")
    ],
    # The invitation is for an address nobody in the world has: nobody may accept it.
    PostCase(
        "space/invitations/<str:token>/",
        invitation_url,
        {**signed_in(Redirect(invitation_url)), "anonymous": 200},
    ),
    # A reports its other unit (done); nobody else may report A's units: their form refuses it, nothing changes.
    PostCase(
        "space/support/new/",
        r("support:create"),
        signed_in(400, member_a=Redirect(None)),
        lambda w: {"computer": w.spare_unit.pk, "description": "Le ventilateur fait un bruit fort."},
        allowed=("member_a",),
    ),
    members_a_post(
        "space/support/<int:pk>/",
        r("support:ticket", pk("ticket")),
        lambda w: w.ticket.get_absolute_url(),
        lambda w: {"body": "Il s'éteint aussi tout seul."},
    ),
    PostCase("space/account/delete/", r("account_delete"), anonymous_only(), lambda w: {"confirm": "on"}),
    # Account pages act on the signed-in account only: anonymous visitors are sent to the login.
    PostCase(
        "accounts/email/", r("account_email"), anonymous_only(), lambda w: {"email": "x@example.org", "action_add": ""}
    ),
    PostCase(
        "accounts/password/change/",
        r("account_change_password"),
        anonymous_only(),
        lambda w: {
            "oldpassword": "motdepasse-solide-42",
            "password1": "Nouveau-mot-2-passe",
            "password2": "Nouveau-mot-2-passe",
        },
    ),
    PostCase("accounts/password/set/", r("account_set_password"), anonymous_only()),
    PostCase("accounts/reauthenticate/", r("account_reauthenticate"), anonymous_only(), lambda w: {"password": "x"}),
]


def model_post_cases(rule: ModelRule) -> list[PostCase]:
    """Add, change and delete, tried by every role that may not: refused, nothing changed."""
    base = f"admin/{rule.app_label}/{rule.model_name}/"
    name = f"admin:{rule.app_label}_{rule.model_name}"
    obj = rule.obj
    cases = []
    for action, route, url, data in (
        ("add", f"{base}add/", r(f"{name}_add"), {}),
        ("change", f"{base}<path:object_id>/change/", r(f"{name}_change", lambda w: obj(w).pk), {}),
        ("delete", f"{base}<path:object_id>/delete/", r(f"{name}_delete", lambda w: obj(w).pk), {"post": "yes"}),
    ):
        expect = {role: answer for role, answer in rule.expect(action).items() if answer != 200}
        cases.append(PostCase(route, url, expect, lambda w, data=data: data))
    # Django's bulk « delete selected », confirmed, from the list.
    expect = {
        **admin_page(),
        **{role: LIST_AGAIN if rule.may(role, "view") else 403 for role in (*STAFF, "superuser")},
    }
    cases.append(
        PostCase(
            base,
            r(f"{name}_changelist"),
            {role: answer for role, answer in expect.items() if not rule.may(role, "delete")},
            lambda w: {"action": "delete_selected", "_selected_action": [obj(w).pk], "index": "0", "post": "yes"},
            variant="delete_selected",
        )
    )
    return cases


def changelist_action(rule: ModelRule, action: str, permission: str, *, obj=None, allowed=(), **extra) -> PostCase:
    """An admin action run from the list on A's object: only for the roles holding its permission."""
    expect: dict[str, Expect] = {**admin_page()}
    for role in (*STAFF, "superuser"):
        if role in allowed or (permission and has(role, permission)):
            expect[role] = Redirect(None)
        elif rule.may(role, "view"):
            expect[role] = LIST_AGAIN  # the action is not offered to them
        else:
            expect[role] = 403
    target = obj or rule.obj
    return PostCase(
        f"admin/{rule.app_label}/{rule.model_name}/",
        r(f"admin:{rule.app_label}_{rule.model_name}_changelist"),
        expect,
        lambda w: {"action": action, "_selected_action": [target(w).pk], "index": "0", **extra},
        allowed=tuple(allowed),
        variant=action,
    )


RULES = {rule.label: rule for rule in MODEL_RULES}
REVIEW_DATA = {
    "approve": {"granted": "20"},
    "reject": {"reason": "Hors du périmètre de la campagne."},
    "waitlist": {"note": "Vague suivante."},
    "request-info": {"message": "Combien d'ateliers par semaine ?"},
}
ADMIN_POSTS = [
    *[case for rule in MODEL_RULES for case in model_post_cases(rule)],
    *[
        PostCase(
            "admin/associations/application/<path:object_id>/instruction/<str:step>/",
            admin_url("associations_application_review", pk("submitted_application"), step),
            admin_page("associations.review_application", ok=Redirect(None)),
            lambda w, data=data: data,
            allowed=("reviewer", "superuser"),
            variant=step,
        )
        for step, data in REVIEW_DATA.items()
    ],
    PostCase(
        "admin/accounts/user/<id>/password/",
        admin_url("auth_user_password_change", lambda w: w.users["member_a"].pk),
        admin_page("accounts.change_user", ok=Redirect(None)),
        lambda w: {"password1": "Un-nouveau-mot-2-passe", "password2": "Un-nouveau-mot-2-passe"},
        allowed=("superuser",),
    ),
    PostCase(
        "admin/donations/wave/<path:object_id>/plan/",
        admin_url("donations_wave_plan", pk("wave")),
        admin_page("donations.plan_wave", ok=Redirect(None)),  # A's wave is confirmed: refused with a message
        lambda w: {"action": "plan"},
    ),
    PostCase(
        "admin/donations/wave/<path:object_id>/plan/confirm/",
        admin_url("donations_wave_plan_confirm", pk("wave")),
        admin_page("donations.plan_wave", ok=Redirect(None)),  # already confirmed: refused with a message
    ),
    PostCase(
        "admin/donations/allocation/<path:object_id>/cancel/",
        admin_url("donations_allocation_cancel", pk("allocation")),
        admin_page(
            "donations.change_allocation",
            ok=Redirect(lambda w: reverse("admin:donations_allocation_change", args=[w.allocation.pk])),
        ),
        lambda w: {"reason": "L'association a fermé."},
        allowed=("manager", "superuser"),
    ),
    PostCase(
        "admin/certificates/handover/desk/<int:wave_id>/generate/",
        admin_url("certificates_handover_generate", pk("wave")),
        admin_page(H, "certificates.change_handover", ok=Redirect(desk_url)),  # all ready: nothing to do
    ),
    PostCase(
        "admin/inventory/collection/<int:object_id>/decide/",
        admin_url("inventory_collection_decide", pk("collection")),
        refused(
            admin_page("inventory.change_collection"),
            *[r for r in (*STAFF, "superuser") if has(r, "inventory.change_collection")],
        ),
        lambda w: {"action": "cancel", "message": "Plus de collecte."},
    ),
    PostCase(
        "admin/support/ticket/<int:object_id>/decide/",
        admin_url("support_ticket_decide", pk("ticket")),
        refused(
            admin_page("support.change_ticket"), *[r for r in (*STAFF, "superuser") if has(r, "support.change_ticket")]
        ),
        lambda w: {"close": "1", "text": "Rien trouvé."},
    ),
    PostCase(
        "admin/impact/donordocument/lot/<int:lot_id>/traceability/",
        admin_url("impact_donordocument_lot", pk("lot")),
        refused(
            admin_page("impact.add_donordocument"),
            *[r for r in (*STAFF, "superuser") if has(r, "impact.add_donordocument")],
        ),
    ),
    PostCase(
        "admin/support/ticket/<int:object_id>/sign/",
        admin_url("support_ticket_sign", pk("replaced_ticket")),
        admin_page("support.sign_addendum", ok=Redirect(lambda w: reverse("admin:support_ticket_addenda"))),
        lambda w: sign_data(w),
        allowed=("handover", "superuser"),
    ),
    PostCase(
        "admin/certificates/handover/<int:object_id>/retry/",
        admin_url("certificates_handover_retry", pk("handover")),
        admin_page(H, "certificates.change_handover", ok=Redirect(desk_url)),  # not failed: refused with a message
    ),
    PostCase(
        "admin/certificates/handover/<int:object_id>/record/",
        admin_url("certificates_handover_record", pk("handover")),
        admin_page(H, "certificates.record_handover", ok=Redirect(desk_url)),
        record_data,
        allowed=("handover", "superuser"),
    ),
    PostCase(
        "admin/impact/impactreport/<int:pk>/return/",
        admin_url("impact_impactreport_return", pk("report")),
        # The report is not sent yet: there is nothing to return (refused with a message).
        admin_page(
            "impact.review_impactreport",
            ok=Redirect(lambda w: reverse("admin:impact_impactreport_change", args=[w.report.pk])),
        ),
        lambda w: {"message": "Le total des âges dépasse le nombre de personnes formées."},
    ),
    PostCase(
        "admin/impact/impactreport/<int:pk>/reopen/",
        admin_url("impact_impactreport_reopen", pk("report")),
        # No correction was asked for this report: nothing to decide (refused with a message).
        admin_page(
            "impact.review_impactreport",
            ok=Redirect(lambda w: reverse("admin:impact_impactreport_change", args=[w.report.pk])),
        ),
        lambda w: {"decision": "accept", "message": ""},
    ),
    PostCase(
        "admin/impact/impactreport/<int:pk>/accept/",
        admin_url("impact_impactreport_accept", pk("report")),
        admin_page(
            "impact.review_impactreport",
            ok=Redirect(lambda w: reverse("admin:impact_impactreport_change", args=[w.report.pk])),
        ),
    ),
    PostCase(
        "admin/inventory/computer/import/",
        admin_url("inventory_computer_import"),
        admin_page("inventory.add_computer", "inventory.change_computer"),  # no file: the form again
    ),
    PostCase(
        "admin/inventory/computer/wipe-reports/",
        admin_url("inventory_computer_wipe_reports"),
        # No file: the form again with its error; a confirmation without a valid token records nothing.
        admin_page("inventory.record_wipe"),
    ),
    PostCase(
        "admin/inventory/computer/wipe-reports/",
        admin_url("inventory_computer_wipe_reports"),
        admin_page("inventory.record_wipe"),
        data=lambda world: {"step": "confirm", "token": "0" * 32},
        variant="confirm",
    ),
    PostCase(
        "admin/inventory/computer/process_import/",
        admin_url("inventory_computer_process_import"),
        # An invalid (expired, tampered) confirmation: the page says so, nothing is imported.
        admin_page("inventory.add_computer", "inventory.change_computer"),
    ),
    # Admin actions, from the lists
    changelist_action(
        RULES["accounts.user"],
        "anonymise_selected",
        "",
        obj=lambda w: w.users["member_b"],
        allowed=("superuser",),
        apply="yes",
    ),
    changelist_action(
        RULES["associations.application"],
        "approve_selected",
        "associations.review_application",
        obj=lambda w: w.submitted_application,
        allowed=("reviewer", "superuser"),
        apply="yes",
    ),
    changelist_action(
        RULES["associations.application"],
        "reject_selected",
        "associations.review_application",
        obj=lambda w: w.submitted_application,
        allowed=("reviewer", "superuser"),
        apply="yes",
        reason="Hors périmètre.",
    ),
    *[
        changelist_action(
            RULES["associations.joinrequest"],
            action,
            "associations.change_joinrequest",
            obj=lambda w: w.join_request,
            allowed=("reviewer", "superuser"),
        )
        for action in ("accept_selected", "refuse_selected")
    ],
    changelist_action(
        RULES["campaigns.campaign"],
        "close_campaigns",
        "campaigns.change_campaign",
        obj=lambda w: w.campaign,
        allowed=("manager", "superuser"),
    ),
    changelist_action(
        RULES["campaigns.donoroffer"],
        "decline_offers",
        "campaigns.change_donoroffer",
        obj=lambda w: w.donor_offer,
        allowed=("manager", "superuser"),
    ),
    changelist_action(RULES["donations.wave"], "close_waves", "donations.plan_wave"),
    changelist_action(RULES["donations.wave"], "generate_slots", "donations.plan_wave"),
    changelist_action(RULES["donations.allocation"], "confirm_allocations", "donations.plan_wave"),
    changelist_action(RULES["certificates.handover"], "generate_selected", "certificates.change_handover"),
    changelist_action(RULES["impact.impactreport"], "accept_selected", "impact.review_impactreport"),
    changelist_action(RULES["inventory.computer"], "start_reconditioning", "inventory.change_computer"),
    # The functional test: A's computer is reserved, so the allowed roles see it refused (and nothing written).
    changelist_action(
        RULES["inventory.computer"],
        "record_functional_test",
        "inventory.record_functional_test",
        apply="1",
        **{f"item_{n}": "passed" for n in range(6)},
    ),
]

API_POSTS = [
    # A session is no token: refused before the body is read, nothing written (tests/api covers the tokens).
    PostCase("api/partner/lots/<int:pk>/units/", r("api:partner_lot_units", pk("lot")), everyone(401)),
    PostCase("api/partner/lots/<int:pk>/wipes/", r("api:partner_lot_wipes", pk("lot")), everyone(401)),
    changelist_action(RULES["api.apitoken"], "revoke", "api.revoke_apitoken", allowed=("manager", "superuser")),
]

POSTS = [*PORTAL_POSTS, *ADMIN_POSTS, *API_POSTS]

# URL patterns without a PostCase, and why: a POST there changes nothing another role owns.
READ_ONLY = "reads only (answers a POST like a GET, or refuses it)"
OWN = "acts on the requester's own session or account only"
KEY = "acts through a secret key sent by email (the key is the credential)"
POST_EXEMPT = {
    **dict.fromkeys(
        [
            "",
            "healthz",
            "privacy/",
            "accessibility/",
            "space/",
            "space/my-data.json",
            "space/account/",
            "space/associations/<int:pk>/members/",
            "space/applications/<int:pk>/",
            "space/applications/<int:pk>/documents/<str:kind>/",
            "space/applications/<int:pk>/messages/<int:message_pk>/attachment/",
            "campaigns/",
            "campaigns/<slug:slug>/",
            "campaigns/<slug:slug>/stats.json",
            "campaigns/<slug:slug>/stats.csv",
            "campaigns/<slug:slug>/progress/",
            "verify/",
            "verify/<str:code>/",
            "space/allocations/<int:pk>/appointment.ics",
            "space/certificates/",
            "space/certificates/<int:pk>/",
            "space/reports/",
            "donor/",
            "donor/documents/",
            "donor/documents/<int:pk>/pdf/",
            "admin/support/ticket/fault-rates/",
            "admin/impact/donordocument/<int:object_id>/pdf/",
            "space/support/",
            "space/support/<int:pk>/photos/<int:photo_pk>/",
            "space/support/<int:pk>/addendum/",
            "accounts/inactive/",
            "accounts/confirm-email/",
            "accounts/password/reset/done/",
            "accounts/password/reset/key/done/",
            "admin/",
            "admin/password_change/done/",
            "admin/autocomplete/",
            "admin/jsi18n/",
            "admin/r/<path:content_type_id>/<path:object_id>/",
            r"admin/^(?P<app_label>auth|account|accounts|core|campaigns|associations|inventory|donations|certificates|support|impact|api)/$",
            "api/",
            "api/schema/",
            "api/docs/",
            "api/campaigns/",
            "api/campaigns/<slug:slug>/",
            "api/campaigns/<slug:slug>/figures/",
            "api/donor/pledges/",
            "api/donor/lots/",
            "api/donor/lots/<int:pk>/",
            "api/partner/lots/",
            "api/partner/lots/<int:pk>/",
            "admin/(?P<url>.*)$",
            "admin/inventory/lot/<int:pk>/labels/",
            "admin/inventory/computer/export/",  # the export form posts to produce a file
            "admin/inventory/computer/scan/",  # a GET form: its buttons post to the list's actions
            "admin/inventory/computer/import/modele.<str:fmt>",
            "admin/inventory/computer/import/refus/<str:name>/",
            "admin/inventory/computer/wipe-reports/<int:pk>/file/",  # a download: a POST is answered as a GET
            "admin/certificates/handover/desk/",
            "admin/support/ticket/addenda/",
            "admin/certificates/handover/desk/<int:wave_id>/",
            "admin/certificates/handover/desk/<int:wave_id>/progress/",
            "admin/certificates/handover/desk/<int:wave_id>/print/",
            "admin/certificates/handover/<int:object_id>/pdf/",
            "admin/impact/receipt/<int:pk>/pdf/",
            "space/receipts/",
            "space/receipts/<int:pk>/pdf/",
            "donor/receipts/<int:pk>/pdf/",
            "admin/impact/impactreport/overdue/",
            "admin/impact/impactreport/dashboard/",
            "admin/impact/impactreport/dashboard/<int:campaign_id>/",
            "admin/impact/impactreport/export/<str:key>.<str:fmt>",
            *[f"admin/{rule.app_label}/{rule.model_name}/<path:object_id>/history/" for rule in MODEL_RULES],
            *[f"admin/{rule.app_label}/{rule.model_name}/<path:object_id>/" for rule in MODEL_RULES],
        ],
        READ_ONLY,
    ),
    **dict.fromkeys(
        [
            "i18n/setlang/",
            "accounts/login/",
            "accounts/logout/",
            "accounts/signup/",  # creates an account for the visitor
            "accounts/password/reset/",  # sends an email, changes nothing
            "accounts/login/code/confirm/",  # not applicable: login by code is off
            # The second factor: each account's own authenticators, or the code of a login in progress.
            "accounts/2fa/",
            "accounts/2fa/authenticate/",
            "accounts/2fa/reauthenticate/",
            "accounts/2fa/totp/activate/",
            "accounts/2fa/totp/deactivate/",
            "accounts/2fa/recovery-codes/",
            "accounts/2fa/recovery-codes/generate/",
            "accounts/2fa/recovery-codes/download/",
            "admin/login/",
            "admin/logout/",
            "admin/password_change/",
        ],
        OWN,
    ),
    **dict.fromkeys(
        [
            r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
            r"accounts/^confirm-email/(?P<key>[-:\w]+)/$",
            "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        ],
        KEY,
    ),
}


@pytest.mark.parametrize(
    ("case", "role"), [pytest.param(case, role, id=f"{case.id}-{role}") for case in POSTS for role in case.expect]
)
def test_post(world, case, role):
    url = case.url(world)
    before = database_state()
    response = client_for(world, role).post(url, case.data(world))
    expect = case.expect[role]
    if expect == LIST_AGAIN:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert urlsplit(response["Location"]).path == urlsplit(url).path, response["Location"]
    else:
        check(response, expect, world, url)
    after = database_state()
    changed = sorted(label for label in before if before[label] != after[label])
    if role in case.allowed:
        assert changed, "allowed, yet nothing changed: the test's data no longer make a valid request"
    else:
        assert not changed, f"not allowed, yet the request changed: {', '.join(changed)}"


# The matrix covers every URL pattern --------------------------------------------------------------


def all_routes() -> dict[str, str]:
    """Every URL pattern of the project (route as written, prefixes included) -> its name."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else "(no name)"

    return dict(walk(get_resolver().url_patterns))


def test_every_url_pattern_is_in_the_matrix():
    routes = all_routes()
    covered = {row.route for row in ROWS}
    missing = [f"{route!r} (name: {name})" for route, name in routes.items() if route not in covered]
    assert not missing, (
        "URL patterns without an access rule in tests/core/test_access_matrix.py (add a Row with the expected "
        "answer for each role, and a PostCase if the view changes data):\n  " + "\n  ".join(missing)
    )
    stale = sorted(covered - set(routes)) + sorted(({case.route for case in POSTS} | set(POST_EXEMPT)) - set(routes))
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


def test_every_url_pattern_has_its_post_rule():
    """A view that changes data has a PostCase; the others say why not (POST_EXEMPT)."""
    with_cases = {case.route for case in POSTS}
    missing = [route for route in all_routes() if route not in with_cases and route not in POST_EXEMPT]
    assert not missing, (
        "URL patterns with neither a PostCase nor a reason in POST_EXEMPT (tests/core/test_access_matrix.py):\n  "
        + "\n  ".join(missing)
    )
    assert not with_cases & set(POST_EXEMPT), sorted(with_cases & set(POST_EXEMPT))


def test_every_role_is_in_every_row():
    for row in ROWS:
        assert set(row.get) == set(ROLES), row.id


def test_every_registered_model_admin_has_its_rule():
    from django.contrib import admin

    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == {rule.label for rule in MODEL_RULES}


def test_the_permissions_named_here_exist():
    """A misspelt permission would silently expect 403 for every role."""
    from django.contrib.auth.models import Permission

    named = {perm for codes in ROLE_PERMISSIONS.values() for perm in codes}
    named |= {rule.perm(action) for rule in MODEL_RULES for action in ("view", "add", "change", "delete")}
    named |= USED_PERMISSIONS
    existing = {f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")}
    assert not named - existing, sorted(named - existing)


def test_the_rules_of_the_product_hold_in_the_table():
    """Guards the table itself against « fixing » a failure by loosening an expectation."""
    for row in ROWS:
        if row.route.startswith("admin/") and row.route not in ("admin/login/", "admin/logout/"):
            for role in ("anonymous", *MEMBERS):
                assert row.get[role] == ADMIN_LOGIN, f"{row.id}: {role} must be sent to the admin's login"
        assert row.get["member_b"] != 403, f"{row.id}: a 403 tells B that A's object exists; answer 404"
    # B applies or registers for itself, or asks to join A (a request A's members answer).
    own_actions = {"space/apply/<slug:slug>/", "space/associations/new/", "space/associations/join/"}
    for case in POSTS:
        assert case.expect.get("member_b") != 403, case.id
        assert "member_b" not in case.allowed or case.route in own_actions, f"{case.id}: B acts on A's object"


# Across organisers: the same roles in another organiser's team (Lyon) ------------------------------------


def cross_organiser_expect(row: Row, role: str, world: World) -> tuple[Expect, ...]:
    """What Lyon's ``role`` may get on a row whose objects are Marseille's: what Marseille's ``role`` gets, except
    on a URL naming an object of an organiser (an application, a lot, a wave...): 404 where Marseille's team gets
    the page, 404 or 403 where it is refused anyway. Shared objects (associations, donors, missions, accounts)
    and lists answer as for Marseille (the meta-test below checks that lists show none of Marseille's rows)."""
    from django.urls import resolve

    from campaigns.scoping import scope_path_of

    own = row.get[role]
    match = resolve(urlsplit(row.url(world)).path)
    ids = [v for k, v in match.kwargs.items() if k in ("object_id", "pk", "wave_id", "campaign_id")]
    parts = row.route.split("/")
    model = None
    if row.route.startswith("admin/") and len(parts) > 3:
        with contextlib.suppress(LookupError):
            model = apps.get_model(parts[1], parts[2])
    scoped = model is not None and scope_path_of(model) is not None
    if not ids or not scoped or isinstance(own, Redirect) and row.route.endswith("<path:object_id>/"):
        return (own,)
    return (404,) if own == 200 or isinstance(own, Redirect) else (403, 404)


CROSS_ROWS = [row for row in ADMIN_ROWS if row.route not in ("admin/login/", "admin/logout/")]


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("row", CROSS_ROWS, ids=[row.id for row in CROSS_ROWS])
def test_get_across_organisers(world, row, role):
    url = row.url(world)
    _CLIENT.cookies = SimpleCookie()
    _CLIENT.cookies[settings.SESSION_COOKIE_NAME] = world.lyon_sessions[role]
    response = _CLIENT.get(url)
    expected = cross_organiser_expect(row, role, world)
    if len(expected) == 1:
        check(response, expected[0], world, url, row.content_type)
    else:
        assert response.status_code in expected, f"{url}: expected one of {expected}, got {response.status_code}"


def test_cross_organiser_rows_cover_the_objects_of_every_scoped_admin():
    """The rule above is not vacuous: the change page of every scoped model answers 404 to the other team."""
    from campaigns.scoping import scope_path_of

    scoped = {rule.label for rule in MODEL_RULES if scope_path_of(apps.get_model(rule.label)) is not None}
    assert {"associations.application", "inventory.lot", "donations.wave", "certificates.handover"} <= scoped


# The meta-test: every admin list is scoped to the organisers of the person who reads it --------------------

# Models whose rows belong to no organiser, by design: accounts and their addresses, the role groups, the
# outbox (superusers only), the national associations' shared details and who joins them, the missions (a
# reference list), the donor companies (they give to several organisers).
GLOBAL_BY_DESIGN = {
    "auth.group",
    "account.emailaddress",
    "accounts.user",
    "core.outboxemail",
    "associations.association",
    "associations.mission",
    "associations.joinrequest",
    "campaigns.donor",
    "inventory.stockpartner",  # a refurbisher may work for several organisers
    "api.apitoken",  # a donor's or a refurbisher's token: both are nobody's
    "impact.receipteligibility",  # a national association's declaration
}


def test_every_admin_list_is_scoped_to_the_organisers_of_its_reader(world):
    """Marseille's objects are in every list of Marseille's superuser, and in none of Lyon's team: a ModelAdmin
    added without ``OrganiserScopedAdmin`` (or with a wrong path) fails here, unless listed as global above."""
    from django.contrib import admin
    from django.contrib.auth.models import Group

    from accounts.roles import NATIONAL_COORDINATOR
    from accounts.roles import ROLE_PERMISSIONS as ROLES_TABLE
    from tests.factories.accounts import StaffFactory
    from tests.factories.campaigns import lyon

    lyon_team = StaffFactory(email="toute-l-equipe@lyon.example.org", role=None)
    for group_name in ROLES_TABLE:
        if group_name != NATIONAL_COORDINATOR:
            lyon_team.groups.add(Group.objects.get(name=group_name))
    from campaigns.models import StaffMembership

    for role in StaffMembership.Role.values:
        StaffMembership.objects.create(user=lyon_team, organiser=lyon(), role=role)
    unscoped, empty = [], []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        path = getattr(model_admin, "organiser_path", None)
        if label in GLOBAL_BY_DESIGN:
            assert path is None, f"{label} is global by design but its admin is scoped ({path!r})"
            continue
        if path is None:
            unscoped.append(label)
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        lyons = set(model._default_manager.filter(**{path or "pk": lyon().pk}).values_list("pk", flat=True))
        seen = {}
        for who, user in (("root", world.users["superuser"]), ("lyon", lyon_team)):
            _CLIENT.cookies = SimpleCookie()
            _CLIENT.force_login(user)
            # ``status__exact=all`` opens the lists that show a default filter (applications) on every row.
            response = _CLIENT.get(url + ("?status__exact=all" if label == "associations.application" else ""))
            assert response.status_code == 200, f"{label}: {response.status_code}"
            seen[who] = set(response.context_data["cl"].queryset.values_list("pk", flat=True))
        if not seen["root"] - lyons:
            empty.append(label)
        assert seen["lyon"] <= lyons, f"{label}: Lyon's team sees {len(seen['lyon'] - lyons)} rows of Marseille"
    assert not unscoped, f"admin lists not scoped to an organiser (add OrganiserScopedAdmin): {unscoped}"
    assert not empty, f"the world has no row of {empty}: the check above proves nothing for them"
