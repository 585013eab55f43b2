"""Query-count guards: every list page of the portal and every admin list costs a fixed number of queries.

Each builder below makes a small dataset (``SMALL`` rows of what the pages list, and of what each row shows),
measures its pages, then adds a larger one (``LARGE`` more rows) and measures again. For every page the guard
checks that

* the page answers 200 and shows something of the last row built, so it cannot pass on an empty list;
* the number of queries is the same for both sizes: a query per row (N+1) would add one per row added;
* that number is at most the page's maximum in ``MAXIMA`` (and ``WARM_MAXIMA`` for the pages that cache their
  figures: measured with an empty cache, then again with the cache filled by the previous request).

The meta-tests at the end keep the tables complete: every ModelAdmin registered on the admin site has a guard on
its change list (and on its change page when it has inlines), and every other admin or portal URL is either
guarded here or listed in ``NOT_LISTS`` with the reason it shows no list. Older guards next to each app's tests
may stay; this file is the one that covers all.

The maxima are the counts measured on SQLite and PostgreSQL (the same on both). Raising one is a reviewed change:
say in the commit which query was added and why it does not grow with the data.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from accounts import roles
from associations.models import Application, ApplicationEvent, Invitation, JoinRequest, Membership, Message, Mission
from tests.associations.test_admin import _make_applications
from tests.donations.test_admin import _many_applications
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import AssociationFactory, approved_application, member_of
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.certificates import confirmed_wave
from tests.factories.donations import WaveFactory
from tests.factories.impact import handed_over_wave, impact_reports_for
from tests.factories.inventory import LotFactory, ready_computers
from tests.impact.conftest import GOOD
from tests.inventory.test_admin import bulk_units

pytestmark = pytest.mark.django_db

SMALL = 3
LARGE = 27  # added to the small dataset: lists show 30 rows, pages about one object show 27

# The maximum number of queries of each page, with an empty cache (see the module's docstring).
MAXIMA: dict[str, int] = {
    # Admin change lists, one per registered ModelAdmin.
    "admin:auth_group_changelist": 5,
    "admin:account_emailaddress_changelist": 5,
    "admin:accounts_user_changelist": 9,
    "admin:associations_application_changelist": 12,
    "admin:associations_association_changelist": 10,
    "admin:associations_mission_changelist": 7,
    "admin:associations_joinrequest_changelist": 5,
    "admin:inventory_lot_changelist": 12,  # the lots' partner filter and the organisers of its filter
    "admin:inventory_computer_changelist": 15,  # + the scrapped units per cause (one grouped query)
    "admin:inventory_wiperecord_changelist": 8,
    "admin:inventory_computerevent_changelist": 8,
    "admin:inventory_checklistitem_changelist": 8,
    "admin:inventory_functionaltest_changelist": 8,
    "admin:campaigns_donor_changelist": 7,
    "admin:inventory_stockpartner_changelist": 7,
    "admin:api_apitoken_changelist": 7,
    "admin:api_apitoken_change": 6,
    "admin:campaigns_campaign_changelist": 9,  # + the organisers of its filter
    "admin:campaigns_donoroffer_changelist": 8,
    "admin:campaigns_organiser_changelist": 6,
    "admin:donations_wave_changelist": 8,
    "admin:donations_allocation_changelist": 9,
    "admin:donations_handoverslot_changelist": 13,
    "admin:certificates_handover_changelist": 9,
    "admin:impact_impactreport_changelist": 11,
    "admin:impact_receipt_changelist": 9,
    "admin:impact_receipt_change": 9,  # with its history
    "admin:impact_receipteligibility_changelist": 7,
    "admin:impact_lotvaluation_changelist": 7,
    "admin:impact_campaignreporting_changelist": 7,
    "admin:core_outboxemail_changelist": 9,
    "admin:support_ticket_changelist": 8,
    "admin:inventory_collection_changelist": 9,  # + the slots of the listed collections (one prefetch)
    # Admin pages that list things.
    "admin:certificates_handover_desk_index": 5,
    "admin:certificates_handover_desk": 6,
    "admin:certificates_handover_progress": 7,
    "admin:certificates_handover_record": 7,  # +1: the wave's appointments, for « Rendez-vous suivant » (one query)
    # + 3: what changed since the proposal was calculated (two counts) and the handover schedule's places.
    "admin:donations_wave_plan": 13,
    "admin:donations_wave_plan_confirm": 12,
    "admin:impact_impactreport_overdue": 5,
    "admin:impact_dashboard": 17,
    "admin:impact_dashboard_campaign": 17,
    "admin:impact_export (applications.csv)": 11,
    "admin:impact_export (allocations.csv)": 11,
    "admin:impact_export (handovers.csv)": 11,
    "admin:impact_export (reports.csv)": 9,
    # + the replacement's addendum, to sign
    "admin:support_ticket_decide": 7,
    "admin:inventory_collection_decide": 7,  # the collection and its slots
    # The desk's addenda: to sign, and the last ones signed (support.selectors.desk_addenda).
    "admin:support_ticket_addenda": 6,
    # Admin change pages that list rows (inlines, the lot's units).
    "admin:accounts_user_change": 11,  # with its exports-and-anonymisation history
    "admin:associations_association_change": 9,
    "admin:associations_association_change (superuser)": 7,
    "admin:associations_application_change": 10,  # + the reviewers to assign to, what the campaign has granted
    "admin:campaigns_campaign_change": 10,
    "admin:campaigns_donoroffer_change": 7,
    "admin:campaigns_donor_change": 9,  # with the people who see the donor space (one query)
    "admin:campaigns_organiser_change": 8,
    "admin:donations_wave_change": 8,
    "admin:donations_allocation_change": 8,
    "admin:certificates_handover_change": 8,
    "admin:impact_impactreport_change": 13,
    # 11: the partner's choices; + the panels of the apps above (inventory.hooks.lot_page_panels): the fault rates
    # per lot and per model (two grouped queries) and the lot's traceability reports (one).
    # + the latest collection and the units received (one query each)
    "admin:inventory_lot_change": 16,
    "admin:inventory_computer_change": 11,  # + the unit's functional tests and their items (prefetched)
    # + the replacement's addendum (its link and the next step): one query each
    "admin:support_ticket_change": 10,
    "admin:inventory_collection_change": 9,  # its slots and its history (inlines)
    # The admin home: the to-do list of each role (impact.todo), aggregates and the five oldest of each kind.
    # + the offers of computers waiting (the five oldest; their count when there are five or more): 2 at most.
    # + the open fault reports: their counts (one aggregate) and the five oldest (support.selectors.support_todo).
    "admin:index (superuser)": 19,
    "admin:index (reviewer)": 9,
    # The portal.
    "home": 3,
    # The export also writes its line in the account history. + the join-request journal, one's requests to join
    # associations, one's addresses and the invitations sent to them (associations/privacy.py): one query each.
    # One query per journal or actor table: + api.ApiTokenEvent, inventory.WipeEvidence, campaigns.DonorOfferEvent,
    # the after-sales history rows and the fault reports with one's messages (support/privacy.py), the donor
    # documents' history rows (impact.DonorDocumentEvent).
    # + the receipts' rows of one's declarations and issues (impact/privacy.py) and their journal.
    # + inventory.CollectionEvent (the collections one proposed or decided).
    "my_data": 32,
    # The « what's next » home: associations, applications, allocations, certificates, reports (total and open),
    # campaigns; + the pending requests to join (one query, associations/_join_requests.html).
    "associations:space": 10,
    "associations:members": 7,
    "account": 5,
    # + what its other waves give (plain-words quantities), + the read marker's UPDATE on a first reading.
    "associations:application": 9,
    "certificates:list": 3,
    "impact:reports": 3,
    "impact:report": 4,
    "donations:campaign": 12,
    "donations:appointment_slots": 4,
    "impact:progress": 9,
    "impact:stats_json": 9,
    "impact:stats_csv": 9,
    # Donors, pledges, lots with their counts, status dates, wipe dates, handed-over units per association,
    # the associations and their missions, people trained, handed-over units per form factor.
    # The donor's documents: donors, documents (with lot and campaign), lots, pledges; + the session and the user.
    "donors:documents": 6,
    # The stock team's fault rates: per lot and per model, one grouped query each.
    "admin:support_ticket_fault_rates": 6,
    "admin:impact_donordocument_changelist": 7,
    "admin:impact_donordocument_change": 9,  # + its history rows (the inline) and its donor, lot and campaign
    # + the session and the user; + the issued in-kind gift receipts; + the lots' collections with their confirmed
    # slot (one prefetch).
    "donors:space": 14,
    # Memberships, eligibilities, received units (one query), associations, donors, receipts (twice), totals.
    "impact:receipts": 11,
    "support:home": 4,
    "support:create": 3,
    # + the replacement's addendum
    "support:ticket": 6,
    # The API's lists: the page and its count (+ the token and its last use, read once per request).
    "api:campaigns": 2,
    "api:donor_pledges": 3,
    "api:donor_lots": 3,
    "api:partner_lots": 3,
    "api:partner_lot_units": 4,  # + the lot
}

# Pages that cache their figures: the maximum once the cache is filled.
WARM_MAXIMA: dict[str, int] = {
    "donations:campaign": 5,
    "impact:progress": 1,
    "impact:stats_json": 1,
    "impact:stats_csv": 1,
}

# URL names that show no list, and why (the meta-tests below require every other URL to be guarded).
NOT_LISTS: dict[str, str] = {
    # The portal.
    "healthz": "a health check: one query, whatever the data",
    "privacy": "a static page",
    "accessibility": "a static page",
    "set_language": "a redirect that stores the language",
    "associations:association_create": "a form",
    "associations:join": "a form about one association",
    "associations:invite": "a POST that invites one address",
    "associations:join_request_decide": "a POST about one join request",
    "associations:invitation": "the page of one invitation",
    "account_delete": "a confirmation form about one's own account",
    "account_confirm_email": "allauth's confirmation page of one address",
    "associations:association_edit": "a form about one association",
    "associations:application_create": "a form",
    "associations:application_edit": "a form about one application",
    "associations:application_answer": "a POST that answers on one application's thread",
    "associations:application_withdraw": "a confirmation page about one application",
    "associations:application_document": "one PDF file",
    "associations:message_attachment": "one file attached to a message",
    "donations:appointment_accept": "a POST about one allocation",
    "donations:appointment_change": "a form about one allocation",
    "impact:report_reopen": "a POST about one report",
    "impact:receipt": "one receipt; its units are read in one query (guarded in tests/impact/test_receipts.py)",
    "impact:receipt_eligibility": "a form about one association",
    "impact:receipt_pdf": "one PDF file",
    "impact:receipt_cancel": "a confirmation form about one receipt",
    "donors:receipt_pdf": "one PDF file",
    "donors:lot_value": "a form about one lot",
    "donors:address": "a form about one donor (guarded in tests/portal/test_donor_address.py)",
    "admin:impact_receipt_pdf": "one PDF file",
    "donors:donate": "the public offer form (its campaign choice: one query)",
    "donors:collection_for_pledge": "a form about one pledge (a new lot and its slots)",
    "donors:collection_for_lot": "a form about one lot (its slots)",
    "donations:appointment_ics": "one .ics file about one allocation",
    "certificates:verify": "the public page of one certificate",
    "certificates:lookup": "a form; its lookup is one query by number or code, then a redirect",
    "certificates:download": "one PDF file",
    "donations:campaigns": "guarded with more campaigns in tests/portal/public/test_campaign_list.py",
    "support:photo": "one photo of a fault report",
    "support:addendum": "one PDF, the addendum of one replacement",
    "donors:document_request": "a POST that asks for one document",
    "donors:document_download": "one PDF file",
    # The API (its lists are guarded above).
    "api:root": "the links to the lists, built without the database",
    "api:schema": "the OpenAPI schema, built from the code",
    "api:docs": "the documentation page, which loads the schema",
    "api:campaign": "one campaign and its figures (impact:stats_json's, guarded there)",
    "api:campaign_figures": "one campaign's figures (impact:stats_json's, guarded there)",
    "api:donor_lot": "one lot of the donor",
    "api:partner_lot": "one lot of the partner",
    "api:partner_lot_wipes": "a POST of wipe results about one lot",
    # The admin (besides Django's own add, change, delete and history pages).
    "admin:associations_application_review": "a review form about one application",
    "admin:inventory_lot_labels": "a PDF of labels (one query through computers_for_labels)",
    "admin:inventory_computer_import": "the import form; its preview shows the uploaded file, not the database",
    "admin:inventory_computer_scan": "one unit found by its code (guarded in tests/inventory/test_scan.py)",
    "admin:inventory_computer_wipe_reports": "the uploaded reports (guarded in tests/inventory/test_wipe_import.py)",
    "admin:inventory_computer_wipe_report_file": "one original report file",
    "admin:inventory_computer_import_template": "a template file built without the database",
    "admin:inventory_computer_import_rejected": "one file of the user's own refused rows",
    "admin:inventory_computer_process_import": "the POST that confirms an import",
    "admin:inventory_computer_export": "the export form; the file is written by django-import-export's resource",
    "admin:certificates_handover_generate": "a POST that queues the wave's certificates",
    "admin:certificates_handover_print": "a merged PDF of stored files (one query through handovers_to_print)",
    "admin:certificates_handover_pdf": "one PDF file",
    "admin:certificates_handover_retry": "a POST about one certificate",
    "admin:support_ticket_sign": "the desk's signature form about one addendum",
    "admin:donations_allocation_cancel": "a form about one allocation",
    "admin:impact_impactreport_return": "a form about one report",
    "admin:impact_impactreport_accept": "a POST about one report",
    "admin:impact_impactreport_reopen": "a form about one report (the association's request to correct it)",
    "admin:impact_donordocument_pdf": "one PDF file",
    "admin:impact_donordocument_lot": "a POST that asks for one lot's traceability report",
}

# Django's own admin views, guarded (change lists) or about one object.
STANDARD_ADMIN_SUFFIXES = ("_changelist", "_add", "_change", "_delete", "_history")
STANDARD_ADMIN_NAMES = {"auth_user_password_change"}
PORTAL_NAMESPACES = {"associations", "donations", "certificates", "impact", "donors", "support", "api"}


# The measurement ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    url: str
    user: object | None  # None: anonymous
    expect: tuple[str, ...]  # texts of the last row built: the rows are really on the page
    cached: bool = False  # the page keeps its figures in the cache
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (an API token)


@dataclass(frozen=True)
class Builder:
    name: str
    pages: tuple[str, ...]
    build: Callable[[int], dict[str, Page]]  # adds ``n`` rows, returns the pages that list them


BUILDERS: list[Builder] = []


def builds(*pages: str):
    def register(function):
        BUILDERS.append(Builder(function.__name__, pages, function))
        return function

    return register


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _measure(client, key: str, page: Page, *, warm: bool = False) -> list[str]:
    """The SQL of one request to ``page``, after a first request that warms sessions and permission caches."""
    if page.user is None:
        client.logout()
    else:
        client.force_login(page.user)
    cache.clear()
    headers = dict(page.headers)
    first = client.get(page.url, **headers)
    assert first.status_code == 200, (key, first.status_code)
    _body(first)
    if not warm:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url, **headers)
        body = _body(response)  # a streamed export reads the database while it is consumed
    assert response.status_code == 200, (key, response.status_code)
    missing = [text for text in page.expect if text not in body and escape(text) not in body]
    assert not missing, f"{key}: the last row built is not on the page ({missing})"
    return [q["sql"] for q in queries.captured_queries]


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _grown(few: list[str], many: list[str]) -> list[str]:
    """The queries (numbers and strings left out) that run more often for the larger dataset: the N+1."""
    before, after = Counter(map(_shape, few)), Counter(map(_shape, many))
    return [f"{after[sql] - before[sql]} x {sql[:300]}" for sql in after if after[sql] > before[sql]]


_seq = itertools.count(1)


def _next() -> int:
    return next(_seq)


def _root():
    return UserFactory(email="racine@garde.example.org", is_staff=True, is_superuser=True)


def _staff(role: str):
    emails = {
        roles.REVIEWER: "instruction@garde.example.org",
        roles.INVENTORY_OPERATOR: "stock@garde.example.org",
        roles.CAMPAIGN_MANAGER: "responsable@garde.example.org",
        roles.HANDOVER_OPERATOR: "guichet@garde.example.org",
    }
    return staff_with_role(role, email=emails[role])


def _member():
    return UserFactory(email="membre@garde.example.org")


def _join(user, association) -> None:
    Membership.objects.get_or_create(user=user, association=association)


def _export(key: str) -> str:
    return reverse("admin:impact_export", kwargs={"key": key, "fmt": "csv"})


# Builders: accounts and associations ------------------------------------------------------------


@builds("admin:auth_group_changelist", "admin:account_emailaddress_changelist", "admin:accounts_user_changelist")
def accounts(n: int) -> dict[str, Page]:
    """Members of associations, each with a group and a verified email address."""
    root = _root()
    permissions = list(Permission.objects.filter(codename__startswith="view_").order_by("pk")[:3])
    for _i in range(n):
        k = _next()
        group = Group.objects.create(name=f"Groupe témoin {k:04d}")
        group.permissions.set(permissions)
        association = AssociationFactory(legal_name=f"Association témoin {k:04d}")
        user = member_of(association, email=f"membre{k:04d}@garde.example.org")
        user.groups.add(group)
    return {
        "admin:auth_group_changelist": Page(reverse("admin:auth_group_changelist"), root, (group.name,)),
        "admin:account_emailaddress_changelist": Page(
            reverse("admin:account_emailaddress_changelist"), root, (user.email,)
        ),
        "admin:accounts_user_changelist": Page(
            reverse("admin:accounts_user_changelist"), root, (user.email, association.legal_name, group.name)
        ),
    }


@builds("admin:core_outboxemail_changelist")
def outbox(n: int) -> dict[str, Page]:
    """Emails of the outbox, sent and waiting, one with an error."""
    from core.models import OutboxEmail

    for _i in range(n):
        k = _next()
        last = OutboxEmail.objects.create(
            template="allocation_confirmed",
            to=[f"destinataire{k:04d}@garde.example.org"],
            attempts=k % 3,
            last_error="SMTPServerDisconnected: fermé" if k % 2 else "",
            sent_at=timezone.now() if k % 2 == 0 else None,
        )
    url = reverse("admin:core_outboxemail_changelist")
    return {"admin:core_outboxemail_changelist": Page(url, _root(), (last.to[0],))}


@builds(
    "admin:associations_application_changelist",
    "admin:associations_association_changelist",
    "admin:impact_export (applications.csv)",
)
def applications(n: int) -> dict[str, Page]:
    """Applications in every status (drafts are not listed), of associations with missions, members, messages."""
    from campaigns.models import Campaign

    campaign = Campaign.objects.filter(slug="garde-candidatures").first() or CampaignFactory(slug="garde-candidatures")
    _make_applications(n, campaign)
    reviewer = _staff(roles.REVIEWER)
    last = Application.objects.exclude(status=Application.Status.DRAFT).order_by("pk").last()
    name = last.association.legal_name
    return {
        "admin:associations_application_changelist": Page(
            reverse("admin:associations_application_changelist") + "?status__exact=all", reviewer, (name,)
        ),
        "admin:associations_association_changelist": Page(
            reverse("admin:associations_association_changelist"), reviewer, (name,)
        ),
        "admin:impact_export (applications.csv)": Page(_export("applications"), reviewer, (name,)),
    }


@builds("admin:associations_mission_changelist")
def missions(n: int) -> dict[str, Page]:
    """The list is fixed (seven missions, loaded by a migration): three of them, then all seven."""
    codes = list(Mission.Code.values)
    if n == SMALL:
        Mission.objects.exclude(code__in=codes[:SMALL]).delete()
    else:
        for position, code in enumerate(codes):
            Mission.objects.get_or_create(code=code, defaults={"position": position})
    last = Mission.objects.order_by("position", "pk").last()
    url = reverse("admin:associations_mission_changelist")
    return {"admin:associations_mission_changelist": Page(url, _staff(roles.REVIEWER), (str(last),))}


# Builders: stock --------------------------------------------------------------------------------


@builds(
    "admin:inventory_lot_changelist",
    "admin:inventory_computer_changelist",
    "admin:inventory_wiperecord_changelist",
    "admin:inventory_computerevent_changelist",
)
def stock(n: int) -> dict[str, Page]:
    """Lots of received units, units put into reconditioning (history rows), ready units (wipe records)."""
    from inventory import services as inventory_services
    from inventory.models import Computer

    operator = _staff(roles.INVENTORY_OPERATOR)
    lots = [LotFactory() for _i in range(n)]
    for lot in lots:
        bulk_units(1, lot)
    received = list(Computer.objects.filter(lot__in=lots).order_by("pk"))
    inventory_services.computers_start_reconditioning(computer_ids=[c.pk for c in received], by=operator)
    ready = ready_computers(n)
    wiped = ready[-1]
    wiped.refresh_from_db()
    return {
        "admin:inventory_lot_changelist": Page(
            reverse("admin:inventory_lot_changelist"), operator, (lots[-1].reference,)
        ),
        "admin:inventory_computer_changelist": Page(
            reverse("admin:inventory_computer_changelist"), operator, (received[-1].asset_tag, wiped.asset_tag)
        ),
        "admin:inventory_wiperecord_changelist": Page(
            reverse("admin:inventory_wiperecord_changelist"), operator, (wiped.wipe_record.report_reference,)
        ),
        "admin:inventory_computerevent_changelist": Page(
            reverse("admin:inventory_computerevent_changelist"), operator, (received[-1].asset_tag,)
        ),
    }


# Builders: campaigns, waves, allocations, certificates -----------------------------------------


@builds(
    "admin:campaigns_donor_changelist",
    "admin:campaigns_campaign_changelist",
    "admin:donations_wave_changelist",
    "admin:impact_campaignreporting_changelist",
)
def campaigns(n: int) -> dict[str, Page]:
    """Campaigns, each with a donor's pledge, a wave, an approved application and a reporting calendar."""
    from campaigns.models import CampaignDonor
    from impact.models import CampaignReporting

    manager = _staff(roles.CAMPAIGN_MANAGER)
    for _i in range(n):
        k = _next()
        campaign = CampaignFactory(name=f"Campagne témoin {k:04d}", slug=f"campagne-temoin-{k:04d}")
        donor = DonorFactory(name=f"Donateur témoin {k:04d}")
        CampaignDonor.objects.create(campaign=campaign, donor=donor, pledged_units=100)
        WaveFactory(campaign=campaign, number=1)
        approved_application(campaign, 10)
        CampaignReporting.objects.create(campaign=campaign)
    return {
        "admin:campaigns_donor_changelist": Page(reverse("admin:campaigns_donor_changelist"), manager, (donor.name,)),
        "admin:campaigns_campaign_changelist": Page(
            reverse("admin:campaigns_campaign_changelist"), manager, (campaign.name,)
        ),
        "admin:donations_wave_changelist": Page(reverse("admin:donations_wave_changelist"), manager, (campaign.name,)),
        "admin:impact_campaignreporting_changelist": Page(
            reverse("admin:impact_campaignreporting_changelist"), manager, (campaign.name,)
        ),
    }


@builds(
    "admin:donations_allocation_changelist",
    "admin:donations_handoverslot_changelist",
    "admin:certificates_handover_changelist",
    "admin:certificates_handover_desk",
    "admin:certificates_handover_progress",
    "admin:impact_export (allocations.csv)",
    "admin:impact_export (handovers.csv)",
)
def confirmed_allocations(n: int) -> dict[str, Page]:
    """A confirmed wave of ``n`` associations, ten reserved units each, and their certificates."""
    wave = confirmed_wave(n, 10)
    manager = _staff(roles.CAMPAIGN_MANAGER)
    desk = _staff(roles.HANDOVER_OPERATOR)
    allocation = wave.allocations.select_related("application__association", "handover").order_by("pk").last()
    name = allocation.application.association.legal_name
    handover = allocation.handover
    unit = allocation.units.select_related("computer").order_by("computer__asset_tag").last().computer
    return {
        "admin:donations_allocation_changelist": Page(
            reverse("admin:donations_allocation_changelist"), manager, (name,)
        ),
        # The desk's schedule of the wave: every slot with the associations booked in it.
        "admin:donations_handoverslot_changelist": Page(
            reverse("admin:donations_handoverslot_changelist") + f"?wave__id__exact={wave.pk}", desk, (name,)
        ),
        "admin:certificates_handover_changelist": Page(
            reverse("admin:certificates_handover_changelist"), desk, (handover.number, name)
        ),
        "admin:certificates_handover_desk": Page(
            reverse("admin:certificates_handover_desk", args=[wave.pk]), desk, (handover.number, name)
        ),
        "admin:certificates_handover_progress": Page(
            reverse("admin:certificates_handover_progress", args=[wave.pk]), desk, (f'"id": {handover.pk},',)
        ),
        "admin:impact_export (allocations.csv)": Page(_export("allocations"), manager, (name,)),
        "admin:impact_export (handovers.csv)": Page(
            _export("handovers"), manager, (handover.number, unit.serial_number)
        ),
    }


@builds("admin:certificates_handover_desk_index")
def desk_waves(n: int) -> dict[str, Page]:
    """``n`` confirmed waves (one association each) on the print desk's index."""
    for _i in range(n):
        wave = confirmed_wave(1, 10)
    url = reverse("admin:certificates_handover_desk_index")
    return {"admin:certificates_handover_desk_index": Page(url, _staff(roles.HANDOVER_OPERATOR), (wave.campaign.name,))}


@builds("admin:certificates_handover_record")
def handover_units(n: int) -> dict[str, Page]:
    """One allocation of ``n`` units, recorded at the counter (the form lists every unit)."""
    campaign = CampaignFactory(min_per_association=1)
    wave = confirmed_wave(1, n, campaign=campaign)
    allocation = wave.allocations.get()
    unit = allocation.units.select_related("computer").order_by("computer__asset_tag").last().computer
    url = reverse("admin:certificates_handover_record", args=[allocation.handover.pk])
    return {"admin:certificates_handover_record": Page(url, _staff(roles.HANDOVER_OPERATOR), (unit.asset_tag,))}


@builds("admin:donations_wave_plan", "admin:donations_wave_plan_confirm")
def wave_plan(n: int) -> dict[str, Page]:
    """A wave planned for ``n`` approved applications (grants of 10 to 30)."""
    from donations import services as donation_services

    manager = _staff(roles.CAMPAIGN_MANAGER)
    campaign = CampaignFactory()
    _many_applications(campaign, n)
    ready_computers(30 * n)
    wave = WaveFactory(campaign=campaign, number=1, capacity=30 * n)
    donation_services.wave_plan(wave=wave, by=manager)
    last = wave.allocations.select_related("application__association").order_by("position", "pk").last()
    return {
        "admin:donations_wave_plan": Page(
            reverse("admin:donations_wave_plan", args=[wave.pk]), manager, (last.application.association.legal_name,)
        ),
        "admin:donations_wave_plan_confirm": Page(
            reverse("admin:donations_wave_plan_confirm", args=[wave.pk]), manager, (f"pour {n} associations",)
        ),
    }


# Builders: impact reports and public statistics --------------------------------------------------


@builds(
    "admin:impact_impactreport_changelist",
    "admin:impact_impactreport_overdue",
    "admin:impact_export (reports.csv)",
)
def overdue_reports(n: int) -> dict[str, Page]:
    """``n`` associations equipped in January 2025, whose first quarterly report is overdue."""
    wave = handed_over_wave(n, 10, on=datetime.date(2025, 1, 10))
    reports = impact_reports_for(wave, today=datetime.date(2025, 2, 1), starts_on=datetime.date(2025, 1, 1))
    manager = _staff(roles.CAMPAIGN_MANAGER)
    name = max(reports, key=lambda r: r.pk).association.legal_name
    return {
        "admin:impact_impactreport_changelist": Page(reverse("admin:impact_impactreport_changelist"), manager, (name,)),
        "admin:impact_impactreport_overdue": Page(reverse("admin:impact_impactreport_overdue"), manager, (name,)),
        "admin:impact_export (reports.csv)": Page(_export("reports"), manager, (name,)),
    }


@builds(
    "donations:campaign",
    "impact:progress",
    "impact:stats_json",
    "impact:stats_csv",
    "admin:impact_dashboard",
    "admin:impact_dashboard_campaign",
)
def public_campaign(n: int) -> dict[str, Page]:
    """One campaign growing by ``n`` waves (one of them handed over to ``n`` associations of ``n`` postal codes),
    ``n`` donors' pledges and ``n`` reports (the last one overdue), next to ``n`` other campaigns."""
    from campaigns.models import Campaign, CampaignDonor
    from impact import services as impact_services
    from impact.models import ImpactReport

    campaign = Campaign.objects.filter(slug="garde-publique").first() or CampaignFactory(
        slug="garde-publique", name="Campagne publique témoin", applications_open_on=timezone.localdate()
    )
    number = campaign.waves.count() + 1
    wave = handed_over_wave(n, 10, campaign=campaign, wave_number=number, on=datetime.date(2026, 1, 10))
    for allocation in wave.allocations.select_related("application__association"):
        association = allocation.application.association
        association.postal_code = f"{20000 + _next():05d}"
        association.save(update_fields=["postal_code"])
    for offset in range(1, n):
        WaveFactory(campaign=campaign, number=number + offset)
    last_wave = campaign.waves.order_by("number").last()
    for _i in range(n):
        k = _next()
        donor = DonorFactory(name=f"Donateur témoin {k:04d}")
        CampaignDonor.objects.create(campaign=campaign, donor=donor, pledged_units=10)
        other = CampaignFactory(name=f"Autre campagne témoin {k:04d}", slug=f"autre-campagne-{k:04d}")
    impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    reports = list(ImpactReport.objects.filter(allocation__wave=wave).select_related("association").order_by("pk"))
    for report in reports[:-1]:
        impact_services.impact_report_save(report=report, by=None, submit=True, **GOOD)
    overdue = reports[-1].association
    manager = _staff(roles.CAMPAIGN_MANAGER)
    figures = (donor.name, overdue.postal_code)
    return {
        "donations:campaign": Page(campaign.get_absolute_url(), None, (donor.name, str(last_wave)), cached=True),
        "impact:progress": Page(reverse("impact:progress", args=[campaign.slug]), None, figures, cached=True),
        "impact:stats_json": Page(reverse("impact:stats_json", args=[campaign.slug]), None, figures, cached=True),
        "impact:stats_csv": Page(reverse("impact:stats_csv", args=[campaign.slug]), None, figures, cached=True),
        "admin:impact_dashboard": Page(
            reverse("admin:impact_dashboard"), manager, (str(last_wave), overdue.legal_name, other.name)
        ),
        "admin:impact_dashboard_campaign": Page(
            reverse("admin:impact_dashboard_campaign", args=[campaign.pk]),
            manager,
            (str(last_wave), overdue.legal_name, other.name),
        ),
    }


# Builders: the portal -----------------------------------------------------------------------------


@builds("home")
def home(n: int) -> dict[str, Page]:
    """``n`` public campaigns, each with a second donor."""
    from campaigns.models import CampaignDonor

    for _i in range(n):
        k = _next()
        campaign = CampaignFactory(name=f"Campagne témoin {k:04d}", slug=f"campagne-temoin-{k:04d}")
        donor = DonorFactory(name=f"Donateur témoin {k:04d}")
        CampaignDonor.objects.create(campaign=campaign, donor=donor, pledged_units=100)
    return {"home": Page(reverse("home"), None, (campaign.name, donor.name))}


@builds("associations:space", "certificates:list", "impact:reports", "my_data")
def member_space(n: int) -> dict[str, Page]:
    """A member of ``n`` associations equipped in one wave: their applications (with messages from the city),
    certificates and impact reports."""
    member = _member()
    wave = handed_over_wave(n, 10, on=datetime.date(2026, 1, 10))
    allocations = list(wave.allocations.select_related("application__association", "handover").order_by("pk"))
    for allocation in allocations:
        _join(member, allocation.application.association)
        Message.objects.create(application=allocation.application, from_staff=True, body="Une question ?")
        requester = UserFactory(email=f"demandeur{_next():04d}@garde.example.org")
        JoinRequest.objects.create(association=allocation.application.association, user=requester)
    reports = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    last = allocations[-1]
    name = last.application.association.legal_name
    shown = (name, wave.campaign.name, *_space_home_actions(member, n))
    return {
        "associations:space": Page(reverse("associations:space"), member, (*shown, requester.email)),
        "certificates:list": Page(reverse("certificates:list"), member, (last.handover.number, name)),
        "impact:reports": Page(
            reverse("impact:reports"), member, (max(reports, key=lambda r: r.pk).association.legal_name,)
        ),
        "my_data": Page(reverse("my_data"), member, (name, last.handover.number)),
    }


def _space_home_actions(member, n: int) -> tuple[str, ...]:
    """What waits on the space's home, ``n`` of each: appointments to confirm, signed certificates to download,
    questions from the team to answer. Returns texts of the last ones built."""
    from associations import services as association_services
    from certificates.models import Handover
    from donations import services as donation_services
    from tests.certificates.conftest import record_handover
    from tests.factories.associations import ApplicationFactory

    manager = _staff(roles.CAMPAIGN_MANAGER)
    k = _next()
    day = timezone.localdate() + datetime.timedelta(days=30)
    to_confirm = confirmed_wave(n, 1, campaign=CampaignFactory(min_per_association=1))
    for allocation in to_confirm.allocations.select_related("application__association", "wave"):
        _join(member, allocation.application.association)
        donation_services.allocation_set_appointment(
            allocation=allocation,
            by=manager,
            date=day,
            start=datetime.time(9),
            end=datetime.time(10),
            place=f"Salle témoin {k:04d}",
        )
    desk = _staff(roles.HANDOVER_OPERATOR)
    to_sign = confirmed_wave(n, 1, campaign=CampaignFactory(min_per_association=1))
    for handover in Handover.objects.filter(wave=to_sign).select_related("allocation__application"):
        _join(member, handover.allocation.application.association)
        record_handover(handover, desk, notify=False)  # signed; its PDF is not rendered (the home does not read it)
    reviewer = _staff(roles.REVIEWER)
    for i in range(n):
        application = ApplicationFactory(statutes="", activity_report="")
        _join(member, application.association)
        association_services.application_request_info(
            application=application, by=reviewer, message=f"Question témoin {k:04d}-{i:03d}"
        )
    return (f"Salle témoin {k:04d}", handover.number, f"Question témoin {k:04d}-{n - 1:03d}")


@builds("donations:appointment_slots")
def slot_picker(n: int) -> dict[str, Page]:
    """The association's slot picker: its wave's schedule with ``n`` more free slots, one a day after the others."""
    from django.utils import translation
    from django.utils.formats import date_format
    from django.utils.text import capfirst

    from donations.models import HandoverSlot

    member = _member()
    wave = confirmed_wave(1, 10)
    allocation = wave.allocations.select_related("application__association").get()
    _join(member, allocation.application.association)
    last_day = wave.slots.order_by("-date").values_list("date", flat=True).first()
    extra = [
        HandoverSlot(
            wave=wave, date=last_day + datetime.timedelta(days=i + 1), start=datetime.time(8), end=datetime.time(9)
        )
        for i in range(n)
    ]
    HandoverSlot.objects.bulk_create(extra)
    with translation.override("fr"):
        label = capfirst(date_format(extra[-1].date, "l j F"))
    url = reverse("donations:appointment_slots", args=[allocation.pk])
    return {"donations:appointment_slots": Page(url, member, (label,))}


@builds("associations:members", "admin:associations_joinrequest_changelist")
def join_requests(n: int) -> dict[str, Page]:
    """An association with ``n`` more members, ``n`` more people asking to join it and ``n`` more invitations."""
    association, _created = AssociationFactory._meta.model.objects.get_or_create(
        legal_name="Association des membres témoins",
        defaults={
            "rna": "W139876543",
            "address": "1 rue du Port",
            "postal_code": "13002",
            "city": "Marseille",
            "beneficiaries_per_year": 10,
            "contact_name": "Nadia",
            "contact_email": "contact@garde.example.org",
        },
    )
    member = _member()
    _join(member, association)
    for _i in range(n):
        k = _next()
        colleague = member_of(association, email=f"membre{k:04d}@garde.example.org")
        requester = UserFactory(email=f"demandeur{k:04d}@garde.example.org")
        JoinRequest.objects.create(association=association, user=requester, message=f"Bonjour {k}")
        invited = f"invite{k:04d}@garde.example.org"
        Invitation.objects.create(association=association, email=invited, invited_by=colleague)
    return {
        "associations:members": Page(
            reverse("associations:members", args=[association.pk]),
            member,
            (colleague.email, requester.email, f"Bonjour {k}", invited),
        ),
        "admin:associations_joinrequest_changelist": Page(
            reverse("admin:associations_joinrequest_changelist"), _root(), (requester.email, association.legal_name)
        ),
    }


@builds("account")
def account_addresses(n: int) -> dict[str, Page]:
    """One's account page, with ``n`` more email addresses (added, not confirmed yet)."""
    from allauth.account.models import EmailAddress

    member = _member()
    for _i in range(n):
        address = EmailAddress.objects.create(user=member, email=f"autre{_next():04d}@garde.example.org")
    return {"account": Page(reverse("account"), member, (address.email,))}


@builds("associations:application")
def application_page(n: int) -> dict[str, Page]:
    """One approved application with ``n`` messages, ``n`` history rows, and its allocations (one for the small
    dataset, three waves for the larger one) with their certificates."""
    from certificates.services import handover_ensure_for_allocations
    from donations import services as donation_services

    member = _member()
    manager = _staff(roles.CAMPAIGN_MANAGER)
    waves = 1 if n == SMALL else 3
    campaign = CampaignFactory(max_per_association=30)
    application = approved_application(campaign, 10 * waves)
    _join(member, application.association)
    for number in range(1, waves + 1):
        wave = WaveFactory(campaign=campaign, number=number, capacity=10)
        ready_computers(10)
        donation_services.wave_plan(wave=wave, by=manager)
        donation_services.wave_confirm(wave=wave, by=manager, notify=False)
        handover_ensure_for_allocations(list(wave.allocations.values_list("pk", flat=True)), by=manager)
    k = _next()
    Message.objects.bulk_create(
        Message(application=application, from_staff=bool(i % 2), body=f"Message témoin {k:04d}-{i:03d}")
        for i in range(n)
    )
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(application=application, kind="message", actor_label=f"Témoin {k:04d}-{i:03d}")
        for i in range(n)
    )
    handover = application.allocations.select_related("handover").order_by("pk").last().handover
    expect = (f"Message témoin {k:04d}-{n - 1:03d}", f"Témoin {k:04d}-{n - 1:03d}", handover.number)
    return {"associations:application": Page(application.get_absolute_url(), member, expect)}


@builds("impact:report")
def report_page(n: int) -> dict[str, Page]:
    """One impact report with ``n`` rows of history."""
    from impact.models import ImpactReportEvent

    member = _member()
    wave = handed_over_wave(1, 10, on=datetime.date(2026, 1, 10))
    report = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
    _join(member, report.association)
    k = _next()
    ImpactReportEvent.objects.bulk_create(
        ImpactReportEvent(report=report, kind="updated", actor_label=f"Témoin {k:04d}-{i:03d}") for i in range(n)
    )
    return {"impact:report": Page(report.get_absolute_url(), member, (f"Témoin {k:04d}-{n - 1:03d}",))}


# Builders: admin change pages that list rows (inlines) -------------------------------------------


def _change(model_admin_name: str, pk: int) -> str:
    return reverse(f"admin:{model_admin_name}_change", args=[pk])


def _actor(k: int, i: int) -> str:
    return f"Témoin {k:04d}-{i:03d}"


@builds("admin:accounts_user_change")
def user_memberships(n: int) -> dict[str, Page]:
    """One account, member of ``n`` associations."""
    user = UserFactory(email="multi@garde.example.org")
    for _i in range(n):
        association = AssociationFactory(legal_name=f"Association témoin {_next():04d}")
        _join(user, association)
    return {"admin:accounts_user_change": Page(_change("accounts_user", user.pk), _root(), (association.legal_name,))}


@builds(
    "admin:associations_association_change",
    "admin:associations_association_change (superuser)",
    "admin:associations_application_change",
)
def association_history(n: int) -> dict[str, Page]:
    """An association with ``n`` members and ``n`` applications; the last one with ``n`` messages and history rows."""
    from tests.factories.associations import ApplicationFactory

    association = AssociationFactory(legal_name=f"Association témoin {_next():04d}")
    for _i in range(n):
        k = _next()
        member = member_of(association, email=f"membre{k:04d}@garde.example.org")
        campaign = CampaignFactory(name=f"Campagne témoin {k:04d}", slug=f"campagne-temoin-{k:04d}")
        application = ApplicationFactory(association=association, campaign=campaign, statutes="", activity_report="")
    k = _next()
    Message.objects.bulk_create(
        Message(application=application, from_staff=bool(i % 2), author=member, body=f"Message témoin {k:04d}-{i:03d}")
        for i in range(n)
    )
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(application=application, kind="message", actor_label=_actor(k, i)) for i in range(n)
    )
    reviewer = _staff(roles.REVIEWER)
    return {
        "admin:associations_association_change": Page(
            _change("associations_association", association.pk), reviewer, (member.email, campaign.name)
        ),
        "admin:associations_association_change (superuser)": Page(  # members in editable rows
            _change("associations_association", association.pk), _root(), (member.email, campaign.name)
        ),
        "admin:associations_application_change": Page(
            _change("associations_application", application.pk),
            reviewer,
            (f"Message témoin {k:04d}-{n - 1:03d}", _actor(k, n - 1)),
        ),
    }


@builds("admin:campaigns_organiser_changelist", "admin:campaigns_organiser_change")
def organisers(n: int) -> dict[str, Page]:
    """``n`` organisers with a campaign each; the last one with ``n`` members in its team."""
    from campaigns.models import StaffMembership
    from tests.factories.campaigns import OrganiserFactory

    for _i in range(n):
        k = _next()
        organiser = OrganiserFactory(name=f"Organisateur témoin {k:04d}")
        CampaignFactory(organiser=organiser, name=f"Campagne témoin {k:04d}", slug=f"campagne-temoin-{k:04d}")
    for _i in range(n):
        member = UserFactory(email=f"equipe{_next():04d}@garde.example.org", is_staff=True)
        StaffMembership.objects.create(user=member, organiser=organiser, role="reviewer")
    root = _root()  # once: each call sets its password again, which ends the sessions opened before
    return {
        "admin:campaigns_organiser_changelist": Page(
            reverse("admin:campaigns_organiser_changelist"), root, (organiser.name,)
        ),
        "admin:campaigns_organiser_change": Page(_change("campaigns_organiser", organiser.pk), root, (member.email,)),
    }


@builds("admin:campaigns_campaign_change")
def campaign_page_admin(n: int) -> dict[str, Page]:
    """A campaign with ``n`` donors' pledges, ``n`` waves and ``n`` rows of history."""
    from campaigns.models import CampaignDonor, CampaignEvent

    campaign = CampaignFactory(name=f"Campagne témoin {_next():04d}")
    first = campaign.waves.count() + 1
    k = _next()
    for i in range(n):
        donor = DonorFactory(name=f"Donateur témoin {k:04d}-{i:03d}")
        CampaignDonor.objects.create(campaign=campaign, donor=donor, pledged_units=10)
        wave = WaveFactory(campaign=campaign, number=first + i)
    CampaignEvent.objects.bulk_create(
        CampaignEvent(campaign=campaign, actor_label=_actor(k, i), to_status="open") for i in range(n)
    )
    manager = _staff(roles.CAMPAIGN_MANAGER)
    expect = (donor.name, str(wave), _actor(k, n - 1))
    return {"admin:campaigns_campaign_change": Page(_change("campaigns_campaign", campaign.pk), manager, expect)}


@builds("admin:donations_wave_change")
def wave_page_admin(n: int) -> dict[str, Page]:
    """A confirmed wave of ``n`` allocations, with ``n`` more rows of history."""
    from donations.models import WaveEvent

    wave = confirmed_wave(n, 10)
    k = _next()
    WaveEvent.objects.bulk_create(WaveEvent(wave=wave, kind="updated", actor_label=_actor(k, i)) for i in range(n))
    last = wave.allocations.select_related("application__association").order_by("position", "pk").last()
    expect = (last.application.association.legal_name, _actor(k, n - 1))
    manager = _staff(roles.CAMPAIGN_MANAGER)
    return {"admin:donations_wave_change": Page(_change("donations_wave", wave.pk), manager, expect)}


@builds("admin:donations_allocation_change", "admin:certificates_handover_change")
def allocation_page_admin(n: int) -> dict[str, Page]:
    """One allocation of ``n`` units with ``n`` rows of history, and its certificate with ``n`` rows of history."""
    from certificates.models import HandoverEvent
    from donations.models import AllocationEvent

    wave = confirmed_wave(1, n, campaign=CampaignFactory(min_per_association=1))
    allocation = wave.allocations.select_related("handover").get()
    k = _next()
    AllocationEvent.objects.bulk_create(
        AllocationEvent(allocation=allocation, kind="confirmed", actor_label=_actor(k, i)) for i in range(n)
    )
    HandoverEvent.objects.bulk_create(
        HandoverEvent(handover=allocation.handover, kind="created", actor_label=_actor(k, i)) for i in range(n)
    )
    unit = allocation.units.select_related("computer").order_by("computer__asset_tag").last().computer
    return {
        "admin:donations_allocation_change": Page(
            _change("donations_allocation", allocation.pk),
            _staff(roles.CAMPAIGN_MANAGER),
            (unit.asset_tag, _actor(k, n - 1)),
        ),
        "admin:certificates_handover_change": Page(
            _change("certificates_handover", allocation.handover.pk),
            _root(),  # the history inline needs certificates.view_handoverevent, which no role has
            (_actor(k, n - 1),),
        ),
    }


@builds("admin:impact_impactreport_change")
def report_page_admin(n: int) -> dict[str, Page]:
    """One impact report with ``n`` rows of history."""
    from impact.models import ImpactReportEvent

    wave = handed_over_wave(1, 10, on=datetime.date(2026, 1, 10))
    report = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
    k = _next()
    ImpactReportEvent.objects.bulk_create(
        ImpactReportEvent(report=report, kind="updated", actor_label=_actor(k, i)) for i in range(n)
    )
    url = _change("impact_impactreport", report.pk)
    return {"admin:impact_impactreport_change": Page(url, _staff(roles.CAMPAIGN_MANAGER), (_actor(k, n - 1),))}


@builds("admin:inventory_stockpartner_changelist", "admin:api_apitoken_changelist", "admin:api_apitoken_change")
def api_tokens(n: int) -> dict[str, Page]:
    """Stock partners, each with a lot and a token; the last token with ``n`` rows of history."""
    from api.models import ApiTokenEvent
    from api.services import api_token_create
    from tests.factories.inventory import StockPartnerFactory

    manager = _staff(roles.CAMPAIGN_MANAGER)
    for _i in range(n):
        k = _next()
        partner = StockPartnerFactory(name=f"Atelier témoin {k:04d}")
        LotFactory(partner=partner)
        token, _secret = api_token_create(by=manager, name=f"Jeton témoin {k:04d}", partner=partner)
    ApiTokenEvent.objects.bulk_create(
        ApiTokenEvent(token=token, kind="created", actor_label=_actor(k, i)) for i in range(n)
    )
    return {
        "admin:inventory_stockpartner_changelist": Page(
            reverse("admin:inventory_stockpartner_changelist"), manager, (partner.name,)
        ),
        "admin:api_apitoken_changelist": Page(reverse("admin:api_apitoken_changelist"), manager, (token.name,)),
        "admin:api_apitoken_change": Page(_change("api_apitoken", token.pk), manager, (_actor(k, n - 1),)),
    }


@builds("admin:inventory_checklistitem_changelist", "admin:inventory_functionaltest_changelist")
def functional_tests(n: int) -> dict[str, Page]:
    """``n`` campaigns with their default checklist; ``n`` ready units, each with its passed functional test."""
    campaigns = [CampaignFactory() for _i in range(n)]
    units = ready_computers(n)
    return {
        "admin:inventory_checklistitem_changelist": Page(
            reverse("admin:inventory_checklistitem_changelist"), _staff(roles.CAMPAIGN_MANAGER), (campaigns[-1].name,)
        ),
        "admin:inventory_functionaltest_changelist": Page(
            reverse("admin:inventory_functionaltest_changelist"),
            _staff(roles.INVENTORY_OPERATOR),
            (units[-1].asset_tag,),
        ),
    }


@builds("admin:inventory_lot_change", "admin:inventory_computer_change")
def stock_pages_admin(n: int) -> dict[str, Page]:
    """A lot of ``n`` units; one unit with ``n`` wipe records, ``n`` functional tests and ``n`` rows of history."""
    from inventory.models import Computer, ComputerEvent, FunctionalTest, FunctionalTestResult, WipeRecord

    lot = LotFactory()
    bulk_units(n, lot)
    units = list(Computer.objects.filter(lot=lot).order_by("asset_tag"))
    computer = units[-1]
    k = _next()
    WipeRecord.objects.bulk_create(
        WipeRecord(computer=computer, kind="wipe", method="nist_purge", result="failed", report_reference=_actor(k, i))
        for i in range(n)
    )
    ComputerEvent.objects.bulk_create(
        ComputerEvent(computer=computer, kind="updated", actor_label=f"Opérateur {k:04d}-{i:03d}") for i in range(n)
    )
    tests = FunctionalTest.objects.bulk_create(FunctionalTest(computer=computer, passed=False) for _i in range(n))
    FunctionalTestResult.objects.bulk_create(
        FunctionalTestResult(test=t, position=j, label=f"Point {j}", passed=j > 0) for t in tests for j in range(3)
    )
    operator = _staff(roles.INVENTORY_OPERATOR)
    return {
        "admin:inventory_lot_change": Page(_change("inventory_lot", lot.pk), operator, (computer.asset_tag,)),
        "admin:inventory_computer_change": Page(
            _change("inventory_computer", computer.pk), operator, (_actor(k, n - 1), f"Opérateur {k:04d}-{n - 1:03d}")
        ),
    }


@builds("admin:index (superuser)", "admin:index (reviewer)")
def admin_home(n: int) -> dict[str, Page]:
    """Work of every kind for the to-do list: applications waiting (the last built is the oldest) and answered,
    units to wipe and to check, waves never planned, approved associations no wave serves, overdue reports."""
    from tests.factories.associations import ApplicationFactory
    from tests.factories.inventory import ComputerFactory

    now = timezone.now()
    for _i in range(n):
        k = _next()
        association = AssociationFactory(legal_name=f"Association témoin {k:04d}")
        ApplicationFactory(
            association=association,
            submitted_at=now - datetime.timedelta(days=k),
            answer_received_at=now - datetime.timedelta(days=k),
            statutes="",
            activity_report="",
        )
        campaign = CampaignFactory(name=f"Campagne témoin {k:04d}")
        approved_application(campaign, 20)
        WaveFactory(campaign=campaign, number=1, capacity=10)
        ComputerFactory(status="received")
        ComputerFactory(status="reconditioning", wipe_failed=True)
    name = association.legal_name
    tickets = _tickets(min(n, 5), _member(), _staff(roles.INVENTORY_OPERATOR))  # the home lists the five oldest
    return {
        "admin:index (superuser)": Page(
            reverse("admin:index"), _root(), (name, "Campagne témoin", tickets[0].computer.asset_tag)
        ),
        "admin:index (reviewer)": Page(reverse("admin:index"), _staff(roles.REVIEWER), (name,)),
    }


@builds("admin:campaigns_donor_change")
def donor_people(n: int) -> dict[str, Page]:
    """The people of a donor company who see its space."""
    from tests.factories.donors import donor_member

    donor = DonorFactory(name="Donateur témoin")
    for _i in range(n):
        k = _next()
        user = donor_member(donor, email=f"personne{k:04d}@donateur.example.org")
    return {
        "admin:campaigns_donor_change": Page(
            reverse("admin:campaigns_donor_change", args=[donor.pk]), _staff(roles.CAMPAIGN_MANAGER), (user.email,)
        )
    }


@builds("admin:campaigns_donoroffer_changelist", "admin:campaigns_donoroffer_change")
def donor_offers(n: int) -> dict[str, Page]:
    """Offers from /donate/ to several campaigns, and one offer with a long history (declined, then more rows)."""
    from campaigns.models import DonorOfferEvent
    from campaigns.services import donor_offer_create

    for _i in range(n):
        k = _next()
        offer = donor_offer_create(
            campaign=CampaignFactory(name=f"Campagne témoin {k:04d}"),
            company_name=f"Entreprise témoin {k:04d}",
            siret="73282932000074",
            units=10 + k,
            models_description="HP EliteDesk",
            site_address="2 quai du Port, 13002 Marseille",
            available_from=datetime.date(2026, 3, 1),
            contact_name="Camille Témoin",
            contact_email=f"contact{k:04d}@entreprise.example.com",
        )
    DonorOfferEvent.objects.bulk_create(
        DonorOfferEvent(offer=offer, to_status="pending", actor_label=f"Opérateur {k:04d}-{i:03d}") for i in range(n)
    )
    manager = _staff(roles.CAMPAIGN_MANAGER)
    return {
        "admin:campaigns_donoroffer_changelist": Page(
            reverse("admin:campaigns_donoroffer_changelist"), manager, (offer.company_name, offer.campaign.name)
        ),
        "admin:campaigns_donoroffer_change": Page(
            reverse("admin:campaigns_donoroffer_change", args=[offer.pk]), manager, (f"Opérateur {k:04d}-{n - 1:03d}",)
        ),
    }


@builds(
    "admin:inventory_collection_changelist", "admin:inventory_collection_change", "admin:inventory_collection_decide"
)
def collections(n: int) -> dict[str, Page]:
    """``n`` more proposals to collect lots, each with two slots; the last one with ``n`` more history rows."""
    from inventory.models import CollectionEvent
    from tests.factories.inventory import CollectionFactory

    for _i in range(n):
        k = _next()
        collection = CollectionFactory(lot=LotFactory(reference=f"LOT-COLLECTE-{k:04d}"))
    CollectionEvent.objects.bulk_create(
        CollectionEvent(collection=collection, to_status="proposed", actor_label=f"Donateur {k:04d}-{i:03d}")
        for i in range(n)
    )
    operator = _staff(roles.INVENTORY_OPERATOR)
    last = f"Donateur {k:04d}-{n - 1:03d}"
    return {
        "admin:inventory_collection_changelist": Page(
            reverse("admin:inventory_collection_changelist"), operator, (collection.lot.reference,)
        ),
        "admin:inventory_collection_change": Page(_change("inventory_collection", collection.pk), operator, (last,)),
        "admin:inventory_collection_decide": Page(
            reverse("admin:inventory_collection_decide", args=[collection.pk]), operator, (collection.lot.reference,)
        ),
    }


# Builders: after-sales (support) ------------------------------------------------------------------


def _tickets(n: int, member, operator) -> list:
    """``n`` fault reports, each on a unit of a new association of ``member`` handed over today (under warranty),
    each with a photo, a question of the stock team and an answer."""
    from support import services as support_services
    from tests.factories.support import handed_over, photo_upload

    tickets = []
    given = handed_over(n + 10, handed_over_on=timezone.localdate())
    _join(member, given.association)
    for unit in given.computers[:n]:
        k = _next()
        ticket = support_services.ticket_report(
            by=given.member, computer_id=unit.pk, description=f"Panne témoin {k:04d}", photos=[photo_upload()]
        )
        ticket = support_services.ticket_ask(ticket=ticket, by=operator, question=f"Question témoin {k:04d}")
        support_services.ticket_answer(ticket=ticket, by=given.member, body=f"Réponse témoin {k:04d}")
        tickets.append(ticket)
    return tickets


@builds("support:home", "support:create", "support:ticket")
def support_space(n: int) -> dict[str, Page]:
    """A member's after-sales pages: ``n`` more reports (the home), ``n`` more units to report (the form), and one
    report with ``n`` more messages (its page)."""
    from support import services as support_services

    member = _member()
    operator = _staff(roles.INVENTORY_OPERATOR)
    tickets = _tickets(n, member, operator)
    last = tickets[-1]
    for i in range(n):
        support_services.ticket_ask(ticket=last, by=operator, question=f"Relance témoin {i:03d}")
        support_services.ticket_answer(ticket=last, by=member, body=f"Précision témoin {i:03d}")
    spare = last.allocation.units.exclude(computer__support_tickets__isnull=False).select_related("computer").last()
    return {
        "support:home": Page(reverse("support:home"), member, (last.computer.asset_tag,)),
        "support:create": Page(reverse("support:create"), member, (spare.computer.asset_tag,)),
        "support:ticket": Page(last.get_absolute_url(), member, (f"Précision témoin {n - 1:03d}",)),
    }


@builds("admin:support_ticket_changelist", "admin:support_ticket_change", "admin:support_ticket_decide")
def support_admin(n: int) -> dict[str, Page]:
    """The stock team's list of ``n`` more reports; the last one with ``n`` more messages and history rows."""
    from support import services as support_services

    operator = _staff(roles.INVENTORY_OPERATOR)
    tickets = _tickets(n, UserFactory(email=f"membre{_next():04d}@garde.example.org"), operator)
    last = tickets[-1]
    member = last.reported_by
    for i in range(n):
        support_services.ticket_ask(ticket=last, by=operator, question=f"Relance témoin {i:03d}")
        support_services.ticket_answer(ticket=last, by=member, body=f"Précision témoin {i:03d}")
    return {
        "admin:support_ticket_changelist": Page(
            reverse("admin:support_ticket_changelist"), operator, (last.computer.asset_tag,)
        ),
        "admin:support_ticket_change": Page(
            _change("support_ticket", last.pk), operator, (f"Précision témoin {n - 1:03d}",)
        ),
        "admin:support_ticket_decide": Page(
            reverse("admin:support_ticket_decide", args=[last.pk]), operator, (f"Précision témoin {n - 1:03d}",)
        ),
    }


@builds("admin:support_ticket_addenda")
def desk_addenda(n: int) -> dict[str, Page]:
    """The desk's addenda: ``n`` more replacements, half of them signed on paper."""
    from support import services as support_services
    from tests.factories.support import png_bytes

    desk = _staff(roles.HANDOVER_OPERATOR)
    operator = _staff(roles.INVENTORY_OPERATOR)
    tickets = _tickets(n, UserFactory(email=f"membre{_next():04d}@garde.example.org"), operator)
    spares = ready_computers(n)
    for index, (ticket, spare) in enumerate(zip(tickets, spares, strict=True)):
        ticket = support_services.ticket_replace(ticket=ticket, by=operator, replacement_id=spare.pk)
        if index % 2:
            support_services.addendum_record_signed(
                addendum=ticket.addendum, by=desk, signed_by_name="Nadia Benali", scan=png_bytes(60, 80)
            )
    last = tickets[-1]
    return {
        "admin:support_ticket_addenda": Page(reverse("admin:support_ticket_addenda"), desk, (last.addendum.number,))
    }


@builds("donors:space")
def donor_space(n: int) -> dict[str, Page]:
    """A donor's lots (a unit of each status), its units handed over to associations, their sent reports."""
    from campaigns.models import Donor
    from impact.services import impact_report_save
    from tests.factories.donors import donor_member
    from tests.factories.inventory import CollectionFactory, ComputerFactory

    donor = DonorFactory(name="Orange")
    person = Donor.objects.get(pk=donor.pk).memberships.first()
    person = person.user if person else donor_member(donor, email="donateur@garde.example.org")
    for _i in range(n):
        k = _next()
        lot = LotFactory(donor=donor, reference=f"LOT-GARDE-{k:04d}", expected_count=5)
        CollectionFactory(lot=lot, status="collected")
        for status in ("received", "reconditioning", "ready", "scrapped"):
            ComputerFactory(lot=lot, status=status)
        campaign = CampaignFactory(name=f"Campagne témoin {k:04d}")
        wave = handed_over_wave(1, 10, campaign=campaign, on=datetime.date(2026, 1, 10))
        association = wave.allocations.get().application.association
        association.legal_name = f"Association équipée {k:04d}"
        association.save(update_fields=["legal_name"])
        report = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
        impact_report_save(
            report=report, by=member_of(association, email=f"bilan{k:04d}@garde.example.org"), submit=True, **GOOD
        )
    return {"donors:space": Page(reverse("donors:space"), person, (lot.reference, f"Association équipée {k:04d}"))}


@builds("donors:documents")
def donor_documents_page(n: int) -> dict[str, Page]:
    """A public body's ``n`` more lots, pledges and documents (ready, with their lot or campaign)."""
    from campaigns.models import CampaignDonor, Donor
    from impact.models import DonorDocument
    from tests.factories.donors import donor_member

    donor, _created = Donor.objects.get_or_create(name="Ville donatrice", defaults={"is_public_body": True})
    person = donor.memberships.first()
    person = person.user if person else donor_member(donor, email="donatrice@garde.example.org")
    for _i in range(n):
        k = _next()
        lot = LotFactory(donor=donor, reference=f"LOT-DOC-{k:04d}")
        campaign = CampaignFactory(name=f"Campagne documentée {k:04d}")
        CampaignDonor.objects.create(campaign=campaign, donor=donor, pledged_units=10)
        for scope in ({"lot": lot}, {"campaign": campaign}):
            DonorDocument.objects.create(
                donor=donor, kind="traceability", status="ready", file=f"donors/x-{k}.pdf", page_count=k, **scope
            )
    return {"donors:documents": Page(reverse("donors:documents"), person, (lot.reference, campaign.name))}


@builds("admin:support_ticket_fault_rates")
def fault_rates_admin(n: int) -> dict[str, Page]:
    """``n`` more units reported faulty, each in a lot and of a model of its own."""
    from inventory.models import Computer

    operator = _staff(roles.INVENTORY_OPERATOR)
    for ticket in _tickets(n, _member(), operator):
        k = _next()
        lot = LotFactory(reference=f"LOT-PANNE-{k:04d}")
        Computer.objects.filter(pk=ticket.computer_id).update(lot=lot, model=f"Modèle témoin {k:04d}")
    url = reverse("admin:support_ticket_fault_rates")
    return {"admin:support_ticket_fault_rates": Page(url, operator, (lot.reference, f"Modèle témoin {k:04d}"))}


@builds("admin:impact_donordocument_changelist", "admin:impact_donordocument_change")
def donor_documents_admin(n: int) -> dict[str, Page]:
    """``n`` more lots' traceability reports; the last one with ``n`` rows of history."""
    from impact.models import DonorDocument, DonorDocumentEvent

    documents = []
    for _i in range(n):
        k = _next()
        lot = LotFactory(reference=f"LOT-RAPPORT-{k:04d}")
        documents.append(
            DonorDocument.objects.create(donor=lot.donor, kind="traceability", lot=lot, organiser=lot.organiser)
        )
    last = documents[-1]
    DonorDocumentEvent.objects.bulk_create(
        DonorDocumentEvent(document=last, actor_label=_actor(k, i), to_status="pending") for i in range(n)
    )
    operator = _staff(roles.INVENTORY_OPERATOR)
    return {
        "admin:impact_donordocument_changelist": Page(
            reverse("admin:impact_donordocument_changelist"), operator, (lot.reference,)
        ),
        "admin:impact_donordocument_change": Page(
            _change("impact_donordocument", last.pk), operator, (_actor(k, n - 1),)
        ),
    }


@builds(
    "impact:receipts",
    "admin:impact_receipt_changelist",
    "admin:impact_receipt_change",
    "admin:impact_receipteligibility_changelist",
    "admin:impact_lotvaluation_changelist",
)
def receipts(n: int) -> dict[str, Page]:
    """A member of ``n`` eligible associations, each given one unit through a signed handover; half of their
    receipts issued, the others to check; the lot's value declared."""
    from certificates.models import Handover
    from impact import receipts as receipt_services
    from tests.certificates.conftest import record_handover

    member, desk = _member(), _staff(roles.HANDOVER_OPERATOR)
    wave = confirmed_wave(n, 1, campaign=CampaignFactory(min_per_association=1))
    handovers = list(Handover.objects.filter(wave=wave).select_related("allocation__application__association"))
    for i, handover in enumerate(sorted(handovers, key=lambda h: h.pk)):
        association = handover.allocation.application.association
        _join(member, association)
        record_handover(handover, desk, notify=False)
        receipt_services.receipt_eligibility_declare(association=association, by=member)
        lot = handover.allocation.units.get().computer.lot
        receipt_services.lot_valuation_declare(lot=lot, unit_value="100", by=None)
        if i % 2 == 0:
            receipt = receipt_services.receipt_issue(
                association=association, donor=lot.donor, year=timezone.localdate().year, by=member
            )
    name = association.legal_name
    manager, stock = _staff(roles.CAMPAIGN_MANAGER), _staff(roles.INVENTORY_OPERATOR)
    return {
        "impact:receipts": Page(reverse("impact:receipts"), member, (name, receipt.number)),
        "admin:impact_receipt_changelist": Page(
            reverse("admin:impact_receipt_changelist"), manager, (receipt.number, receipt.association.legal_name)
        ),
        "admin:impact_receipt_change": Page(
            reverse("admin:impact_receipt_change", args=[receipt.pk]), manager, (receipt.number,)
        ),
        "admin:impact_receipteligibility_changelist": Page(
            reverse("admin:impact_receipteligibility_changelist"), manager, (name,)
        ),
        "admin:impact_lotvaluation_changelist": Page(
            reverse("admin:impact_lotvaluation_changelist"), stock, (lot.reference,)
        ),
    }


# Builders: the API's lists -------------------------------------------------------------------------


@builds("api:campaigns", "api:donor_pledges", "api:donor_lots", "api:partner_lots", "api:partner_lot_units")
def api_lists(n: int) -> dict[str, Page]:
    """``n`` public campaigns, each pledged by the token's donor; ``n`` lots of the donor, reconditioned by the
    token's partner (a unit of each status in each); ``n`` more units in the partner's first lot."""
    from campaigns.models import CampaignDonor
    from inventory.models import StockPartner
    from tests.factories.api import donor_token, partner_token
    from tests.factories.inventory import ComputerFactory, StockPartnerFactory

    donor = DonorFactory(name="Donateur de l'API témoin")
    partner = StockPartnerFactory(name="Atelier témoin")
    # New tokens at each call (a secret is shown once): the same donor's and partner's.
    issued = {"donor": donor_token(donor), "partner": partner_token(partner)}
    first = StockPartner.objects.get(pk=partner.pk).lots.order_by("pk").first()
    for _i in range(n):
        k = _next()
        campaign = CampaignFactory(name=f"Campagne témoin {k:04d}")
        CampaignDonor.objects.create(campaign=campaign, donor=donor, pledged_units=10 + k)
        lot = LotFactory(donor=donor, partner=partner, reference=f"LOT-API-{k:04d}", expected_count=5)
        for status in ("received", "ready", "scrapped"):
            ComputerFactory(lot=lot, status=status)
        first = first or lot
        unit = ComputerFactory(lot=first, asset_tag=f"API-GARDE-{k:04d}", status="reconditioning")
    donor_headers = tuple(issued["donor"].headers.items())
    partner_headers = tuple(issued["partner"].headers.items())
    return {
        "api:campaigns": Page(reverse("api:campaigns"), None, (campaign.name,)),
        "api:donor_pledges": Page(reverse("api:donor_pledges"), None, (campaign.name,), headers=donor_headers),
        "api:donor_lots": Page(reverse("api:donor_lots"), None, (lot.reference,), headers=donor_headers),
        "api:partner_lots": Page(reverse("api:partner_lots"), None, (lot.reference,), headers=partner_headers),
        "api:partner_lot_units": Page(
            reverse("api:partner_lot_units", args=[first.pk]), None, (unit.asset_tag,), headers=partner_headers
        ),
    }


# The guards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("builder", BUILDERS, ids=[b.name for b in BUILDERS])
def test_the_query_count_of_each_list_is_bounded_and_does_not_grow(client, builder: Builder):
    small_pages = builder.build(SMALL)
    assert set(small_pages) == set(builder.pages)
    small = {key: _measure(client, key, page) for key, page in small_pages.items()}
    small_warm = {key: _measure(client, key, page, warm=True) for key, page in small_pages.items() if page.cached}
    large_pages = builder.build(LARGE)
    problems = []
    for key, page in large_pages.items():
        measured = [("", small[key], _measure(client, key, page), MAXIMA[key])]
        if page.cached:
            warm = _measure(client, key, page, warm=True)
            measured.append((" (warm cache)", small_warm[key], warm, WARM_MAXIMA[key]))
        for label, few, many, maximum in measured:
            print(f"{key}{label}: {len(few)} / {len(many)} queries (max {maximum})")  # read with pytest -s
            if len(few) != len(many):
                problems.append(
                    f"{key}{label}: {len(few)} queries for the small dataset, {len(many)} for the larger one; "
                    f"repeated: {_grown(few, many)}"
                )
            if max(len(few), len(many)) > maximum:
                problems.append(f"{key}{label}: {max(len(few), len(many))} queries, more than {maximum}")
    assert not problems, "\n".join(problems)


# Meta-tests: every list is guarded ------------------------------------------------------------------


GUARDED = {page for builder in BUILDERS for page in builder.pages}


def _url_name(key: str) -> str:
    return key.split(" (")[0]


def test_the_tables_of_maxima_match_the_guards():
    assert set(MAXIMA) == GUARDED
    cached = {key for key in GUARDED if key in WARM_MAXIMA}
    assert set(WARM_MAXIMA) == cached


def test_every_registered_model_admin_has_a_guard_on_its_change_list():
    missing = [
        model._meta.label
        for model in admin.site._registry
        if f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" not in GUARDED
    ]
    assert not missing, f"no query-count guard on the admin change list of: {', '.join(missing)}"


def test_every_admin_change_page_with_inlines_has_a_guard():
    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.inlines and f"admin:{model._meta.app_label}_{model._meta.model_name}_change" not in GUARDED
    ]
    assert not missing, f"no query-count guard on the admin change page (with inlines) of: {', '.join(missing)}"


def test_every_other_admin_page_is_guarded_or_shows_no_list():
    guarded = {_url_name(key) for key in GUARDED}
    missing, names = [], set()
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            name = pattern.name
            if name is None or name in STANDARD_ADMIN_NAMES or name.endswith(STANDARD_ADMIN_SUFFIXES):
                continue
            names.add(f"admin:{name}")
            if f"admin:{name}" not in guarded and f"admin:{name}" not in NOT_LISTS:
                missing.append(f"admin:{name} ({model._meta.label})")
    assert "admin:donations_wave_plan" in names and "admin:certificates_handover_desk_index" in names
    assert not missing, f"admin pages with no query-count guard (add one, or say in NOT_LISTS why not): {missing}"
    stale = [name for name in NOT_LISTS if name.startswith("admin:") and name not in names]
    assert not stale, f"NOT_LISTS names admin pages that no longer exist: {stale}"


def _portal_url_names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in PORTAL_NAMESPACES:
                names += _portal_url_names(pattern, pattern.namespace)
            continue  # the admin (above), allauth's account pages
        if isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_portal_page_is_guarded_or_shows_no_list():
    guarded = {_url_name(key) for key in GUARDED}
    names = _portal_url_names(get_resolver())
    assert "home" in names and "associations:space" in names and "impact:stats_csv" in names
    missing = [name for name in names if name not in guarded and name not in NOT_LISTS]
    assert not missing, f"portal pages with no query-count guard (add one, or say in NOT_LISTS why not): {missing}"
    stale = [name for name in NOT_LISTS if not name.startswith("admin:") and name not in names]
    assert not stale, f"NOT_LISTS names URLs that no longer exist: {stale}"


def test_a_preloaded_autocomplete_renders_its_choice_like_django_without_a_query(django_assert_num_queries):
    from django.contrib.admin.widgets import AutocompleteSelect

    from campaigns.models import CampaignDonor
    from core.admin_inlines import PreloadedAutocompleteSelect

    donor = DonorFactory(name="Donateur <témoin>")
    field = CampaignDonor._meta.get_field("donor")
    django_widget = AutocompleteSelect(field, admin.site)
    widget = PreloadedAutocompleteSelect(field, admin.site)
    for w in (django_widget, widget):
        w.choices = field.formfield().choices
    expected = django_widget.render("donor", donor.pk)
    widget.preloaded = {str(donor.pk): str(donor)}
    with django_assert_num_queries(0):
        assert widget.render("donor", donor.pk) == expected
    assert "Donateur &lt;témoin&gt;</option>" in expected
