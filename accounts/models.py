from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Journal


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person: the email is the login. Staff roles are Django groups (see accounts.roles)."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    language = models.CharField(
        _("langue des e-mails"), max_length=8, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email

    def has_role(self, role: str) -> bool:
        return self.is_superuser or self.groups.filter(name=role).exists()


class AccountEvent(Journal):
    """What was done with a person's data, on request or by the retention rules: kept even after anonymisation."""

    class Kind(models.TextChoices):
        EXPORTED = "exported", _("Données personnelles exportées")
        ANONYMISED = "anonymised", _("Compte anonymisé")
        DELETION_REQUESTED = "deletion_requested", _("Suppression du compte demandée")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_events")
    kind = Journal.kind_field(Kind, max_length=24)

    class Meta(Journal.Meta):
        verbose_name = _("événement du compte")
        verbose_name_plural = _("historique du compte")
