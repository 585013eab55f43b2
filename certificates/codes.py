"""Verification codes printed on certificates: easy to read aloud, to copy from paper and to type.

New codes use Crockford's base32 alphabet (digits and capitals without I, L, O and U, so that no
character can be taken for another), 12 characters (60 bits of randomness) shown in three groups of
four: ``K7QD-9M2X-4T8P``. What people type is normalised before the lookup: case, spaces and dashes
do not matter, and the letters Crockford maps are read as the digits they look like (O as 0, I and L
as 1). Codes printed before (``secrets.token_urlsafe``, case-sensitive) are still looked up as typed.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP = 4
GROUPS = 3
LENGTH = GROUP * GROUPS  # 12 characters of 5 bits: 60 bits
BITS = LENGTH * 5

# Crockford's decoding: the letters people write for digits.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
_CANONICAL = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def group(raw: str) -> str:
    """``K7QD9M2X4T8P`` -> ``K7QD-9M2X-4T8P``."""
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def new_code() -> str:
    """A fresh random code, grouped: ``K7QD-9M2X-4T8P``."""
    return group("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalise(typed: str) -> str | None:
    """The grouped form of a typed new-format code, or None when it cannot be one (then try it as typed)."""
    if not typed or len(typed) > 64:
        return None
    compact = _SEPARATORS.sub("", typed).upper().translate(_READ_AS)
    if not _CANONICAL.match(compact):
        return None
    return group(compact)
