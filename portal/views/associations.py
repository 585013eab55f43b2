"""The association space (namespace ``associations``): its associations and their applications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from associations import selectors, services
from associations.forms import AnswerForm, ApplicationForm, AssociationForm
from associations.models import Application, Message
from associations.validators import normalize_rna, normalize_siret
from campaigns.models import Campaign
from certificates.selectors import handovers_for_allocations
from core.errors import DomainError
from core.files import open_or_404
from core.forms import errors_to_form, service_applied
from donations.selectors import allocations_for_application
from portal.space import grant_words, space_home
from portal.views.outcome import form_saved, tell_outcome


@login_required
def space(request: HttpRequest) -> HttpResponse:
    """The space's home: what is waiting for the association first, then where each application stands."""
    return render(request, "associations/space.html", {"home": space_home(request.user)})


def _association_fields(form: AssociationForm) -> dict:
    """The association form's fields as the services take them (the missions as a list)."""
    return {**form.cleaned_data, "missions": list(form.cleaned_data["missions"])}


@login_required
@require_http_methods(["GET", "POST"])
def association_create(request: HttpRequest) -> HttpResponse:
    form = AssociationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_saved(
            request,
            form,
            lambda: services.association_register(by=request.user, **_association_fields(form)),
            done=_("Votre association est inscrite. Vous pouvez maintenant candidater."),
        ):
            next_url = request.GET.get("next", "")
            if next_url.startswith("/") and not next_url.startswith("//"):
                return redirect(next_url)
            return redirect("associations:space")
    return render(
        request,
        "associations/association_form.html",
        {"form": form, "creating": True, "registered": _registered_elsewhere(request, form)},
    )


def _registered_elsewhere(request: HttpRequest, form: AssociationForm) -> dict | None:
    """When the RNA or SIRET number typed is an association already registered by someone else: offer to ask
    its members to join it, instead of leaving the person at « already registered »."""
    # The database's uniqueness of the numbers is reported above the form (a conditional constraint), or on
    # the field (the service's own check): either way, look the number up.
    if request.method != "POST" or not ({"rna", "siret", "__all__"} & set(form.errors)):
        return None
    rna, siret = normalize_rna(form.data.get("rna", "")), normalize_siret(form.data.get("siret", ""))
    association = selectors.association_by_number(rna=rna, siret=siret)
    if association is None:
        return None
    number = association.rna if rna and association.rna == rna else association.siret
    return {
        "association": association,
        "member": association.memberships.filter(user=request.user).exists(),
        "join_url": f"{reverse('associations:join')}?{urlencode({'number': number})}",
    }


@login_required
@require_http_methods(["GET", "POST"])
def association_edit(request: HttpRequest, pk: int) -> HttpResponse:
    association = get_object_or_404(selectors.associations_for_user(request.user), pk=pk)
    form = AssociationForm(request.POST or None, instance=association)
    if request.method == "POST" and form.is_valid():
        if form_saved(
            request,
            form,
            lambda: services.association_update(association=association, by=request.user, **_association_fields(form)),
            done=_("Les informations de l'association sont enregistrées."),
        ):
            return redirect("associations:space")
    return render(request, "associations/association_form.html", {"form": form, "association": association})


def _save_application(request, form, *, application=None, association=None, campaign=None):
    """Save the draft, then submit it if that button was pressed. Returns the application or None."""
    fields = form.service_fields()
    submitting = "submit" in request.POST
    try:
        if application is None:
            application = services.application_create(
                association=association, campaign=campaign, by=request.user, **fields
            )
        else:
            application = services.application_update(application=application, by=request.user, **fields)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None
    except (DomainError, IntegrityError) as exc:
        form.add_error(None, str(exc) if isinstance(exc, DomainError) else _("Cette candidature existe déjà."))
        return None
    if submitting and application.status == Application.Status.DRAFT:
        try:
            services.application_submit(
                application=application, by=request.user, consent=form.cleaned_data.get("consent", False)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
            messages.warning(request, _("Le brouillon est enregistré, mais la candidature n'a pas pu être déposée."))
            return application, False
        except DomainError as exc:
            form.add_error(None, str(exc))
            return application, False
        messages.success(request, _("Votre candidature est déposée. Un e-mail de confirmation vous a été envoyé."))
        return application, True
    if application.status == Application.Status.DRAFT:
        messages.success(request, _("Brouillon enregistré. Vous pourrez le compléter et le déposer plus tard."))
    else:
        messages.success(request, _("Vos modifications sont enregistrées."))
    return application, True


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.public(), slug=slug)
    associations = list(selectors.associations_for_user(request.user))
    if not associations:
        messages.info(request, _("Inscrivez d'abord votre association, puis revenez candidater."))
        return redirect(f"{reverse('associations:association_create')}?next={request.path}")
    association = associations[0]
    if len(associations) > 1:
        chosen = request.GET.get("association") or request.POST.get("association")
        association = next((a for a in associations if str(a.pk) == chosen), associations[0])
    existing = (
        Application.objects.filter(association=association, campaign=campaign)
        .exclude(status__in=Application.CLOSED_STATUSES)
        .first()
    )
    if existing:
        messages.info(request, _("Votre association a déjà une candidature pour cette campagne."))
        return redirect(existing)
    if not campaign.is_open_for_applications():
        messages.error(request, _("Les candidatures à cette campagne ne sont pas ouvertes."))
        return redirect("home")
    form = ApplicationForm(request.POST or None, request.FILES or None, campaign=campaign, holder=request.user)
    if request.method == "POST" and form.is_valid():
        result = _save_application(request, form, association=association, campaign=campaign)
        if result is not None:
            application, ok = result
            form.release_uploads()  # the files are now the draft's own
            if ok:
                return redirect(application)
            return render(
                request,
                "associations/application_form.html",
                {"form": form, "campaign": campaign, "association": association, "application": application},
            )
    if request.method == "POST":
        form.keep_uploads()
    return render(
        request,
        "associations/application_form.html",
        {"form": form, "campaign": campaign, "association": association, "associations": associations},
    )


def _detail_context(request: HttpRequest, application: Application, answer_form: AnswerForm) -> dict:
    allocations = allocations_for_application(request.user, application)
    messages_ = list(application.messages.all())
    question = None
    if application.status == Application.Status.INFO_REQUESTED:
        question = next((m for m in reversed(messages_) if m.from_staff), None)
    return {
        "application": application,
        "thread": messages_,
        "question": question,
        "answer_form": answer_form,
        "allocations": allocations,
        "grant": grant_words(application.granted_quantity or 0, allocations) if allocations else "",
        "handovers": handovers_for_allocations(request.user, allocations),
        "contact_email": application.campaign.contact_email,
    }


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.application_for_user(request.user, pk))
    services.application_messages_mark_read(application=application, by=request.user)
    return render(request, "associations/application_detail.html", _detail_context(request, application, AnswerForm()))


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.application_for_user(request.user, pk))
    if not application.is_editable:
        messages.info(request, _("Cette candidature ne peut plus être modifiée."))
        return redirect(application)
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        instance=application,
        campaign=application.campaign,
        holder=request.user,
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        result = _save_application(request, form, application=application)
        if result is not None:
            saved = True
            form.release_uploads()  # the files are now the application's own
            if result[1]:
                return redirect(result[0])
            # Saved, not submitted: the page shows the documents as they are now stored.
            application = get_object_or_404(selectors.application_for_user(request.user, pk))
    if request.method == "POST" and not saved:
        form.keep_uploads()
    return render(
        request,
        "associations/application_form.html",
        {
            "form": form,
            "campaign": application.campaign,
            "association": application.association,
            "application": application,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_answer(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        # Where the login sends back a message whose session had expired: the page that holds it (its own
        # access check; this redirect looks nothing up). static/js/drafts.js fills the message in again.
        return redirect("associations:application", pk=pk)
    application = get_object_or_404(selectors.application_for_user(request.user, pk))
    form = AnswerForm(request.POST, request.FILES, holder=request.user)
    if form.is_valid() and service_applied(
        form,
        services.application_answer,
        application=application,
        by=request.user,
        body=form.cleaned_data["body"],
        attachment=form.cleaned_data.get("attachment"),
    ):
        form.release_uploads()
        messages.success(request, _("Votre message est envoyé à l'équipe de la ville."))
        return redirect(application)
    form.keep_uploads()
    application = get_object_or_404(selectors.application_for_user(request.user, pk))
    return render(
        request, "associations/application_detail.html", _detail_context(request, application, form), status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.application_for_user(request.user, pk))
    if request.method == "POST":
        tell_outcome(
            request,
            lambda: services.application_withdraw(application=application, by=request.user),
            done=_("Votre candidature est retirée."),
        )
        return redirect(application)
    return render(request, "associations/application_withdraw.html", {"application": application})


@login_required
def message_attachment(request: HttpRequest, pk: int, message_pk: int) -> FileResponse:
    """A message's PDF or photo: the association's members and the staff who may read its application."""
    message = get_object_or_404(
        Message.objects.select_related("application").exclude(attachment=""),
        pk=message_pk,
        application__in=selectors.application_documents_visible_to(request.user).filter(pk=pk),
    )
    handle = open_or_404(message.attachment)
    # Always a download, under its checked type, never sniffed nor run in the portal's origin.
    response = FileResponse(
        handle, content_type=message.attachment_mimetype, as_attachment=True, filename=message.attachment_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@login_required
def application_document(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    if kind not in ("statutes", "activity_report"):
        raise Http404
    application = get_object_or_404(selectors.application_documents_visible_to(request.user), pk=pk)
    document = getattr(application, kind)
    handle = open_or_404(document)
    filename = f"{kind}-{application.association.legal_name[:40]}.pdf".replace('"', "")
    # Always a download, never shown by the browser in the portal's origin; nothing active if it is.
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
