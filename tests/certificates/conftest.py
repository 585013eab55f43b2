import base64
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Handover
from tests.factories.associations import member_of
from tests.factories.certificates import confirmed_wave, desk_operator


def signature_png(width: int = 400, height: int = 150, *, ink: bool = True) -> bytes:
    """A signature as the pad sends it: a transparent PNG with a dark stroke (or nothing)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 100), (120, 30), (220, 110), (360, 40)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def record_handover(handover, desk, **overrides) -> Handover:
    """The desk records ``handover`` as handed over to Nadia Benali, today, both signatures drawn (the factories'
    appointments are days ahead: the early handover is confirmed)."""
    arguments = {
        "handover": handover,
        "by": desk,
        "handed_over_on": timezone.localdate(),
        "representative_name": "Nadia Benali",
        "association_signature": signature_png(),
        "operator_signature": signature_png(),
        "before_appointment_confirmed": True,
        **overrides,
    }
    return services.handover_record(**arguments)


def record_url(handover) -> str:
    return reverse("admin:certificates_handover_record", args=[handover.pk])


def record_form(**data) -> dict:
    """The desk's record form (admin), filled as the pads send it: handed over today, on screen."""
    return {
        "handed_over_on": timezone.localdate().isoformat(),
        "representative_name": "Nadia Benali",
        "mode": "screen",
        "association_signature": data_url(signature_png()),
        "operator_signature": data_url(signature_png()),
        "confirm_early": "on",
        **data,
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # the verification page's rate limit counts in the cache
    yield
    cache.clear()


@pytest.fixture
def desk(db):
    return desk_operator(email="guichet@example.org", first_name="Denise", last_name="Guichet")


@pytest.fixture
def wave(db):
    """A confirmed wave: one association, 12 reserved units, its certificate pending."""
    return confirmed_wave(1, 12)


@pytest.fixture
def allocation(wave):
    return wave.allocations.select_related("application__association").get()


@pytest.fixture
def handover(allocation):
    return allocation.handover


@pytest.fixture
def association_member(allocation):
    return member_of(allocation.application.association, email="presidente@asso.example.org")


@pytest.fixture
def signed(handover, desk, django_capture_on_commit_callbacks):
    """The certificate rendered, then recorded as handed over with both signatures."""
    services.handover_render(handover_id=handover.pk)
    with django_capture_on_commit_callbacks(execute=True):
        record_handover(handover, desk, notify=False)
    return Handover.objects.get(pk=handover.pk)
