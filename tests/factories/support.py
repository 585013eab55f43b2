"""Signed handovers whose units an association may report faulty (support app)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from tests.factories.associations import member_of
from tests.factories.certificates import confirmed_wave, desk_operator


def png_bytes(width: int = 40, height: int = 30, color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(width: int = 40, height: int = 30) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def photo_upload(name: str = "ecran.png", content: bytes | None = None, content_type: str = "image/png"):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type=content_type)


def _signature_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 150), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 100), (120, 30), (220, 110), (360, 40)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class HandedOver:
    handover: object
    allocation: object
    association: object
    campaign: object
    member: User
    computers: list


def handed_over(units: int = 10, *, handed_over_on: datetime.date, campaign=None, member_email: str | None = None):
    """A wave of one association, handed over and signed on ``handed_over_on`` (its certificate not rendered),
    with one member. Call it with the clock at or after ``handed_over_on``."""
    from certificates.models import Handover
    from certificates.services import handover_record
    from inventory.models import Computer

    wave = confirmed_wave(1, units, campaign=campaign)
    handover = Handover.objects.select_related("allocation__application__association", "wave__campaign").get(wave=wave)
    handover_record(
        handover=handover,
        by=desk_operator(),
        handed_over_on=handed_over_on,
        representative_name="Nadia Benali",
        association_signature=_signature_png(),
        operator_signature=_signature_png(),
        before_appointment_confirmed=True,
        notify=False,
    )
    handover.refresh_from_db()
    association = handover.allocation.application.association
    member = member_of(association, **({"email": member_email} if member_email else {}))
    computers = list(
        Computer.objects.filter(allocation_links__allocation=handover.allocation, allocation_links__released_at=None)
        .order_by("asset_tag")
        .distinct()
    )
    return HandedOver(handover, handover.allocation, association, handover.wave.campaign, member, computers)


def clock_and_handover(now: datetime.datetime, handed_over_on: datetime.date):
    """The ``clock`` and ``given`` fixtures of the support and receipts tests: time stands at ``now`` (``clock``
    moves it), and an association's 10 units were handed over and signed on ``handed_over_on``, one of its
    members among them. Use as ``clock, given = clock_and_handover(NOW, HANDED_OVER_ON)``."""
    import pytest
    import time_machine

    @pytest.fixture
    def clock():
        with time_machine.travel(now, tick=False) as traveller:
            yield traveller

    @pytest.fixture
    def given(clock):
        return handed_over(10, handed_over_on=handed_over_on)

    return clock, given
