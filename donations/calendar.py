"""A handover appointment as an iCalendar file (RFC 5545), written by hand: one VEVENT, times in UTC.

RFC 5545 rules kept here: lines end with CRLF (3.1); lines longer than 75 octets are folded with CRLF and
one space, never inside a UTF-8 character (3.1); TEXT values escape backslash, semicolon, comma and new
lines (3.3.11); DTSTAMP and UID are required in a VEVENT (3.6.1); times in UTC end with « Z » (3.3.5), which
spares a VTIMEZONE component. The UID is stable for an allocation, and SEQUENCE grows with each change of
its appointment, so that a calendar replaces the event instead of adding a second one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CRLF = "\r\n"
MIME_TYPE = "text/calendar; charset=utf-8"
_MAX_OCTETS = 75


@dataclass(frozen=True)
class Appointment:
    uid: str
    starts: datetime.datetime  # aware
    ends: datetime.datetime  # aware
    summary: str
    location: str
    description: str
    sequence: int = 0
    url: str = ""


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuation lines start with one space, which counts)."""
    out: list[str] = []
    current, size, limit = "", 0, _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, _MAX_OCTETS
        current += char
        size += width
    out.append(current)
    return CRLF.join(out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def render(appointment: Appointment, *, now: datetime.datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dons d'ordinateurs//Rendez-vous de remise//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.uid}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(appointment.starts)}",
        f"DTEND:{_utc(appointment.ends)}",
        f"SEQUENCE:{appointment.sequence}",
        f"SUMMARY:{escape_text(appointment.summary)}",
    ]
    if appointment.location:
        lines.append(f"LOCATION:{escape_text(appointment.location)}")
    lines.append(f"DESCRIPTION:{escape_text(appointment.description)}")
    if appointment.url:
        lines.append(f"URL:{appointment.url}")
    lines += [
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{escape_text(appointment.summary)}",
        "TRIGGER:-P1D",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return (CRLF.join(fold(line) for line in lines) + CRLF).encode("utf-8")


def allocation_appointment(allocation, *, sequence: int = 0) -> Appointment:
    """The appointment of an allocation (its wave and association loaded), in the active language."""
    zone = ZoneInfo(settings.TIME_ZONE)
    starts = datetime.datetime.combine(allocation.appointment_date, allocation.appointment_start, tzinfo=zone)
    ends = datetime.datetime.combine(allocation.appointment_date, allocation.appointment_end, tzinfo=zone)
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    summary = _("Remise des ordinateurs – %(campaign)s") % {"campaign": allocation.wave.campaign.name}
    names = {
        "association": allocation.application.association.legal_name,
        "n": allocation.quantity,
        "wave": allocation.wave,
    }
    description = (
        ngettext(
            "%(association)s vient chercher %(n)s ordinateur (%(wave)s).",
            "%(association)s vient chercher %(n)s ordinateurs (%(wave)s).",
            allocation.quantity,
        )
        % names
        + "\n"
        + _("Venez avec une pièce d'identité : vous signerez l'attestation de remise.")
    )
    return Appointment(
        uid=f"remise-{allocation.pk}@{host}",
        starts=starts,
        ends=ends,
        summary=summary,
        location=allocation.appointment_place,
        description=description,
        sequence=sequence,
        url=settings.SITE_URL + allocation.application.get_absolute_url(),
    )


def filename(allocation) -> str:
    return f"rendez-vous-remise-{allocation.appointment_date:%Y-%m-%d}.ics"
