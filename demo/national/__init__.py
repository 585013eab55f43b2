"""A national-scale dataset, for benchmarks and the load test (``manage.py seed_national``).

Three organisers (Ville de Marseille, Métropole de Lyon, Métropole européenne de Lille), each with its campaign,
its team and its refurbisher, 20 donors pledging across them, each with a person who sees its donor space,
10,500 units in the donors' lots (wiped before they are ready: the wipe gate's constraint and triggers hold), 330
associations with one member each, applications in every status (mostly approved), three waves per
campaign (the first closed and handed over, the second being handed over, the third being planned),
the allocations and their units, the handover certificates (most signed) and the impact reports.

Everything is written with bulk inserts and a few set-based updates: a few hundred queries whatever
the scale, well under a minute on PostgreSQL. The rows are those the services would have written
(history included), with two shortcuts, both legitimate states of the application:

- the certificates' PDFs are not rendered (300 renders take minutes): every certificate is « pending »,
  the state of a certificate whose render is queued; ``render_pdfs`` renders some of them in-process.
  The periodic sweep of a running Celery beat would queue them again, as it does for lost renders;
- every account shares one password hash (hashing 340 passwords would take minutes).

Accounts (password ``PASSWORD``): ``admin@national.test`` (superuser), ``reviewer@``, ``stock@``,
``manager@``, ``desk@`` (one staff role each, for the three organisers: the load test reads every city), each
organiser's team ``reviewer-lyon@``, ``stock-lyon@``, ``manager-lyon@``, ``desk-lyon@`` (and ``-marseille``,
``-lille``: their organiser only), ``coordinator@`` (reads everything), ``donateur-01@`` ... ``donateur-20@``
(the donor space of each company) and ``asso-0001@national.test`` ... one member per association.
Verification codes are derived from the certificate number (``verification_code``), so
that a load test can compute them.
"""

from demo.national.builder import build
from demo.national.data import (
    ASSOCIATIONS_PER_CITY,
    CITIES,
    COORDINATOR,
    DOMAIN,
    DONOR_NAMES,
    LOT_PREFIX,
    MIN_ASSOCIATIONS_PER_CITY,
    PARTNER_NAMES,
    PASSWORD,
    SLUGS,
    TEAM,
    UNITS,
    Sizes,
    Summary,
    donor_email,
    member_email,
    sizes,
    team_email,
    verification_code,
)
from demo.national.dataset import counts, exists, render_pdfs, reset

__all__ = [
    "ASSOCIATIONS_PER_CITY",
    "CITIES",
    "COORDINATOR",
    "DOMAIN",
    "DONOR_NAMES",
    "LOT_PREFIX",
    "MIN_ASSOCIATIONS_PER_CITY",
    "PARTNER_NAMES",
    "PASSWORD",
    "SLUGS",
    "TEAM",
    "UNITS",
    "Sizes",
    "Summary",
    "build",
    "counts",
    "donor_email",
    "exists",
    "member_email",
    "render_pdfs",
    "reset",
    "sizes",
    "team_email",
    "verification_code",
]
