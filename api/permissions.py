from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from api.models import ApiToken


class _TokenOfKind(BasePermission):
    kind: str = ""
    message = ""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(_("Jeton requis : « Authorization: Bearer <jeton> »."))
        return token.kind == self.kind


class DonorToken(_TokenOfKind):
    kind = ApiToken.Kind.DONOR
    message = _("Ces données sont réservées au jeton d'un donateur.")


class StockPartnerToken(_TokenOfKind):
    kind = ApiToken.Kind.STOCK_PARTNER
    message = _("Ces opérations sont réservées au jeton d'un partenaire de reconditionnement.")
