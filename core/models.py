import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def done_by(verbose_name=None, **options) -> models.ForeignKey:
    """Who did it: a link to a user, kept null when the user is deleted, with no reverse accessor.
    Declared ``created_by = done_by(_("créé par"))``; ``options`` are the field's others (``editable=False``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
        **options,
    )


def actor_fields(verbose_name, label_verbose_name=None) -> tuple[models.ForeignKey, models.CharField]:
    """Who did it (``done_by``) and their name as it was then (``actor_label``).
    Declared ``actor, actor_label = actor_fields(_("…"))``; the label is named ``verbose_name`` unless told."""
    return done_by(verbose_name), models.CharField(label_verbose_name or verbose_name, max_length=200, blank=True)


class AppendOnlyModel(models.Model):
    """A journal row: written once, never changed nor deleted through the ORM."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        # Every journal has a ``created_at``; shown in local time, as in the pages.
        return f"{self.heading} ({timezone.localtime(self.created_at):%d/%m/%Y %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(_("Une ligne d'historique ne peut pas être modifiée."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(_("Une ligne d'historique ne peut pas être supprimée."))

    @property
    def heading(self) -> str:
        """What the row is, before its date in ``__str__``: its ``kind``."""
        return self.get_kind_display()

    @classmethod
    def record(cls, *, by=None, **fields):
        """Write one row of a journal with an ``actor``: who did it, and their name as it was then."""
        return cls.objects.create(actor=by, actor_label=actor_label(by), **fields)


class Journal(AppendOnlyModel):
    """A history table: who (``actor``, and their name as it was then), what (``kind``, a status move
    ``from_status`` -> ``to_status``, a ``note``), when (``created_at``).

    Every history table inherits it, so that the same fields have the same names everywhere. Each table
    adds its foreign key to what it journals and, where it has several kinds of rows, its ``Kind``
    choices and ``kind = Journal.kind_field(Kind)``. Tables whose statuses are choices redeclare the two
    status fields with ``from_status, to_status = Journal.status_fields(Model.Status)`` (same columns, with
    choices).
    Rows are written with ``record(by=user, ...)``; status moves with ``core.transitions``.
    """

    actor, actor_label = actor_fields(_("par"))
    from_status = models.CharField(_("de"), max_length=20, blank=True)
    to_status = models.CharField(_("vers"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    @property
    def heading(self) -> str:
        """Its ``kind``; in a table without kinds of rows (no ``Kind`` choices), its status move."""
        return self.get_kind_display() if hasattr(self, "Kind") else self.change_label

    def status_label(self, value: str) -> str:
        """The words of a status code of this row (``from_status``/``to_status``): the field's choices by default;
        a table whose two fields hold several kinds of status (no choices) overrides it."""
        if not value:
            return ""
        choices = dict(self._meta.get_field("to_status").flatchoices or ())
        return str(choices.get(value, value))

    @property
    def change_label(self) -> str:
        """« Proposée → Confirmée », in words, never the codes; only the new status when there was none."""
        before, after = self.status_label(self.from_status), self.status_label(self.to_status)
        if before and after and before != after:
            return f"{before} → {after}"
        return after or before

    change_label.fget.short_description = _("changement")  # its column's title in the admin

    @staticmethod
    def kind_field(kinds, *, max_length: int = 16) -> models.CharField:
        """``kind``: which of the table's kinds of rows (its ``Kind`` choices) this one is."""
        return models.CharField(_("type"), max_length=max_length, choices=kinds.choices)

    @staticmethod
    def status_fields(choices, *, max_length: int = 20) -> tuple[models.CharField, models.CharField]:
        """``from_status`` and ``to_status`` with the journaled model's status choices."""
        return (
            models.CharField(_("de"), max_length=max_length, choices=choices.choices, blank=True),
            models.CharField(_("vers"), max_length=max_length, choices=choices.choices, blank=True),
        )


def actor_label(user) -> str:
    """The name kept on a history row, so that it survives the user's deletion or anonymisation."""
    if user is None:
        return ""
    return user.get_full_name() or user.email


class OutboxEmailQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at__isnull=True)

    def due(self, now):
        """Not sent, and its next attempt is due: what the periodic sweep sends."""
        return self.unsent().filter(next_attempt_at__lte=now)


class OutboxEmail(models.Model):
    """An email to send, written in the same transaction as the change it reports (transactional outbox).

    A worker sends it right after commit; if that message is lost (Redis down, worker killed) or the
    mail server refuses, the periodic sweep sends it later, with back-off, until it is sent. Sending
    claims the row (``SELECT … FOR UPDATE SKIP LOCKED``) so that the worker and the sweep never both
    send it. See ``core.outbox``.
    """

    created_at = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)
    template = models.CharField(_("modèle"), max_length=100)
    language = models.CharField(_("langue"), max_length=8, default="fr")
    to = models.JSONField(_("destinataires"), default=list)
    context = models.JSONField(_("contenu"), default=dict, blank=True)
    attachment_name = models.CharField(_("pièce jointe"), max_length=200, blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    attachment = models.BinaryField(null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField(_("tentatives d'envoi"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    last_attempt_at = models.DateTimeField(_("dernière tentative le"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("email à envoyer")
        verbose_name_plural = _("emails (file d'envoi)")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent_due")
        ]

    def __str__(self) -> str:
        return f"{self.template} → {', '.join(self.to)}"


def held_upload_to(instance, filename: str) -> str:
    # Never the visitor's file name (kept apart in ``name``, for display only).
    return f"held/{instance.user_id}/{instance.token.hex}"


class HeldUpload(models.Model):
    """A file chosen on a form that was refused for another field's error, kept for the next try (core.uploads).

    Only its owner can use it again, by its random token; it is deleted once the form goes through, or by the
    hourly sweep after HELD_UPLOAD_HOURS.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=60)
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to=held_upload_to, max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("fichier en attente")
        verbose_name_plural = _("fichiers en attente")

    def __str__(self) -> str:
        return self.name
