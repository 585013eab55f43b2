"""The stock team's after-sales in the admin: the tickets (oldest first, filtered by status) and the decision page.

Thin: the list and the ticket are read-only; the decision page (confirm form on GET, one service per button
on POST) asks a question, asks for the unit back, records its repair and return, replaces it, or closes.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import (
    OrganiserScopedAdmin,
    ScopedRelatedFieldListFilter,
    scope_to_user,
    scoped_for_request,
    user_may_act_on,
)
from core.admin_helpers import ChoicesFilter, JournalInline, ParentVisibleInline, admin_link
from core.errors import DomainError
from core.forms import service_applied
from support import selectors, services
from support.forms import AddendumPadForm, AddendumSignedForm, DecisionForm
from support.models import Addendum, Ticket, TicketEvent, TicketMessage

S = Ticket.Status

# Buttons of the decision page: (name, label, target status, field of the form the service reads as its text)
DECISIONS = {
    "ask": (gettext_lazy("Poser la question"), S.QUESTION),
    "return": (gettext_lazy("Réparer : demander le retour de l'ordinateur"), S.TO_RETURN),
    "receive": (gettext_lazy("Ordinateur reçu : en réparation"), S.IN_REPAIR),
    "give_back": (gettext_lazy("Réparé et rendu à l'association"), S.RETURNED),
    "replace": (gettext_lazy("Remplacer par un ordinateur prêt"), S.REPLACED),
    "close": (gettext_lazy("Clore sans suite"), S.CLOSED),
}


class TicketMessageInline(ParentVisibleInline):
    model = TicketMessage
    fields = ("created_at", "from_staff", "body")
    verbose_name_plural = gettext_lazy("messages")


class TicketEventInline(JournalInline):
    model = TicketEvent


class OpenFilter(ChoicesFilter):
    title = gettext_lazy("en cours")
    parameter_name = "en_cours"
    options = {
        "oui": (gettext_lazy("En cours"), Q(status__in=Ticket.OPEN_STATUSES)),
        "non": (gettext_lazy("Terminés"), ~Q(status__in=Ticket.OPEN_STATUSES)),
    }


@admin.register(Ticket)
class TicketAdmin(OrganiserScopedAdmin, admin.ModelAdmin):
    organiser_path = "allocation__wave__campaign__organiser"
    list_display = ("created_at", "unit", "association", "status", "warranty_ends_on")
    list_filter = ("status", OpenFilter, ("allocation__wave__campaign", ScopedRelatedFieldListFilter))
    search_fields = ("computer__asset_tag", "computer__serial_number", "association__legal_name")
    ordering = ("created_at", "pk")  # the oldest first
    list_select_related = ("computer", "association")
    inlines = [TicketMessageInline, TicketEventInline]
    fields = (
        "next_step",
        "status",
        "association",
        "computer_link",
        "handover",
        "warranty_ends_on",
        "description",
        "photo_links",
        "replacement_link",
        "addendum_link",
        "created_at",
        "closed_at",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("ordinateur"), ordering="computer__asset_tag")
    def unit(self, ticket: Ticket) -> str:
        return f"{ticket.computer.asset_tag} – {ticket.computer.manufacturer} {ticket.computer.model}"

    @admin.display(description=gettext_lazy("ordinateur signalé"))
    def computer_link(self, ticket: Ticket) -> str:
        return admin_link("admin:inventory_computer_change", ticket.computer_id, self.unit(ticket))

    @admin.display(description=gettext_lazy("ordinateur de remplacement"))
    def replacement_link(self, ticket: Ticket) -> str:
        if ticket.replacement_id is None:
            return "–"
        return admin_link("admin:inventory_computer_change", ticket.replacement_id, ticket.replacement.asset_tag)

    @admin.display(description=gettext_lazy("photos"))
    def photo_links(self, ticket: Ticket) -> str:
        photos = list(ticket.photos.all())
        if not photos:
            return "–"
        return format_html_join(
            " · ",
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            ((reverse("support:photo", args=[ticket.pk, p.pk]), p.name or _("photo")) for p in photos),
        )

    @admin.display(description=gettext_lazy("avenant à l'attestation"))
    def addendum_link(self, ticket: Ticket) -> str:
        addendum = Addendum.objects.filter(ticket=ticket).first()
        if addendum is None:
            return "–"
        if not addendum.document:
            return _("%(number)s : en cours de génération") % {"number": addendum.number}
        state = _("signé") if addendum.signed_at else _("à imprimer et faire signer")
        return format_html(
            '<a href="{}">{}</a> ({})', reverse("support:addendum", args=[ticket.pk]), addendum.number, state
        )

    @admin.display(description=gettext_lazy("étape suivante"))
    def next_step(self, ticket: Ticket) -> str:
        if Addendum.objects.filter(ticket=ticket, signed_at__isnull=True).exists():
            return format_html(
                '<a class="button" href="{}">{}</a>',
                reverse("admin:support_ticket_decide", args=[ticket.pk]),
                _("Enregistrer l'avenant signé"),
            )
        if not ticket.is_open:
            return _("Signalement terminé.")
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:support_ticket_decide", args=[ticket.pk]),
            _("Décider : question, réparation ou remplacement"),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("computer", "association", "replacement", "handover")

    def has_add_permission(self, request):
        return False  # the associations report from their space

    def has_delete_permission(self, request, obj=None):
        return False  # a ticket is part of the unit's history

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/decide/", view(self.decide_view), name="support_ticket_decide"),
            path("fault-rates/", view(self.fault_rates_view), name="support_ticket_fault_rates"),
            # The desk: the addenda to sign, and signing one on the pads (or recording its paper scan).
            path("addenda/", view(self.desk_addenda_view), name="support_ticket_addenda"),
            path("<int:object_id>/sign/", view(self.sign_view), name="support_ticket_sign"),
            *super().get_urls(),
        ]

    def fault_rates_view(self, request: HttpRequest) -> HttpResponse:
        """The stock team's fault rates per lot and per model (issue 17), for the organisers the user works for."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "title": _("Taux de pannes signalées, par lot et par modèle"),
            "faults": selectors.fault_rates_for_user(request.user),
        }
        return TemplateResponse(request, "admin/support/fault_rates.html", context)

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        # Another organiser's ticket is unknown here (404); the coordinator, who only reads, acts on none.
        tickets = scoped_for_request(Ticket.objects.all(), request, self.organiser_path)
        ticket = get_object_or_404(
            tickets.select_related("computer", "association", "allocation__wave__campaign"), pk=object_id
        )
        if not user_may_act_on(request.user, ticket, self.organiser_path):
            raise PermissionDenied
        allowed = {
            name: label for name, (label, to) in DECISIONS.items() if Ticket.TRANSITIONS.allows(ticket.status, to)
        }
        addendum = Addendum.objects.filter(ticket=ticket).first()
        signing = addendum is not None and addendum.signed_at is None
        posted_sign = request.method == "POST" and "sign" in request.POST
        sign_form = AddendumSignedForm(request.POST if posted_sign else None, request.FILES if posted_sign else None)
        form = DecisionForm(request.POST if request.method == "POST" and not posted_sign else None)
        if posted_sign and signing and sign_form.is_valid():
            upload = sign_form.cleaned_data.get("signed_scan")
            if service_applied(
                sign_form,
                services.addendum_record_signed,
                addendum=addendum,
                by=request.user,
                signed_by_name=sign_form.cleaned_data.get("signed_by_name") or "",
                scan=upload.read() if upload else None,
            ):
                self.message_user(request, _("L'avenant signé est enregistré."))
                return redirect("admin:support_ticket_change", ticket.pk)
        elif posted_sign and not signing:
            sign_form.add_error(None, _("Aucun avenant à signer."))
        elif request.method == "POST" and not posted_sign:
            decision = next((name for name in allowed if name in request.POST), None)
            if decision is None:
                form.add_error(None, _("Cette étape n'est plus possible pour ce signalement."))
            elif form.is_valid():
                try:
                    self._decide(request, ticket, decision, form.cleaned_data)
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        target = {"replacement": "replacement", "__all__": None}.get(field, "text")
                        form.add_error(target, errors)
                except DomainError as exc:
                    form.add_error(None, str(exc))
                else:
                    self.message_user(request, _("C'est enregistré : %(step)s.") % {"step": allowed[decision]})
                    return redirect("admin:support_ticket_change", ticket.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "original": ticket,
            "title": _("Décider pour la panne de %(unit)s") % {"unit": ticket.computer.asset_tag},
            "ticket": ticket,
            "form": form,
            "decisions": allowed,
            "thread": list(ticket.messages.all()),
            "addendum": addendum,
            "signing": signing,
            "sign_form": sign_form,
        }
        return TemplateResponse(
            request, "admin/support/ticket/decide.html", context, status=400 if form.errors or sign_form.errors else 200
        )

    def _decide(self, request, ticket: Ticket, decision: str, data: dict) -> None:
        from inventory.models import Computer

        text, by = data.get("text") or "", request.user
        if decision == "ask":
            services.ticket_ask(ticket=ticket, by=by, question=text)
        elif decision == "return":
            services.ticket_request_return(ticket=ticket, by=by, instructions=text)
        elif decision == "receive":
            services.ticket_receive(ticket=ticket, by=by, note=text)
        elif decision == "give_back":
            services.ticket_give_back(ticket=ticket, by=by, note=text)
        elif decision == "close":
            services.ticket_close(ticket=ticket, by=by, reason=text)
        elif decision == "replace":
            tag = (data.get("replacement") or "").strip()
            # Only a unit of the lots of the ticket's organiser (the service checks it again).
            units = Computer.objects.filter(lot__organiser_id=ticket.allocation.wave.campaign.organiser_id)
            replacement = units.filter(asset_tag__iexact=tag).first() if tag else None
            if replacement is None:
                raise ValidationError(
                    {"replacement": _("Indiquez le numéro d'inventaire d'un ordinateur prêt du stock.")}
                )
            services.ticket_replace(ticket=ticket, by=by, replacement_id=replacement.pk, note=text)

    # The desk: addenda signed on the pads, as the handover certificates ---------------------------------------

    def _desk_context(self, request, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            # The desk works on a tablet, as the print desk: no app menu.
            "is_nav_sidebar_enabled": False,
            **extra,
        }

    def _check_sign(self, request) -> None:
        if not request.user.has_perm("support.sign_addendum"):
            raise PermissionDenied

    def desk_addenda_view(self, request: HttpRequest) -> HttpResponse:
        self._check_sign(request)
        context = self._desk_context(
            request, title=_("Avenants à signer au guichet"), **selectors.desk_addenda(request.user)
        )
        return TemplateResponse(request, "admin/support/ticket/addenda.html", context)

    def sign_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The addendum of ticket ``object_id`` signed at the desk: both pads, or the paper scan."""
        self._check_sign(request)
        # Another organiser's addendum is unknown here (404), as one that does not exist.
        addenda = scope_to_user(
            Addendum.objects.select_related(
                "handover", "ticket__association", "ticket__computer", "ticket__replacement"
            ),
            request.user,
            selectors.ADDENDUM_ORGANISER,
            acting=True,
        )
        addendum = get_object_or_404(addenda, ticket_id=object_id)
        list_url = reverse("admin:support_ticket_addenda")
        if addendum.signed_at is not None:
            self.message_user(request, _("L'avenant %(number)s est déjà signé.") % {"number": addendum.number})
            return redirect(list_url)
        ticket = addendum.ticket
        form = AddendumPadForm(
            request.POST or None, request.FILES or None, initial={"signed_by_name": ticket.association.contact_name}
        )
        status = 200
        if request.method == "POST":
            status = 400

            def sign() -> None:  # decoding the pads' images (service_arguments) may be refused too
                how, arguments = form.service_arguments()
                record = services.addendum_sign_on_pad if how == "pad" else services.addendum_record_signed
                record(addendum=addendum, by=request.user, **arguments)

            if form.is_valid() and service_applied(form, sign):
                self.message_user(
                    request,
                    _("Avenant %(number)s signé : l'avenant signé est en préparation.") % {"number": addendum.number},
                    messages.SUCCESS,
                )
                return redirect(list_url)
        context = self._desk_context(
            request,
            title=_("Faire signer l'avenant %(number)s") % {"number": addendum.number},
            addendum=addendum,
            ticket=ticket,
            form=form,
        )
        return TemplateResponse(request, "admin/support/ticket/sign.html", context, status=status)
