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

from catalog.registry.codes import id_check_char

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


def id_number_hmac(normalised: str) -> str:
    """Return the hex HMAC-SHA256 of a normalised ID number."""
    key = settings.REGISTRY_HMAC_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def mask_id_number(normalised: str) -> str:
    """Return the first six and last four characters with asterisks between."""
    return normalised[:6] + "*" * 8 + normalised[-4:]


def mask_name(name: str) -> str:
    """Return the first character of name and one asterisk per other one."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
