"""Every write on associations and applications goes through these functions.

Each one is atomic, checks the status change against ``TRANSITIONS``, writes an
append-only ``ApplicationEvent`` with the acting user and queues emails after commit.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.documents import display_name, validate_attachment
from associations.hooks import decision_correcting
from associations.models import (
    INVITATION_SALT,
    JOIN_MESSAGE_MAX,
    MESSAGE_MAX,
    Application,
    ApplicationEvent,
    Association,
    Invitation,
    JoinRequest,
    JoinRequestEvent,
    Membership,
    Message,
    Mission,
)
from associations.selectors import association_recipients
from core.emails import notify
from core.errors import DomainError, TransitionError
from core.textlimits import limit_text
from core.transitions import transition

logger = logging.getLogger(__name__)

S = Application.Status
DOCUMENT_FIELDS = ("statutes", "activity_report")

TRANSITIONS = Application.TRANSITIONS

EDITABLE_FIELDS = (
    "requested_quantity",
    "public_use_quantity",
    "admin_use_quantity",
    "project",
    "has_premises",
    "has_internet",
    "premises_details",
    "statutes",
    "activity_report",
)


def _require_text(value: str, *, field: str, missing: str) -> None:
    """A text the step needs (a question, a reason, a message): empty or only spaces is refused on its field."""
    if not value or not value.strip():
        raise ValidationError({field: missing})


def _set_recorded(application: Application, field: str, value, *, by, kind: str, note: str) -> None:
    """Change one field of a locked application (not its status) and keep the change in its history."""
    setattr(application, field, value)
    application.save(update_fields=[field, "updated_at"])
    ApplicationEvent.record(application=application, by=by, kind=kind, note=note)


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("campaign", "association").get(pk=application.pk)


def _notify_association(application: Application, template: str, **context) -> None:
    """Email every member of the association, each in their language."""
    members = list(application.association.memberships.select_related("user"))
    base = {
        "association": application.association.legal_name,
        "campaign": application.campaign.name,
        "application_id": application.pk,
        "application_path": application.get_absolute_url(),
        "contact_email": application.campaign.contact_email,
        **context,
    }
    notify(association_recipients(application.association, members), template, base)


# Associations ---------------------------------------------------------------------------------


@transaction.atomic
def association_register(*, by, missions: list[Mission], **fields) -> Association:
    """Register an association and make ``by`` its first member (at most MAX_ASSOCIATIONS_PER_ACCOUNT)."""

    get_user_model().objects.select_for_update().filter(pk=by.pk).first()  # one registration at a time
    _check_membership_limit(by, registering=True)
    association = Association(**fields)
    association.full_clean()
    association.save()
    association.missions.set(missions)
    Membership.objects.create(user=by, association=association)
    return association


@transaction.atomic
def association_update(*, association: Association, by, missions: list[Mission] | None = None, **fields) -> Association:
    for field, value in fields.items():
        setattr(association, field, value)
    association.full_clean()
    association.save()
    if missions is not None:
        association.missions.set(missions)
    changed = sorted([*fields, *(["missions"] if missions is not None else [])])
    logger.info(
        "association updated",
        extra={"association_id": association.pk, "by_id": getattr(by, "pk", None), "fields": changed},
    )
    return association


# Applications ---------------------------------------------------------------------------------


def _check_quantities(application: Application) -> None:
    campaign = application.campaign
    errors = {}
    requested = application.requested_quantity
    if requested is None:
        errors["requested_quantity"] = _("Indiquez le nombre d'ordinateurs demandés.")
    elif not campaign.min_per_association <= requested <= campaign.max_per_association:
        errors["requested_quantity"] = _("Pour cette campagne, demandez entre %(min)s et %(max)s ordinateurs.") % {
            "min": campaign.min_per_association,
            "max": campaign.max_per_association,
        }
    public, admin = application.public_use_quantity, application.admin_use_quantity
    if public is None or admin is None:
        errors["public_use_quantity"] = _("Indiquez la répartition entre le public et l'association.")
    elif requested is not None and public + admin != requested:
        errors["public_use_quantity"] = _(
            "La répartition (%(public)s + %(admin)s) doit faire le total demandé (%(requested)s)."
        ) % {"public": public, "admin": admin, "requested": requested}
    if errors:
        raise ValidationError(errors)


def _documents_stored_for(user) -> int:
    """Supporting documents and message attachments stored for the applications of ``user``'s associations."""
    rows = Application.objects.filter(association__memberships__user=user).values_list(*DOCUMENT_FIELDS)
    attachments = (
        Message.objects.filter(application__association__memberships__user=user).exclude(attachment="").count()
    )
    return sum(1 for row in rows for name in row if name) + attachments


def _check_document_quota(*, by, added: list[str]) -> None:
    """Refuse new documents (not replacements) past MAX_DOCUMENTS_PER_ACCOUNT, on the fields that add them."""
    if not added:
        return
    # Two uploads at once from the same account must not both pass the count: they queue on the account's row.
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    limit = settings.MAX_DOCUMENTS_PER_ACCOUNT
    if _documents_stored_for(by) + len(added) > limit:
        message = _(
            "Les candidatures de vos associations ont déjà %(n)s documents enregistrés : c'est le maximum "
            "(%(max)s). Remplacez un document existant ou écrivez à l'équipe de la campagne."
        ) % {"n": _documents_stored_for(by), "max": limit}
        raise ValidationError({field: message for field in added})


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a file that cannot be deleted now is left for the retention sweep
            logger.warning("Could not delete replaced document %s", name, exc_info=True)


def _delete_after_commit(names: list[str]) -> None:
    """Delete stored files once the change that stopped using them has committed (any storage)."""
    names = [name for name in names if name]
    if names:
        storage = Application._meta.get_field("statutes").storage
        transaction.on_commit(lambda: _delete_files(storage, names), robust=True)


def _delete_new_files_on_error(application: Application, previous: dict[str, str]) -> None:
    """A failed save must not leave the files it just stored behind."""
    storage = Application._meta.get_field("statutes").storage
    _delete_files(
        storage,
        [
            getattr(application, field).name
            for field in DOCUMENT_FIELDS
            if getattr(application, field)
            and getattr(application, field).name != previous.get(field)
            and getattr(application, field)._committed
        ],
    )


@transaction.atomic
def application_create(*, association: Association, campaign, by, **fields) -> Application:
    """Start a draft application of an association to a campaign."""
    if not campaign.is_open_for_applications():
        raise DomainError(_("Les candidatures à cette campagne ne sont pas ouvertes."))
    if (
        Application.objects.filter(association=association, campaign=campaign)
        .exclude(status__in=Application.CLOSED_STATUSES)
        .exists()
    ):
        raise DomainError(_("Votre association a déjà une candidature en cours pour cette campagne."))
    application = Application(association=association, campaign=campaign, created_by=by)
    for field in EDITABLE_FIELDS:
        if field in fields:
            setattr(application, field, fields[field])
    application.full_clean(exclude=["statutes", "activity_report"])
    _check_document_quota(by=by, added=[f for f in DOCUMENT_FIELDS if getattr(application, f)])
    try:
        application.save()
    except Exception:
        _delete_new_files_on_error(application, {})
        raise
    ApplicationEvent.record(
        application=application, by=by, kind=ApplicationEvent.Kind.CREATED, to_status=application.status
    )
    return application


@transaction.atomic
def application_update(*, application: Application, by, **fields) -> Application:
    """Edit a draft, or an application on which the reviewers asked for more information."""
    application = _lock(application)
    if not application.is_editable:
        raise DomainError(_("Cette candidature ne peut plus être modifiée."))
    previous = {field: getattr(application, field).name or "" for field in DOCUMENT_FIELDS}
    changed = []
    for field in EDITABLE_FIELDS:
        if field in fields and fields[field] != getattr(application, field):
            setattr(application, field, fields[field])
            changed.append(str(Application._meta.get_field(field).verbose_name))
    if application.status != S.DRAFT:
        _check_quantities(application)
    application.full_clean(exclude=["statutes", "activity_report"])
    _check_document_quota(by=by, added=[f for f in DOCUMENT_FIELDS if getattr(application, f) and not previous[f]])
    try:
        application.save()
    except Exception:
        _delete_new_files_on_error(application, previous)
        raise
    # The documents this update replaced (or removed) are deleted once it has committed.
    _delete_after_commit([old for field, old in previous.items() if old and getattr(application, field).name != old])
    if changed:
        ApplicationEvent.record(
            application=application, by=by, kind=ApplicationEvent.Kind.UPDATED, note=", ".join(changed)
        )
    return application


@transaction.atomic
def application_submit(*, application: Application, by, consent: bool) -> Application:
    """The association sends its complete application for review."""
    application = _lock(application)
    if application.status != S.DRAFT:
        raise TransitionError(_("Seul un brouillon peut être déposé."))
    if not application.campaign.is_open_for_applications():
        raise DomainError(_("Les candidatures à cette campagne sont closes."))
    errors = {}
    try:
        _check_quantities(application)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not application.project.strip():
        errors["project"] = [_("Décrivez votre projet en quelques lignes.")]
    if not application.statutes:
        errors["statutes"] = [_("Joignez les statuts de l'association (PDF).")]
    if not application.activity_report:
        errors["activity_report"] = [_("Joignez le dernier rapport d'activité (PDF).")]
    if not consent:
        errors["consent"] = [
            _("Votre accord sur le traitement des données est nécessaire pour déposer la candidature.")
        ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    transition(application, to=S.SUBMITTED, by=by, submitted_at=now, consent_at=now)
    _notify_association(application, "application_submitted")
    return application


@transaction.atomic
def application_request_info(*, application: Application, by, message: str) -> Application:
    """A reviewer asks the association a question; the application waits for the answer."""
    _require_text(message, field="message", missing=_("Écrivez la question à poser à l'association."))
    application = _lock(application)
    transition(application, to=S.INFO_REQUESTED, by=by, note=message, answer_received_at=None)
    Message.objects.create(application=application, author=by, from_staff=True, body=message)
    _notify_association(application, "application_info_requested", message=message)
    return application


@transaction.atomic
def application_answer(*, application: Application, by, body: str, attachment=None) -> Application:
    """The association writes to the campaign team, at every stage once its application is submitted (decided
    and withdrawn ones included), with one PDF or photo if needed; an answer to a question puts the application
    back in review."""
    _require_text(body, field="body", missing=_("Écrivez votre réponse."))
    if len(body) > MESSAGE_MAX:
        raise ValidationError({"body": str(limit_text(MESSAGE_MAX))})
    application = _lock(application)
    if application.status == S.DRAFT:  # the team does not see drafts (nor their messages)
        raise DomainError(_("Déposez d'abord votre candidature : l'équipe de la campagne ne voit pas les brouillons."))
    answering = application.status == S.INFO_REQUESTED
    if answering:
        _check_quantities(application)
    message = Message(application=application, author=by, from_staff=False, body=body)
    if attachment:
        try:
            message.attachment_type = validate_attachment(attachment)
        except ValidationError as exc:
            raise ValidationError({"attachment": exc.messages}) from None
        _check_document_quota(by=by, added=["attachment"])
        message.attachment_name = display_name(attachment.name)
        message.attachment = attachment
    try:
        message.save()
    except Exception:
        if message.attachment and message.attachment._committed:
            _delete_files(message.attachment.storage, [message.attachment.name])
        raise
    note = f"{body}\n[{message.attachment_name}]" if message.attachment else body
    ApplicationEvent.record(application=application, by=by, kind=ApplicationEvent.Kind.MESSAGE, note=note)
    if answering:
        transition(
            application,
            to=S.SUBMITTED,
            by=by,
            note=gettext_lazy("Réponse de l'association"),
            answer_received_at=message.created_at,
        )
    elif application.answer_received_at is None:
        # The oldest unread message counts: the reviewers' list and home show how long it has waited.
        application.answer_received_at = message.created_at
        application.save(update_fields=["answer_received_at", "updated_at"])
    _notify_reviewers(application, body)
    return application


def reviewers_to_tell(application: Application) -> dict[str, str]:
    """Who hears of an association's answer: the reviewer the application is assigned to, else the one who
    last wrote to the association, else the whole review team (email -> language)."""
    from accounts import roles

    for person in (application.assigned_to, _last_staff_author(application)):
        if person is not None and person.is_active and person.is_staff:
            return {person.email: person.language or "fr"}
    team = get_user_model().objects.filter(groups__name=roles.REVIEWER, is_active=True, is_staff=True).distinct()
    return {person.email: person.language or "fr" for person in team}


def _last_staff_author(application: Application):
    last = (
        Message.objects.filter(application=application, from_staff=True, author__isnull=False)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first()
    )
    return last.author if last else None


def _notify_reviewers(application: Application, body: str) -> None:
    notify(
        reviewers_to_tell(application),
        "application_answered",
        {
            "association": application.association.legal_name,
            "campaign": application.campaign.name,
            "message": body,
            "admin_path": reverse("admin:associations_application_change", args=[application.pk]),
        },
    )


@transaction.atomic
def application_message(*, application: Application, by, body: str) -> Application:
    """A reviewer writes to the association without changing the status (an answer, a precision)."""
    _require_text(body, field="message", missing=_("Écrivez le message à envoyer à l'association."))
    if len(body) > MESSAGE_MAX:
        raise ValidationError({"message": str(limit_text(MESSAGE_MAX))})
    application = _lock(application)
    if application.status == S.DRAFT:  # the association has not sent it yet: nothing to write about
        raise DomainError(_("Cette candidature n'est pas encore déposée : l'association ne l'a pas envoyée."))
    Message.objects.create(application=application, author=by, from_staff=True, body=body)
    ApplicationEvent.record(application=application, by=by, kind=ApplicationEvent.Kind.MESSAGE, note=body)
    if application.answer_received_at is not None:
        application.answer_received_at = None
        application.save(update_fields=["answer_received_at", "updated_at"])
    _notify_association(application, "application_message", message=body)
    return application


def application_messages_mark_read(*, application: Application, by) -> None:
    """A member opened the thread: the team's messages so far are read, for the whole association.

    A read marker, not a change of the application: no history row, no ``updated_at`` change (a queryset
    update), and only when the team wrote since the last reading (the thread prefetched by
    ``application_for_user`` tells, without a query). The caller loaded ``application`` among ``by``'s own.
    """
    read_at = application.messages_read_at
    if not any(m.from_staff and (read_at is None or m.created_at > read_at) for m in application.messages.all()):
        return
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(messages_read_at=now)
    application.messages_read_at = now


@transaction.atomic
def application_approve(
    *, application: Application, granted: int, by, priority: int | None = None, note: str = ""
) -> Application:
    """Approve with a granted quantity within the campaign's bounds."""
    application = _lock(application)
    campaign = application.campaign
    if granted is None or not campaign.min_per_association <= granted <= campaign.max_per_association:
        raise ValidationError(
            {
                "granted": _("Le nombre accordé doit être compris entre %(min)s et %(max)s.")
                % {"min": campaign.min_per_association, "max": campaign.max_per_association}
            }
        )
    now = timezone.now()
    changes = {
        "granted_quantity": granted,
        "decided_at": now,
        "approved_at": now,
        "decision_reason": note,
        "answer_received_at": None,
    }
    if priority is not None:
        changes["priority"] = priority
    transition(
        application,
        to=S.APPROVED,
        by=by,
        note=note or _("%(granted)s ordinateurs accordés") % {"granted": granted},
        **changes,
    )
    _notify_association(application, "application_approved", granted=granted, note=note)
    return application


@transaction.atomic
def application_reject(*, application: Application, by, reason: str) -> Application:
    _require_text(
        reason, field="reason", missing=_("Le motif du refus est obligatoire : il est envoyé à l'association.")
    )
    application = _lock(application)
    transition(
        application,
        to=S.REJECTED,
        by=by,
        note=reason,
        decision_reason=reason,
        decided_at=timezone.now(),
        answer_received_at=None,
    )
    _notify_association(application, "application_rejected", reason=reason)
    return application


@transaction.atomic
def application_waitlist(*, application: Application, by, note: str = "") -> Application:
    application = _lock(application)
    transition(application, to=S.WAITLISTED, by=by, note=note, decision_reason=note, answer_received_at=None)
    _notify_association(application, "application_waitlisted", note=note)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by) -> Application:
    application = _lock(application)
    transition(application, to=S.WITHDRAWN, by=by)
    return application


@transaction.atomic
def application_set_priority(*, application: Application, priority: int, by) -> Application:
    if priority not in Application.Priority.values:
        raise ValidationError({"priority": _("Choisissez une priorité entre 1 et 4.")})
    application = _lock(application)
    if application.priority != priority:
        note = f"{application.priority} → {priority}"
        _set_recorded(application, "priority", priority, by=by, kind=ApplicationEvent.Kind.PRIORITY, note=note)
    return application


def _check_granted(application: Application, granted) -> None:
    campaign = application.campaign
    if granted is None or not campaign.min_per_association <= granted <= campaign.max_per_association:
        raise ValidationError(
            {
                "granted": _("Le nombre accordé doit être compris entre %(min)s et %(max)s.")
                % {"min": campaign.min_per_association, "max": campaign.max_per_association}
            }
        )


@transaction.atomic
def application_change_grant(*, application: Application, granted: int, reason: str, by) -> Application:
    """Correct the granted quantity of an approval (within the campaign's bounds, never below what the waves
    already hold for it), with a reason kept in the history and emailed to the association."""
    _require_text(
        reason, field="reason", missing=_("Indiquez la raison de la correction : elle est envoyée à l'association.")
    )
    application = _lock(application)
    if application.status != S.APPROVED:
        raise DomainError(_("Seule une candidature acceptée a une quantité accordée à corriger."))
    _check_granted(application, granted)
    if granted == application.granted_quantity:
        raise ValidationError({"granted": _("C'est déjà la quantité accordée : indiquez la nouvelle quantité.")})
    decision_correcting.fire(application=application, granted=granted)
    old = application.granted_quantity
    note = f"{old} → {granted} : {reason.strip()}"
    _set_recorded(application, "granted_quantity", granted, by=by, kind=ApplicationEvent.Kind.GRANT, note=note)
    _notify_association(application, "application_grant_changed", old=old, granted=granted, reason=reason.strip())
    return application


@transaction.atomic
def application_reopen(*, application: Application, reason: str, by) -> Application:
    """Take an approval back to review (a decision to correct), while no wave holds or plans units for it."""
    _require_text(
        reason, field="reason", missing=_("Indiquez pourquoi la décision est rouverte : c'est envoyé à l'association.")
    )
    application = _lock(application)
    if S.SUBMITTED not in TRANSITIONS[application.status]:
        raise TransitionError(_("Seule une candidature acceptée peut être rouverte."))
    decision_correcting.fire(application=application, granted=None)
    transition(
        application,
        to=S.SUBMITTED,
        by=by,
        note=reason.strip(),
        granted_quantity=None,
        decided_at=None,
        approved_at=None,
        decision_reason="",
    )
    _notify_association(application, "application_reopened", reason=reason.strip())
    return application


@transaction.atomic
def application_assign(*, application: Application, reviewer, by) -> Application:
    """Give the application to a reviewer (or to nobody): they follow it and hear of the association's answers."""
    if reviewer is not None and not (
        reviewer.is_active and reviewer.is_staff and reviewer.has_perm("associations.review_application")
    ):
        raise ValidationError({"assigned_to": _("Choisissez une personne de l'équipe qui instruit les candidatures.")})
    application = _lock(application)
    if application.assigned_to_id == (reviewer.pk if reviewer else None):
        return application
    note = (reviewer.get_full_name() or reviewer.email) if reviewer else _("plus personne")
    _set_recorded(application, "assigned_to", reviewer, by=by, kind=ApplicationEvent.Kind.ASSIGNED, note=note)
    return application


# Joining an association: a request to its members, or an invitation from one of them ------------------------


def _check_membership_limit(user, *, registering: bool = False) -> None:
    """At most MAX_ASSOCIATIONS_PER_ACCOUNT associations per account, whether it registers one or joins one."""
    limit = settings.MAX_ASSOCIATIONS_PER_ACCOUNT
    if Membership.objects.filter(user=user).count() < limit:
        return
    if registering:
        message = _(
            "Votre compte représente déjà %(n)s associations : c'est le maximum. "
            "Écrivez à l'équipe de la campagne si vous devez en inscrire une autre."
        )
    else:
        message = _(
            "Ce compte représente déjà %(n)s associations : c'est le maximum. "
            "Écrivez à l'équipe de la campagne si vous devez en rejoindre une autre."
        )
    raise ValidationError({NON_FIELD_ERRORS: message % {"n": limit}})


def _active_members(association: Association) -> list[Membership]:
    return [m for m in association.memberships.select_related("user") if m.user.is_active]


def may_decide_join_request(join_request: JoinRequest, user) -> bool:
    """A member of the association, or staff allowed to change join requests (in the admin)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff and user.has_perm("associations.change_joinrequest"):
        return True
    return Membership.objects.filter(user=user, association_id=join_request.association_id).exists()


@transaction.atomic
def join_request_create(*, association: Association, by, message: str = "") -> JoinRequest:
    """``by`` asks to join an association already registered; its members are told by email."""
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()  # one request at a time per account
    if Membership.objects.filter(user=by, association=association).exists():
        raise ValidationError({NON_FIELD_ERRORS: _("Vous êtes déjà membre de cette association.")})
    if JoinRequest.objects.pending().filter(user=by, association=association).exists():
        raise ValidationError({NON_FIELD_ERRORS: _("Vous avez déjà une demande en attente pour cette association.")})
    _check_membership_limit(by)
    limit = settings.MAX_PENDING_JOIN_REQUESTS_PER_ACCOUNT
    if JoinRequest.objects.pending().filter(user=by).count() >= limit:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "Vous avez déjà %(n)s demandes en attente : attendez leur réponse avant d'en envoyer une autre."
                )
                % {"n": limit}
            }
        )
    join_request = JoinRequest(association=association, user=by, message=(message or "").strip())
    join_request.full_clean()
    join_request.save()
    JoinRequestEvent.record(
        join_request=join_request,
        by=by,
        kind=JoinRequestEvent.Kind.CREATED,
        to_status=join_request.status,
        note=join_request.message,
    )
    members = _active_members(association)
    if members:  # none: the city's team decides in the admin
        notify(
            association_recipients(association, members),
            "join_request_received",
            {
                "association": association.legal_name,
                "requester": by.get_full_name() or by.email,
                "requester_email": by.email,
                "message": join_request.message,
                "members_path": reverse("associations:members", kwargs={"pk": association.pk}),
            },
        )
    return join_request


def _lock_join_request(join_request: JoinRequest) -> JoinRequest:
    return JoinRequest.objects.select_for_update().select_related("association", "user").get(pk=join_request.pk)


def _notify_requester(join_request: JoinRequest, template: str, **context) -> None:
    user = join_request.user
    if user.is_active:
        notify(
            {user.email: user.language or "fr"},
            template,
            {
                "association": join_request.association.legal_name,
                "space_path": reverse("associations:space"),
                **context,
            },
        )


@transaction.atomic
def join_request_accept(*, join_request: JoinRequest, by) -> JoinRequest:
    """A member (or the city's team) lets the person in: they become a member and are told by email."""
    join_request = _lock_join_request(join_request)
    if not may_decide_join_request(join_request, by):
        raise DomainError(_("Seuls les membres de l'association peuvent répondre à cette demande."))
    JoinRequest.TRANSITIONS.check(join_request, JoinRequest.Status.ACCEPTED)
    _check_membership_limit(join_request.user)
    transition(join_request, to=JoinRequest.Status.ACCEPTED, by=by, stamps=("decided_at",))
    Membership.objects.get_or_create(user=join_request.user, association=join_request.association)
    _notify_requester(join_request, "join_request_accepted")
    return join_request


@transaction.atomic
def join_request_refuse(*, join_request: JoinRequest, by, reason: str = "") -> JoinRequest:
    """A member (or the city's team) declines; the person is told by email, with the reason if one is given."""
    join_request = _lock_join_request(join_request)
    if not may_decide_join_request(join_request, by):
        raise DomainError(_("Seuls les membres de l'association peuvent répondre à cette demande."))
    reason = (reason or "").strip()
    if len(reason) > JOIN_MESSAGE_MAX:
        raise ValidationError({"reason": str(limit_text(JOIN_MESSAGE_MAX))})
    transition(join_request, to=JoinRequest.Status.REFUSED, by=by, note=reason, stamps=("decided_at",))
    _notify_requester(join_request, "join_request_refused", reason=reason)
    return join_request


def invitation_token(invitation: Invitation) -> str:
    """The signed part of an invitation link: it names the invitation and its address, and carries its age."""
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT, compress=True)


def invitation_path(invitation: Invitation) -> str:
    return reverse("associations:invitation", kwargs={"token": invitation_token(invitation)})


@transaction.atomic
def invitation_send(*, association: Association, email: str, by) -> Invitation:
    """A member invites a colleague by email (again: the same invitation, a fresh link)."""
    email = get_user_model().objects.normalize_email(email or "").strip().lower()
    if not Membership.objects.filter(user=by, association=association).exists():
        raise DomainError(_("Seuls les membres de l'association peuvent inviter."))
    if not email:
        raise ValidationError({"email": _("Indiquez l'adresse e-mail de la personne à inviter.")})
    if Membership.objects.filter(association=association, user__email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s est déjà membre de l'association.") % {"email": email}})
    Association.objects.select_for_update().filter(pk=association.pk).first()  # one invitation at a time
    invitation = Invitation.objects.filter(association=association, email=email, accepted_at__isnull=True).first()
    if invitation is None:
        limit = settings.MAX_OPEN_INVITATIONS_PER_ASSOCIATION
        if Invitation.objects.filter(association=association, accepted_at__isnull=True).count() >= limit:
            raise ValidationError(
                {
                    "email": _("%(n)s invitations de votre association attendent déjà une réponse : c'est le maximum.")
                    % {"n": limit}
                }
            )
        invitation = Invitation(association=association, email=email, invited_by=by)
        invitation.full_clean()
        invitation.save()
    # Sending again to the same address (a fresh link) waits a few minutes: no flood of one person's inbox.
    if not cache.add(f"invitation-sent:{association.pk}:{email}", 1, timeout=settings.INVITATION_RESEND_SECONDS):
        raise ValidationError(
            {
                "email": _(
                    "Une invitation vient d'être envoyée à %(email)s : attendez quelques minutes avant de la renvoyer."
                )
                % {"email": email}
            }
        )
    notify(
        {email: by.language or "fr"},
        "invitation",
        {
            "association": association.legal_name,
            "inviter": by.get_full_name() or by.email,
            "invitation_path": invitation_path(invitation),
            "days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )
    logger.info("invitation sent", extra={"association_id": association.pk, "by_id": by.pk})
    return invitation


def owns_address(user, email: str) -> bool:
    from allauth.account.models import EmailAddress

    if user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, by) -> Membership:
    """The person invited (signed in with the invited address) becomes a member; the link is used up."""
    invitation = Invitation.objects.select_for_update().select_related("association").get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError(_("Cette invitation a déjà servi."))
    if not owns_address(by, invitation.email):
        raise DomainError(
            _("Cette invitation a été envoyée à %(email)s : connectez-vous avec cette adresse pour l'accepter.")
            % {"email": invitation.email}
        )
    existing = Membership.objects.filter(user=by, association=invitation.association).first()
    if existing is None:
        _check_membership_limit(by)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = by
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership = existing or Membership.objects.create(user=by, association=invitation.association)
    # A request of the same person to join the same association is answered by the invitation.
    for join_request in (
        JoinRequest.objects.pending().select_for_update().filter(user=by, association=invitation.association)
    ):
        transition(join_request, to=JoinRequest.Status.ACCEPTED, by=by, stamps=("decided_at",), note=_("Invitation"))
    return membership
