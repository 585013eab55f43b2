from collections.abc import Iterable

from django.db.models import Count, Prefetch, QuerySet

from associations.models import Application, ApplicationEvent, Association, Message


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
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
            Prefetch("messages", queryset=Message.objects.select_related("author")),
        )
    )


def application_documents_visible_to(user) -> QuerySet[Application]:
    """Members see their association's documents; staff who may view applications see all."""
    if user.is_authenticated and user.is_staff and user.has_perm("associations.view_application"):
        # Staff see documents once the application is submitted (with the association's consent).
        return Application.objects.exclude(status=Application.Status.DRAFT) | Application.objects.for_user(user)
    return Application.objects.for_user(user)


def application_counts_by_status(queryset: QuerySet[Application] | None = None) -> list[dict]:
    qs = queryset if queryset is not None else Application.objects.all()
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)} for value, label in Application.Status.choices
    ]
