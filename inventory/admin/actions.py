"""Bulk actions of the computers list: one service call for the selection, a report per unit."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainError
from inventory import services
from inventory.admin.display import safe_next, status_badge, unit_names
from inventory.admin.labels import labels_response
from inventory.forms import FunctionalTestForm, NoteForm, ScrapForm, WipeForm
from inventory.selectors import checklists_for


class ComputerActionsMixin:
    """For ComputerAdmin: the status moves, the wipe record, scrapping and labels of the selected units."""

    def _report(self, request, result: services.BulkResult, done_text: str):
        if result.done:
            self.message_user(
                request,
                ngettext(
                    "%(n)s ordinateur %(what)s : %(names)s.",
                    "%(n)s ordinateurs %(what)s : %(names)s.",
                    len(result.done),
                )
                % {"n": len(result.done), "what": done_text, "names": unit_names(result.done)},
                messages.SUCCESS,
            )
        by_reason = defaultdict(list)
        for refusal in result.refused:
            by_reason[refusal.reason].append(refusal.computer)
        for reason, computers in by_reason.items():
            self.message_user(
                request,
                ngettext(
                    "%(n)s ordinateur refusé (%(reason)s) : %(names)s.",
                    "%(n)s ordinateurs refusés (%(reason)s) : %(names)s.",
                    len(computers),
                )
                % {"n": len(computers), "reason": reason, "names": unit_names(computers)},
                messages.WARNING,
            )
        if result.missing:
            self.message_user(
                request,
                _("%(n)s ordinateurs introuvables (supprimés entre-temps ?).") % {"n": len(result.missing)},
                messages.WARNING,
            )
        if not result.done and not result.refused:
            self.message_user(request, _("Aucun ordinateur sélectionné."), messages.WARNING)
        return HttpResponseRedirect(safe_next(request)) if safe_next(request) else None

    def _ids(self, queryset) -> list[int]:
        return list(queryset.order_by().values_list("pk", flat=True))

    def _form_page(self, request, queryset, *, action: str, title: str, form, intro: str, submit: str):
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "intro": intro,
            "submit_label": submit,
            "action_name": action,
            "count": count,
            "preview": [(c, status_badge(c.status)) for c in queryset.select_related("lot").order_by("asset_tag")[:30]],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "next": safe_next(request) or "",
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/inventory/computer/action_form.html", context)

    def _move(self, request, queryset, move, done_text: str):
        """A status move with an optional note (no form page: the note comes with the action, if any)."""
        form = NoteForm(request.POST or None)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        result = move(computer_ids=self._ids(queryset), by=request.user, note=note)
        return self._report(request, result, done_text)

    def _form_action(
        self, request, queryset, *, form_class, service, done_text: str, ids=None, form_kwargs=None, **page
    ):
        """An action with a form page: the blank form first; on « apply », the service for the selection (``ids``,
        else the queryset's) with the form's arguments, its domain errors shown on the form, then the report."""
        form_kwargs = form_kwargs or {}
        if "apply" in request.POST:
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    result = service(
                        computer_ids=self._ids(queryset) if ids is None else ids,
                        by=request.user,
                        **form.service_kwargs(),
                    )
                except DomainError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                else:
                    return self._report(request, result, done_text)
        else:
            form = form_class(**form_kwargs)
        return self._form_page(request, queryset, form=form, **page)

    @admin.action(description=gettext_lazy("Démarrer le reconditionnement"), permissions=["change"])
    def start_reconditioning(self, request, queryset):
        return self._move(request, queryset, services.computers_start_reconditioning, _("en reconditionnement"))

    @admin.action(description=gettext_lazy("Marquer prêts (effacement et test vérifiés)"), permissions=["change"])
    def mark_ready(self, request, queryset):
        return self._move(request, queryset, services.computers_mark_ready, _("marqués prêts"))

    @admin.action(description=gettext_lazy("Enregistrer un effacement des données"), permissions=["record_wipe"])
    def record_wipe(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=WipeForm,
            service=services.computers_record_wipe,
            done_text=_("avec effacement enregistré"),
            action="record_wipe",
            title=_("Enregistrer un effacement des données"),
            intro=_(
                "Le même effacement (ou la même exemption) est enregistré pour chaque ordinateur sélectionné. "
                "Le dernier enregistrement fait foi : un échec retire l'autorisation de remise."
            ),
            submit=_("Enregistrer l'effacement"),
        )

    @admin.action(description=gettext_lazy("Enregistrer le test fonctionnel"), permissions=["record_functional_test"])
    def record_functional_test(self, request, queryset):
        ids = self._ids(queryset)
        checklists = set(checklists_for(ids).values())
        if len(checklists) > 1:
            self.message_user(
                request,
                _(
                    "Ces ordinateurs ne sont pas testés sur la même liste de contrôle (%(names)s) : "
                    "sélectionnez les ordinateurs d'un même donateur."
                )
                % {"names": ", ".join(sorted(c.name for c in checklists))},
                messages.WARNING,
            )
            return HttpResponseRedirect(safe_next(request)) if safe_next(request) else None
        if not checklists:
            self.message_user(request, _("Aucun ordinateur sélectionné."), messages.WARNING)
            return None
        checklist = checklists.pop()
        return self._form_action(
            request,
            queryset,
            form_class=FunctionalTestForm,
            form_kwargs={"items": checklist.items},
            service=services.computers_record_functional_test,
            ids=ids,
            done_text=_("avec test fonctionnel enregistré"),
            action="record_functional_test",
            title=_("Enregistrer le test fonctionnel"),
            intro=_(
                "Liste de contrôle : %(checklist)s. Testez chaque fonction et indiquez son résultat ; le test "
                "n'est réussi que si tous les points le sont. Le dernier test fait foi : un échec empêche de "
                "marquer l'ordinateur prêt. Le même résultat est enregistré pour chaque ordinateur sélectionné."
            )
            % {"checklist": checklist.name},
            submit=_("Enregistrer le test"),
        )

    @admin.action(description=gettext_lazy("Mettre au rebut (recyclage)"), permissions=["change"])
    def scrap(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=ScrapForm,
            service=services.computers_scrap,
            done_text=_("mis au rebut"),
            action="scrap",
            title=_("Mettre au rebut"),
            intro=_(
                "Les ordinateurs mis au rebut partent vers une filière agréée de reprise des déchets électriques "
                "et électroniques (DEEE) et ne peuvent plus revenir en stock. Dites ce qu'est devenu le support "
                "de stockage : détruit (avec son certificat), effacé (effacement réussi déjà enregistré) ou retiré. "
                "Un ordinateur réservé pour une association doit d'abord quitter son attribution "
                "(refusé à la remise, ou attribution annulée par le responsable de campagne)."
            ),
            submit=_("Mettre au rebut"),
        )

    @admin.action(description=gettext_lazy("Imprimer les étiquettes (PDF)"), permissions=["view"])
    def print_labels(self, request, queryset):
        return labels_response(request, queryset, "etiquettes.pdf", _("Étiquettes d'inventaire"))
