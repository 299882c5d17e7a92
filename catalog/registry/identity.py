"""What the mall keeps of a person's ID number and name: never the number.

An ID number is checked, then reduced to a keyed HMAC (for matching the same
person across imports) and a masked form (first six, asterisks, last four).
Names are masked to the surname and one asterisk per further character.
"""

import datetime
import hashlib
import hmac
import re

from django.conf import settings
from django.utils.translation import gettext as _

from catalog.registry.codes import ID_CHECK_CHARS, id_check_char

ID_RE = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """An ID number of the wrong length, date or checksum."""


def normalise_id_number(raw: str) -> str:
    """Return the 18-character upper-case form of raw.

    Raise InvalidIdNumber when the length, birth date or checksum is wrong;
    the message never repeats the number.
    """
    value = (raw or "").strip().upper().replace(" ", "")
    if not ID_RE.match(value):
        raise InvalidIdNumber(_("ID number must be 17 digits and a digit or X"))
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(_("ID number holds an impossible birth date")) from None
    if id_check_char(value[:17]) != value[17]:
        raise InvalidIdNumber(_("ID number fails its checksum"))
    return value


# 13 leaves the same remainder as 2 when divided by 11, and the weights of
# the ID checksum are 2**17 ... 2**1 modulo 11 (7, 9, ... 2): so twice the
# 17 digits read as a number in base 13 has the weighted sum's remainder,
# computed by int() in C instead of a Python loop per digit.
CHECKSUM_BASE = 13
# Birth dates already seen; a file repeats a few tens of thousands of them.
_BIRTH_DATES: dict[str, bool] = {}
_BIRTH_DATES_KEPT = 100_000


def quick_id_number(raw: str) -> str | None:
    """Return raw if it is already a valid normalised ID number, else None.

    The common case of an import, a million times: a None says nothing
    about the number, normalise_id_number then says what is wrong with it.
    """
    if len(raw) != 18 or not raw.isascii():
        return None
    first = raw[:17]
    if not first.isdigit():
        return None
    if ID_CHECK_CHARS[2 * int(first, CHECKSUM_BASE) % 11] != raw[17]:
        return None
    known = _BIRTH_DATES.get(raw[6:14])
    if known is None:
        known = _possible_birth(raw[6:14])
    return raw if known else None


def _possible_birth(digits: str) -> bool:
    known = _BIRTH_DATES.get(digits)
    if known is None:
        try:
            datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            known = True
        except ValueError:
            known = False
        if len(_BIRTH_DATES) >= _BIRTH_DATES_KEPT:
            _BIRTH_DATES.clear()
        _BIRTH_DATES[digits] = known
    return known


def id_number_hmac(normalised: str, key: bytes | None = None) -> str:
    """Return the hex HMAC-SHA256 of a normalised ID number.

    key defaults to REGISTRY_HMAC_KEY; an import passes it, read once.
    """
    if key is None:
        key = settings.REGISTRY_HMAC_KEY.encode()
    return hmac.digest(key, normalised.encode(), hashlib.sha256).hex()


def mask_id_number(normalised: str) -> str:
    """Return the first six and last four characters with asterisks between."""
    return normalised[:6] + "*" * 8 + normalised[-4:]


def mask_name(name: str) -> str:
    """Return the first character of name and one asterisk per other one."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
