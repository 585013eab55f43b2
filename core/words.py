"""French typography in plain words, and its English counterpart: dates, « de » + a name, durations, times.

Pure functions of the active language (Django's translation), so that a page, an email rendered in its
recipient's language and a test with a fixed date all read the same. English is never affected by the French
rules: « 1er », « du », « des », « d' » exist only when the active language is French.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils import dateformat, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

NBSP = "\u00a0"


def is_french() -> bool:
    return (get_language() or "fr").split("-")[0] == "fr"


def _parse_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        # An aware moment is shown in the day of the portal's time zone (23:30 UTC is already tomorrow in Paris).
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def date_words(value, fmt: str = "j F Y") -> str:
    """A date in Django's ``date`` format, with the French ordinal of the first day: « 1er février 2027 ».

    ``value``: a date, a datetime (shown in its day in the portal's time zone) or an ISO string (emails keep
    dates as text); a string that is not a date is returned as is (an older email's « 01/02/2027 »).
    """
    day = _parse_date(value)
    if day is None:
        return "" if value is None else str(value)
    if is_french() and day.day == 1:
        # Django's date format: a backslash escapes a letter (« e » and « r » would be format characters).
        fmt = re.sub(r"(?<!\\)j", r"j\\e\\r", fmt)
    return dateformat.format(day, fmt)


_VOWELS = set("aeiouyâàäéèêëîïôöûùüœæ")


def _starts_with_vowel(name: str) -> bool:
    first = name[:1].lower()
    return bool(first) and (first in _VOWELS or unicodedata.normalize("NFD", first)[0] in _VOWELS)


def _article(name: str) -> tuple[str, str]:
    """The name's leading article (« le », « la », « les », « l' ») and the rest, or ("", name)."""
    match = re.match(r"^(les|le|la)\s+(.+)$", name, re.IGNORECASE) or re.match(r"^(l)['’](.+)$", name, re.IGNORECASE)
    if not match:
        return "", name
    return match.group(1).lower(), match.group(2)


# A preposition before a name's article, contracted in French: the article found (or "" for none) → the words.
_OF = {"les": "des {rest}", "le": "du {rest}", "la": "de la {rest}", "l": "de l'{rest}", "": "de {name}"}
_TO = {"les": "aux {rest}", "le": "au {rest}", "la": "à la {rest}", "l": "à l'{rest}", "": "à {name}"}


def _contracted(name, forms: dict[str, str], elided: str = "") -> str:
    name = str(name or "").strip()
    if not is_french() or not name:
        return name
    article, rest = _article(name)
    if not article and elided and _starts_with_vowel(name):
        return elided.format(name=name)
    return forms[article].format(rest=rest, name=name)


def of_name(name: str) -> str:
    """« de » + a name, contracted in French: « des Claviers… », « du Club… », « de la Maison… », « d'Emmaüs »,
    « de l'Atelier… ». In English, the name as it is (the English sentence says « of » itself)."""
    return _contracted(name, _OF, elided="d'{name}")


def to_name(name: str) -> str:
    """« à » + a name, contracted in French: « aux Claviers… », « au Club… », « à la Maison… », « à l'Atelier… »."""
    return _contracted(name, _TO)


def duration_words(days: int) -> str:
    """A number of days as people say it: « 3 ans », « 6 mois », « 2 semaines », « 10 jours »."""
    days = int(days)
    if days >= 365 and days % 365 == 0:
        n = days // 365
        return ngettext("%(n)s an", "%(n)s ans", n) % {"n": n}
    if days >= 30 and days % 30 == 0:
        n = days // 30
        return ngettext("%(n)s mois", "%(n)s mois", n) % {"n": n}
    if days >= 7 and days % 7 == 0:
        n = days // 7
        return ngettext("%(n)s semaine", "%(n)s semaines", n) % {"n": n}
    return ngettext("%(n)s jour", "%(n)s jours", days) % {"n": days}


def time_words(value) -> str:
    """A time of day: « 9 h », « 9 h 30 » in French (non-breaking spaces); « 9:00 », « 9:30 » in English."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.time.fromisoformat(value)
        except ValueError:
            return value
    if value.minute == 0:
        text = _("%(h)s h") % {"h": value.hour}
    else:
        text = _("%(h)s h %(m)02d") % {"h": value.hour, "m": value.minute}
    return text.replace(" ", NBSP)  # « 10 h 30 » never split over two lines


def period_words(start, end) -> str:
    """« du 1er janvier au 31 mars 2026 » (the year once when both days are in the same year)."""
    first, last = _parse_date(start), _parse_date(end)
    if first is None or last is None:
        return ""
    return _("du %(start)s au %(end)s") % {
        "start": date_words(first, "j F" if first.year == last.year else "j F Y"),
        "end": date_words(last, "j F Y"),
    }
