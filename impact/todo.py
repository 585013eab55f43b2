"""The staff's to-do list on the admin home: each role sees its work, with counts and links to where it is done.

Assembled here, in the highest app below the portal, because it reads every app's selectors (associations,
inventory, donations, certificates, impact); each app keeps its own reads in its ``selectors.py``.
``config/urls.py`` gives the list to the admin's index page. Each section costs a fixed number of queries
(one to four), whatever the data; a section is built only for the people whose role does that work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Rows listed under an item (the oldest first); the item's link opens the whole list.
ROWS = 5


@dataclass
class Row:
    label: str
    url: str
    note: str = ""


@dataclass
class Item:
    label: str
    count: int
    url: str
    note: str = ""
    rows: list[Row] = field(default_factory=list)
    alert: bool = False


@dataclass
class Section:
    key: str
    title: str
    items: list[Item]
    links: list[Row] = field(default_factory=list)  # tools of the section, shown as buttons under its items

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


def _days(since, today) -> int:
    return (today - timezone.localdate(since)).days


def _waited(since, today) -> str:
    days = _days(since, today)
    if days <= 0:
        return _("arrivée aujourd'hui")
    return ngettext("attend depuis %(n)s jour", "attend depuis %(n)s jours", days) % {"n": days}


def _review_section(user, today) -> Section:
    from associations.admin.filters import StatusFilter
    from associations.selectors import review_queue

    queue = review_queue(user=user)
    changelist = reverse("admin:associations_application_changelist")
    pending = urlencode({StatusFilter.parameter_name: StatusFilter.DEFAULT})

    def opened(application, filters: str) -> str:
        url = reverse("admin:associations_application_change", args=[application.pk])
        return f"{url}?{urlencode({'_changelist_filters': filters})}"

    oldest = queue["oldest"]
    items = [
        Item(
            label=_("Candidatures à examiner"),
            count=queue["pending"],
            url=f"{changelist}?{pending}",
            note=_("la plus ancienne %(waited)s") % {"waited": _waited(oldest[0].submitted_at, today)}
            if oldest and oldest[0].submitted_at
            else "",
            rows=[
                Row(
                    a.association.legal_name,
                    opened(a, pending),
                    _waited(a.submitted_at, today) if a.submitted_at else "",
                )
                for a in oldest
            ],
        ),
        Item(
            label=_("Réponses reçues des associations"),
            count=queue["answer_count"],
            url=f"{changelist}?{urlencode({StatusFilter.parameter_name: StatusFilter.ALL, 'reponse': 'recue'})}",
            rows=[
                Row(
                    a.association.legal_name,
                    opened(a, urlencode({StatusFilter.parameter_name: a.status})),
                    _("reçue le %(date)s") % {"date": timezone.localtime(a.answer_received_at).strftime("%d/%m/%Y")},
                )
                for a in queue["answers"]
            ],
        ),
        Item(
            label=_("Mes candidatures à examiner"),
            count=queue["mine"],
            url=f"{changelist}?{pending}&instruite_par=moi",
        ),
    ]
    return Section("review", _("Instruction des candidatures"), items)


def _reports_section(user, today) -> Section:
    from impact.selectors import reports_todo

    counts = reports_todo(today, user=user)
    changelist = reverse("admin:impact_impactreport_changelist")
    return Section(
        "reports",
        _("Bilans d'impact"),
        [
            Item(_("Bilans reçus à valider"), counts["to_read"], f"{changelist}?status__exact=submitted"),
            Item(
                _("Bilans en retard"),
                counts["overdue"],
                reverse("admin:impact_impactreport_overdue"),
                alert=bool(counts["overdue"]),
            ),
        ],
    )


def _stock_section(user, today) -> Section:
    from inventory.selectors import stock_todo
    from support.selectors import support_todo

    counts = stock_todo(user=user)
    support = support_todo(ROWS, user=user)
    tickets = reverse("admin:support_ticket_changelist")
    changelist = reverse("admin:inventory_computer_changelist")
    return Section(
        "stock",
        _("Atelier et stock"),
        [
            Item(_("Ordinateurs à effacer"), counts["wipe"], f"{changelist}?a_faire=effacement"),
            Item(
                _("Ordinateurs à tester (effacés, test fonctionnel à faire)"),
                counts["test"],
                f"{changelist}?a_faire=test",
            ),
            Item(
                _("Ordinateurs à vérifier (effacement en échec, pièce à remplacer)"),
                counts["check"],
                f"{changelist}?a_faire=verification",
                alert=bool(counts["check"]),
            ),
            Item(
                _("Pannes signalées par les associations à traiter"),
                support["count"],
                f"{tickets}?en_cours=oui",
                note=ngettext(
                    "%(n)s question attend la réponse de l'association",
                    "%(n)s questions attendent la réponse de l'association",
                    support["questions"],
                )
                % {"n": support["questions"]}
                if support["questions"]
                else "",
                rows=[
                    Row(
                        f"{ticket.computer.asset_tag} – {ticket.association.legal_name} "
                        f"({ticket.get_status_display()})",
                        reverse("admin:support_ticket_change", args=[ticket.pk]),
                        _waited(ticket.created_at, today),
                    )
                    for ticket in support["oldest"]
                ],
            ),
        ],
        links=[
            Row(
                _("Scanner une étiquette"),
                reverse("admin:inventory_computer_scan"),
                _("caméra ou douchette : l'ordinateur et ses actions"),
            ),
            Row(
                _("Taux de pannes"),
                reverse("admin:support_ticket_fault_rates"),
                _("par lot et par modèle, après la remise"),
            ),
        ],
    )


def _waves_section(user) -> Section:
    from donations.selectors import capacity_alerts, waves_todo

    waves = waves_todo(user=user)
    labels = {
        "plan": _("proposition pas encore calculée"),
        "stale": _("proposition à recalculer : des acceptations ont changé depuis"),
        "confirm": _("proposition à jour, prête à confirmer"),
    }

    def plan(wave) -> str:
        return reverse("admin:donations_wave_plan", args=[wave.pk])

    def rows(kinds) -> list[Row]:
        return [
            Row(f"{wave.campaign.name} – {wave}", plan(wave), labels[wave.todo]) for wave in waves if wave.todo in kinds
        ]

    to_plan, to_confirm = rows(("plan", "stale")), rows(("confirm",))
    wave_list = reverse("admin:donations_wave_changelist")
    alerts = capacity_alerts(user=user)
    return Section(
        "waves",
        _("Vagues de distribution"),
        [
            Item(
                _("Vagues à calculer ou à recalculer"),
                len(to_plan),
                f"{wave_list}?status__exact=planning",
                rows=to_plan[:ROWS],
            ),
            Item(
                _("Vagues prêtes à confirmer"),
                len(to_confirm),
                f"{wave_list}?status__exact=planning",
                rows=to_confirm[:ROWS],
            ),
            Item(
                _("Associations acceptées qu'aucune vague ne peut encore servir"),
                sum(alert.waiting for alert in alerts),
                f"{wave_list}?status__exact=planning",
                note=_("créez une vague ou augmentez une capacité") if alerts else "",
                alert=bool(alerts),
                rows=[
                    Row(
                        alert.campaign.name,
                        f"{reverse('admin:donations_wave_add')}?{urlencode({'campaign': alert.campaign.pk})}",
                        _(
                            "%(waiting)s associations attendent %(units)s ordinateurs ; places libres dans les "
                            "vagues en préparation : %(free)s"
                        )
                        % {"waiting": alert.waiting, "units": alert.units, "free": alert.free},
                    )
                    for alert in alerts[:ROWS]
                ],
            ),
        ],
    )


def _desk_section(user, today) -> Section:
    from certificates.selectors import desk_today

    waves = desk_today(today, user=user)

    def name(row) -> str:
        return f"{row['wave'].campaign.name} – {row['wave']}"

    def desk(row) -> str:
        return reverse("admin:certificates_handover_desk", args=[row["wave"].pk])

    def appointments(row) -> str:
        text = ngettext("%(n)s rendez-vous", "%(n)s rendez-vous", row["appointments"]) % {"n": row["appointments"]}
        if row["first"]:
            text += _(" dès %(time)s") % {"time": row["first"].strftime("%H:%M")}
        if row["waiting"]:
            text += _(", %(n)s encore à remettre") % {"n": row["waiting"]}
        return text

    desk_index = reverse("admin:certificates_handover_desk_index")
    return Section(
        "desk",
        _("Guichet de remise"),
        [
            Item(
                _("Rendez-vous aujourd'hui"),
                sum(row["appointments"] for row in waves),
                desk_index,
                rows=[Row(name(row), desk(row), appointments(row)) for row in waves if row["appointments"]][:ROWS],
            ),
            Item(
                _("Attestations en échec de génération"),
                sum(row["failed"] for row in waves),
                desk_index,
                alert=any(row["failed"] for row in waves),
                rows=[
                    Row(
                        name(row),
                        desk(row),
                        ngettext("%(n)s attestation", "%(n)s attestations", row["failed"]) % {"n": row["failed"]},
                    )
                    for row in waves
                    if row["failed"]
                ][:ROWS],
            ),
        ],
    )


def _offers_section(user, today) -> Section:
    """Offers of computers from /donate/ to the user's organisers' campaigns waiting for a decision, oldest first."""
    from campaigns.models import DonorOffer
    from campaigns.scoping import scope_to_user

    pending = scope_to_user(DonorOffer.objects.filter(status=DonorOffer.Status.PENDING), user, "campaign__organiser")
    oldest = list(pending.select_related("campaign").order_by("created_at", "pk")[:ROWS])
    count = len(oldest) if len(oldest) < ROWS else pending.count()
    changelist = reverse("admin:campaigns_donoroffer_changelist")
    return Section(
        "offers",
        _("Offres d'ordinateurs des entreprises"),
        [
            Item(
                _("Offres à accepter ou décliner"),
                count,
                f"{changelist}?status__exact=pending",
                rows=[
                    Row(
                        ngettext("%(company)s : %(n)s ordinateur", "%(company)s : %(n)s ordinateurs", o.units)
                        % {"company": o.company_name, "n": o.units},
                        reverse("admin:campaigns_donoroffer_change", args=[o.pk]),
                        _waited(o.created_at, today),
                    )
                    for o in oldest
                ],
            )
        ],
    )


def staff_todo(user) -> list[Section]:
    """The sections of the admin home for ``user``: those of their roles (all of them for a superuser)."""
    if not (user.is_authenticated and user.is_staff):
        return []
    today = timezone.localdate()
    sections = []
    if user.has_perm("associations.review_application"):
        sections.append(_review_section(user, today))
    if user.has_perm("donations.plan_wave"):
        sections.append(_waves_section(user))
    if user.has_perm("campaigns.change_donoroffer"):
        sections.append(_offers_section(user, today))
    if user.has_perm("inventory.change_computer"):
        sections.append(_stock_section(user, today))
    if user.has_perm("certificates.record_handover"):
        sections.append(_desk_section(user, today))
    if user.has_perm("impact.review_impactreport"):
        sections.append(_reports_section(user, today))
    return sections


def admin_index_with_todo(index):
    """Wrap ``AdminSite.index`` so that the admin home shows the user's to-do list above the apps."""

    def view(request, extra_context=None):
        return index(request, extra_context={"todo": staff_todo(request.user), **(extra_context or {})})

    return view
