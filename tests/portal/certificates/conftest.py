"""The certificates tests' fixtures (a wave, an allocation, its certificate), for the association's space."""

from tests.certificates.conftest import (  # noqa: F401
    _clear_cache,
    allocation,
    association_member,
    desk,
    handover,
    signed,
    wave,
)
