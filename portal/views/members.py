"""Joining an association already registered: a request to its members, an invitation from one of them.

Every object is looked up through what the signed-in person may see: a request to join one of *their*
associations, *their* association's members page. Anything else is a 404, never a 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from associations import selectors, services
from associations.forms import InvitationForm, JoinRequestForm, RefuseJoinRequestForm
from associations.models import JoinRequest, Membership
from associations.validators import normalize_rna, normalize_siret
from core.errors import DomainError
from core.forms import service_applied
from portal.views.outcome import form_saved


def _number(request: HttpRequest) -> tuple[str, str]:
    """The RNA or SIRET number asked for (``?number=``), normalised; at most one of the two."""
    raw = (request.GET.get("number") or request.POST.get("number") or "")[:30]
    rna = normalize_rna(raw)
    if len(rna) == 10 and rna.startswith("W") and rna[1:].isdigit():
        return rna, ""
    siret = normalize_siret(raw)
    if len(siret) == 14 and siret.isdigit():
        return "", siret
    return "", ""


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Ask to join the association registered under an RNA or SIRET number."""
    rna, siret = _number(request)
    association = selectors.association_by_number(rna=rna, siret=siret)
    if association is None:
        raise Http404
    if Membership.objects.filter(user=request.user, association=association).exists():
        messages.info(request, _("Vous êtes déjà membre de cette association."))
        return redirect("associations:space")
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form_saved(
                request,
                form,
                lambda: services.join_request_create(
                    association=association, by=request.user, message=form.cleaned_data["message"]
                ),
                done=_("Votre demande est envoyée aux membres de %(name)s. Vous recevrez un e-mail dès leur réponse.")
                % {"name": association.legal_name},
            ):
                return redirect("associations:space")
        except IntegrityError:
            form.add_error(None, _("Vous avez déjà une demande en attente pour cette association."))
    return render(
        request,
        "associations/join.html",
        {"form": form, "association": association, "number": rna or siret},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def members(request: HttpRequest, pk: int) -> HttpResponse:
    association = get_object_or_404(selectors.associations_for_user(request.user), pk=pk)
    return render(
        request,
        "associations/members.html",
        {
            "association": association,
            "invitation_form": InvitationForm(),
            "refuse_form": RefuseJoinRequestForm(),
            **selectors.members_page(association),
        },
    )


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    association = get_object_or_404(selectors.associations_for_user(request.user), pk=pk)
    form = InvitationForm(request.POST)
    if form.is_valid() and service_applied(
        form, services.invitation_send, association=association, email=form.cleaned_data["email"], by=request.user
    ):
        messages.success(
            request,
            _("Invitation envoyée à %(email)s. Le lien est valable %(days)s jours.")
            % {"email": form.cleaned_data["email"], "days": settings.INVITATION_MAX_AGE_DAYS},
        )
        return redirect("associations:members", pk=association.pk)
    return render(
        request,
        "associations/members.html",
        {
            "association": association,
            "invitation_form": form,
            "refuse_form": RefuseJoinRequestForm(),
            **selectors.members_page(association),
        },
        status=400,
    )


@login_required
@require_POST
def join_request_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """A member accepts or refuses a request to join their association."""
    if decision not in ("accept", "refuse"):
        raise Http404
    join_request = get_object_or_404(
        JoinRequest.objects.to_decide_by(request.user).select_related("association", "user"), pk=pk
    )
    back = reverse("associations:members", kwargs={"pk": join_request.association_id})
    try:
        if decision == "accept":
            services.join_request_accept(join_request=join_request, by=request.user)
            messages.success(
                request,
                _("%(person)s est maintenant membre de l'association.") % {"person": join_request.user.email},
            )
        else:
            form = RefuseJoinRequestForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
                return redirect(back)
            services.join_request_refuse(join_request=join_request, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("La demande de %(person)s est refusée.") % {"person": join_request.user.email})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(back)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation: sign up or log in with the invited address, then accept."""
    invitation, problem = selectors.invitation_for_token(token)
    if invitation is None:
        return render(request, "associations/invitation.html", {"problem": problem}, status=404)
    if not request.user.is_authenticated:
        # After signing up (and confirming the address) or logging in, the person comes back here.
        request.session["after_login"] = request.path
        context = {
            "invitation": invitation,
            "login_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
            "signup_url": f"{reverse('account_signup')}?{urlencode({'next': request.path})}",
        }
        return render(request, "associations/invitation.html", context)
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            request.session.pop("after_login", None)
            messages.success(
                request,
                _("Bienvenue : vous êtes membre de %(name)s.") % {"name": invitation.association.legal_name},
            )
            return redirect("associations:space")
        return redirect(request.path)
    return render(
        request,
        "associations/invitation.html",
        {"invitation": invitation, "matches": services.owns_address(request.user, invitation.email)},
    )
