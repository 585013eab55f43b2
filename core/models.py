from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyModel(models.Model):
    """A journal row: written once, never changed nor deleted through the ORM."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        # Every journal has a ``kind`` and a ``created_at``; shown in local time, as in the pages.
        return f"{self.get_kind_display()} ({timezone.localtime(self.created_at):%d/%m/%Y %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(_("Une ligne d'historique ne peut pas être modifiée."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(_("Une ligne d'historique ne peut pas être supprimée."))

    @classmethod
    def record(cls, *, by=None, **fields):
        """Write one row of a journal with an ``actor``: who did it, and their name as it was then."""
        return cls.objects.create(actor=by, actor_label=actor_label(by), **fields)


def actor_label(user) -> str:
    """The name kept on a history row, so that it survives the user's deletion or anonymisation."""
    if user is None:
        return ""
    return user.get_full_name() or user.email
