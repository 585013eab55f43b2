"""API tokens in the admin: issued (the secret shown once) and revoked by superusers and campaign managers."""

from api.admin.tokens import ApiTokenAdmin

__all__ = ["ApiTokenAdmin"]
