"""Staff roles as Django groups, with exactly the permissions each one needs.

The table below is the single source of truth. Data migrations call ``sync_roles`` so
that a fresh database has the groups; a permission that does not exist yet (its app is
migrated later) is created by a later migration that calls ``sync_roles`` again.
"""

REVIEWER = "Instruction des candidatures"
INVENTORY_OPERATOR = "Opérateurs de stock"
CAMPAIGN_MANAGER = "Responsables de campagne"
HANDOVER_OPERATOR = "Guichet de remise"
NATIONAL_COORDINATOR = "Coordination nationale"

# Holding it lifts the organiser scoping for reading only (campaigns.scoping): never for deciding.
EVERY_ORGANISER = "campaigns.view_every_organiser"


def _crud(app: str, model: str, *, add=True, change=True, delete=False) -> list[str]:
    perms = [f"{app}.view_{model}"]
    if add:
        perms.append(f"{app}.add_{model}")
    if change:
        perms.append(f"{app}.change_{model}")
    if delete:
        perms.append(f"{app}.delete_{model}")
    return perms


# Impact reports: read, return for correction or accept, and export; history is never deleted.
IMPACT_REVIEW = [
    "impact.view_impactreport",
    "impact.change_impactreport",
    "impact.review_impactreport",
    "impact.export_data",
    "impact.view_impactreportevent",
    "impact.view_impactreminder",
    "impact.view_campaignreporting",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    REVIEWER: [
        "associations.view_association",
        "associations.change_association",
        "associations.view_application",
        "associations.change_application",
        "associations.review_application",
        "associations.view_applicationevent",
        "associations.view_message",
        "associations.add_message",
        "associations.view_mission",
        "associations.view_joinrequest",
        "associations.change_joinrequest",  # accept or refuse a person who asks to join an association
        "campaigns.view_campaign",
        "campaigns.view_organiser",
        *IMPACT_REVIEW,
    ],
    INVENTORY_OPERATOR: [
        *_crud("inventory", "lot"),
        *_crud("inventory", "computer"),
        *_crud("inventory", "wiperecord", change=False),
        "inventory.view_computerevent",
        "inventory.record_wipe",
        "inventory.view_functionaltest",
        "inventory.record_functional_test",
        "inventory.view_checklistitem",
        "campaigns.view_donor",
        "inventory.view_stockpartner",
        # The value per unit a donor declared for a lot (in-kind gift receipts), recorded on its behalf.
        *_crud("impact", "lotvaluation"),
        # Collections: the slots donors propose for a lot; confirm one, ask for others, record the collection.
        "inventory.view_collection",
        "inventory.change_collection",
        # After-sales: the faulty units reported by associations (support app); asked, repaired or replaced.
        "support.view_ticket",
        "support.change_ticket",
        "campaigns.view_organiser",
        # The donor's traceability report of a lot, asked for from the lot's page (impact app).
        "impact.view_donordocument",
        "impact.add_donordocument",
        "impact.view_donordocumentevent",
    ],
    CAMPAIGN_MANAGER: [
        *_crud("campaigns", "campaign"),
        *_crud("campaigns", "campaigndonor", delete=True),
        *_crud("campaigns", "donor"),
        *_crud("campaigns", "donormembership", add=False, change=False, delete=True),  # who sees the donor space
        *_crud("campaigns", "donoroffer", add=False),  # offers from /donate/: accept or decline
        "campaigns.view_organiser",
        *_crud("donations", "wave"),
        *_crud("donations", "allocation"),
        *_crud("donations", "handoverslot", delete=True),
        "donations.plan_wave",
        "associations.view_association",
        "associations.view_application",
        "associations.view_mission",
        "inventory.view_lot",
        "inventory.view_computer",
        "inventory.view_collection",
        *_crud("inventory", "stockpartner"),
        *_crud("api", "apitoken", change=False),  # issue and revoke API tokens (api app)
        "api.revoke_apitoken",
        "api.view_apitokenevent",  # the history of each token
        *_crud("inventory", "checklistitem"),  # the functional test checklist of their campaigns
        "inventory.view_functionaltest",
        "certificates.view_handover",  # follow the handovers of their waves, and export them
        "certificates.view_handoverevent",  # and the history of each certificate
        *IMPACT_REVIEW,
        *_crud("impact", "campaignreporting"),
        "impact.view_donordocument",  # the donors' traceability reports and reuse attestations
        "impact.view_donordocumentevent",
        # In-kind gift receipts issued by the associations, their yearly totals, the donors' declared values.
        "impact.view_receipt",
        "impact.view_receiptevent",
        "impact.view_receipteligibility",
        "impact.view_lotvaluation",
    ],
    HANDOVER_OPERATOR: [
        "campaigns.view_campaign",
        "donations.view_wave",
        "donations.view_allocation",
        "donations.view_handoverslot",  # the day's schedule of the desk
        *_crud("certificates", "handover"),
        "certificates.view_handoverevent",
        "certificates.record_handover",
        # After-sales: the addendum of a replacement is signed at the desk, on the pads (support app).
        "support.sign_addendum",
        "associations.view_association",
        "inventory.view_computer",
        "campaigns.view_organiser",
    ],
}


def _read_only(*roles: str) -> list[str]:
    """Every view permission of ``roles``, and nothing else."""
    seen = dict.fromkeys(code for role in roles for code in ROLE_PERMISSIONS[role] if ".view_" in code)
    return list(seen)


# The national coordinator follows every organiser's figures and lists, and decides nothing.
ROLE_PERMISSIONS[NATIONAL_COORDINATOR] = [
    *_read_only(REVIEWER, INVENTORY_OPERATOR, CAMPAIGN_MANAGER, HANDOVER_OPERATOR),
    "campaigns.view_staffmembership",
    EVERY_ORGANISER,
]


def sync_roles(apps=None) -> None:
    """Create the groups and set their permissions to exactly the table above."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in global_apps.get_app_configs():
        # Permissions are normally created after migrate; make them exist now.
        create_permissions(app_config, apps=apps, verbosity=0)
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
