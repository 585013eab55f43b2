"""``Authorization: Bearer <token>``: the token of a donor or a stock partner (see ``api.models.ApiToken``).

No header: an anonymous request (the public endpoints). A header with an unknown, malformed or revoked
token: 401, whatever the endpoint, so that a client never mistakes a dead token for the public view.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import services

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode("latin-1").lower() not in KEYWORDS:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization attendu sous la forme « Bearer <jeton> »."))
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization attendu sous la forme « Bearer <jeton> »."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Jeton inconnu ou révoqué."))
        token = services.api_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton inconnu ou révoqué."))
        return (token.actor or AnonymousUser(), token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "Jeton d'un donateur ou d'un partenaire de reconditionnement, créé par l'équipe dans "
                    "l'administration : « Authorization: Bearer dpc_… »."
                )
            ),
        }
