"""Writes of the api app: issuing, revoking and using tokens.

A token reads ``dpc_<8 hex>_<secret>``. Only ``prefix`` (``dpc_<8 hex>``) and the SHA-256 of the whole
token are stored; the whole token is returned once, by ``api_token_create``, for staff to hand over.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, ApiTokenEvent
from core.errors import DomainError
from core.transitions import transition

PREFIX = "dpc_"
SERVICE_EMAIL_DOMAIN = "api.invalid"
# The permissions a stock partner's service account needs to call the stock services.
PARTNER_PERMISSIONS = (("inventory", "record_wipe"),)
# last_used_at is written at most this often per token (one UPDATE, never on every request).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _service_account(*, prefix: str, name: str, partner) -> object:
    """The user a stock partner's token acts as: no password (nobody logs in with it), staff so that the
    retention rules never delete it (units' history points to it), only the stock permissions it needs."""
    User = get_user_model()
    user = User(
        email=f"{prefix.replace('_', '-')}@{SERVICE_EMAIL_DOMAIN}",
        first_name="API",
        last_name=f"{partner.name} – {name}"[:150],
        is_staff=True,
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=[app for app, _c in PARTNER_PERMISSIONS],
            codename__in=[code for _a, code in PARTNER_PERMISSIONS],
        )
    )
    return user


@transaction.atomic
def api_token_create(*, by, name: str, donor=None, partner=None) -> tuple[ApiToken, str]:
    """Issue a token for one donor or one stock partner. Returns the token and its secret (shown once)."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Donnez un nom au jeton."), field="name")
    if len(name) > 100:
        raise DomainError(_("100 caractères au plus."), field="name")
    if any(ord(ch) < 32 for ch in name):
        raise DomainError(_("Ce texte contient des caractères invisibles non autorisés."), field="name")
    if (donor is None) == (partner is None):
        raise DomainError(
            _("Choisissez soit un donateur, soit un partenaire de reconditionnement (un seul)."), field="donor"
        )
    prefix = f"{PREFIX}{secrets.token_hex(4)}"
    while ApiToken.objects.filter(prefix=prefix).exists():  # 4 billion prefixes: practically never twice
        prefix = f"{PREFIX}{secrets.token_hex(4)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    kind = ApiToken.Kind.DONOR if donor is not None else ApiToken.Kind.STOCK_PARTNER
    actor = _service_account(prefix=prefix, name=name, partner=partner) if partner is not None else None
    token = ApiToken.objects.create(
        name=name,
        kind=kind,
        donor=donor,
        partner=partner,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        actor=actor,
        created_by=by,
    )
    ApiTokenEvent.record(
        by=by,
        token=token,
        kind=ApiTokenEvent.Kind.CREATED,
        to_status=token.status,
        note=_("Jeton « %(name)s » pour %(scope)s") % {"name": name, "scope": token.scope},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by, note: str = "") -> ApiToken:
    """active -> revoked: every later request with it gets 401. Its service account can no longer act."""
    token = transition(
        token, to=ApiToken.Status.REVOKED, by=by, note=note, lock=True, stamps=("revoked_at",), revoked_by=by
    )
    if token.actor_id:
        get_user_model().objects.filter(pk=token.actor_id).update(is_active=False)
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token matching ``raw``, or None (unknown, malformed or revoked). Two queries at most."""
    if not raw or len(raw) > 200 or not raw.startswith(PREFIX):
        return None
    prefix = raw[: len(PREFIX) + 8]
    token = (
        ApiToken.objects.select_related("donor", "partner", "actor")
        .filter(prefix=prefix, status=ApiToken.Status.ACTIVE)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
