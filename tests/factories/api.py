"""API tokens (api app): issued through the service, returned with their secret."""

from __future__ import annotations

from dataclasses import dataclass

from api import services
from api.models import ApiToken
from tests.factories.accounts import StaffFactory
from tests.factories.campaigns import DonorFactory
from tests.factories.inventory import StockPartnerFactory


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str

    @property
    def headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}


def donor_token(donor=None, *, name: str = "ERP du donateur") -> IssuedToken:
    token, secret = services.api_token_create(by=StaffFactory(), name=name, donor=donor or DonorFactory())
    return IssuedToken(token, secret)


def partner_token(partner=None, *, name: str = "Logiciel de l'atelier") -> IssuedToken:
    token, secret = services.api_token_create(by=StaffFactory(), name=name, partner=partner or StockPartnerFactory())
    return IssuedToken(token, secret)
