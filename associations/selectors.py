import re
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from associations.models import (
    INVITATION_SALT,
    Application,
    ApplicationEvent,
    Association,
    Invitation,
    JoinRequest,
    Membership,
    Message,
)


def association_recipients(association, memberships: Iterable | None = None) -> dict[str, str]:
    """email -> language of the active members of an association, or its contact address if none.

    The one place that decides who hears from the portal about an association; anonymised
    addresses are left out (core.emails.deliverable).
    """
    from core.emails import deliverable

    members = memberships if memberships is not None else association.memberships.select_related("user")
    recipients = {m.user.email: (m.user.language or "fr") for m in members if m.user.is_active}
    if not recipients and association.contact_email:
        recipients = {association.contact_email: "fr"}
    return {email: language for email, language in recipients.items() if deliverable([email])}


def associations_for_user(user) -> QuerySet[Association]:
    return Association.objects.for_user(user).prefetch_related("missions")


def application_for_user(user, pk: int) -> QuerySet[Application]:
    """The application ``pk`` if ``user`` is a member of its association (else an empty queryset)."""
    return (
        Application.objects.for_user(user)
        .filter(pk=pk)
        .select_related("campaign", "association")
        .prefetch_related(
            # Who in the team follows the application is the team's own organisation, not the association's news.
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.exclude(kind=ApplicationEvent.Kind.ASSIGNED).select_related("actor"),
            ),
            Prefetch("messages", queryset=Message.objects.select_related("author")),
        )
    )


def application_documents_visible_to(user) -> QuerySet[Application]:
    """Members see their association's documents; staff who may view applications see all."""
    if user.is_authenticated and user.is_staff and user.has_perm("associations.view_application"):
        from campaigns.scoping import scope_to_user

        # Staff see documents once the application is submitted (with the association's consent), of the
        # campaigns of their organisers only.
        submitted = scope_to_user(Application.objects.exclude(status=Application.Status.DRAFT), user)
        return submitted | Application.objects.for_user(user)
    return Application.objects.for_user(user)


def application_counts_by_status(queryset: QuerySet[Application] | None = None) -> list[dict]:
    qs = queryset if queryset is not None else Application.objects.all()
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)} for value, label in Application.Status.choices
    ]


def reviewers() -> QuerySet:
    """The active staff who may review applications (the choices of « instruite par »)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    perm = Permission.objects.filter(content_type__app_label="associations", codename="review_application")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=perm) | Q(user_permissions__in=perm))
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def campaign_grants(campaign) -> dict:
    """What a campaign has promised and granted so far: ``pledged``, ``granted``, ``left`` (may be negative)."""
    from django.db.models import Sum

    granted = Application.objects.approved().filter(campaign=campaign).aggregate(n=Sum("granted_quantity"))["n"] or 0
    return {"pledged": campaign.pledged_units, "granted": granted, "left": campaign.pledged_units - granted}


# The reviewers' to-do list on the admin home ---------------------------------------------------------------


def review_queue(*, user, limit: int = 5) -> dict:
    """Applications waiting for a decision, oldest first, and the answers received (three queries); only those
    of the campaigns of the organisers ``user`` works for."""
    from campaigns.scoping import scope_to_user

    mine_only = scope_to_user(Application.objects.all(), user)
    pending = mine_only.pending_review()
    answered = mine_only.answered()
    waiting = Q(status__in=Application.PENDING_REVIEW_STATUSES)
    counts = mine_only.aggregate(
        total=Count("pk", filter=waiting),
        mine=Count("pk", filter=waiting & Q(assigned_to=user)),
        answers=Count("pk", filter=Q(pk__in=answered.values("pk"))),
    )
    oldest = list(
        pending.select_related("association")
        .order_by("submitted_at", "pk")
        .only("pk", "submitted_at", "association__legal_name")[:limit]
    )
    answers = list(
        answered.select_related("association")
        .order_by("answer_received_at", "pk")
        .only("pk", "answer_received_at", "status", "association__legal_name")[:limit]
    )
    return {
        "pending": counts["total"],
        "mine": counts["mine"],
        "oldest": oldest,
        "answers": answers,
        "answer_count": counts["answers"],
    }


def answer_received(application: Application, *, recent: int = 20) -> dict | None:
    """The association's unread answer (its messages since ``answer_received_at``) and the question it answers
    (the team's last message before it); None when nothing waits. One query, only when something waits."""
    if application.answer_received_at is None:
        return None
    latest = list(
        Message.objects.filter(application=application).select_related("author").order_by("-created_at", "-pk")[:recent]
    )
    answers, question = [], None
    for message in latest:
        if not message.from_staff and message.created_at >= application.answer_received_at:
            answers.append(message)
        elif message.from_staff:
            question = message
            break
    return {"since": application.answer_received_at, "answers": answers[::-1], "question": question}


def association_by_number(*, rna: str = "", siret: str = "") -> Association | None:
    """The registered association with this RNA or SIRET number (both are public registry numbers). A number
    that is not well formed (typed text, a control character the database would refuse) finds nothing."""
    query = Q()
    if rna and re.fullmatch(r"W\d{9}", rna):
        query |= Q(rna=rna)
    if siret and re.fullmatch(r"\d{14}", siret):
        query |= Q(siret=siret)
    if not query:
        return None
    return Association.objects.filter(query).order_by("pk").first()


def join_requests_panel(user) -> dict[str, list[JoinRequest]]:
    """For the space: requests waiting for an answer from ``user`` (to join one of their associations), and
    ``user``'s own requests still waiting. One query."""
    if not user.is_authenticated:
        return {"to_decide": [], "mine": []}
    rows = list(
        JoinRequest.objects.pending()
        .filter(Q(association__in=Association.objects.for_user(user).values("pk")) | Q(user=user))
        .select_related("association", "user")
        .order_by("created_at", "pk")
    )
    return {
        "to_decide": [r for r in rows if r.user_id != user.pk],
        "mine": [r for r in rows if r.user_id == user.pk],
    }


def members_page(association: Association) -> dict:
    """The members of an association, the requests to join it and its invitations waiting for an answer."""
    return {
        "members": list(
            Membership.objects.filter(association=association).select_related("user").order_by("created_at", "pk")
        ),
        "join_requests": list(
            JoinRequest.objects.pending().filter(association=association).select_related("user").order_by("created_at")
        ),
        "invitations": list(
            Invitation.objects.filter(association=association, accepted_at__isnull=True)
            .select_related("invited_by")
            .order_by("-created_at")
        ),
    }


def invitation_for_token(token: str) -> tuple[Invitation | None, str]:
    """The invitation a link names, or None and why it cannot be used (in French, for the page)."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired:
        return None, _(
            "Ce lien d'invitation a expiré. Demandez à un membre de l'association de vous inviter à nouveau."
        )
    except signing.BadSignature:
        return None, _("Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet.")
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("e"), str):
        return None, _("Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet.")
    invitation = Invitation.objects.select_related("association").filter(pk=data["i"], email=data["e"]).first()
    if invitation is None:
        return None, _("Cette invitation n'existe plus.")
    if invitation.accepted_at is not None:
        return None, _("Cette invitation a déjà servi.")
    return invitation, ""
