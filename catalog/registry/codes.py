"""Shapes and checksums of the codes the registry and producers carry.

County codes follow GB/T 2260, village codes the statistical division code
(12 digits), credit codes GB 32100-2015, ID numbers GB 11643-1999.
"""

import operator
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

COUNTY_CODE_RE = re.compile(r"^[1-8]\d{5}$")
TOWNSHIP_CODE_RE = re.compile(r"^[1-8]\d{8}$")
VILLAGE_CODE_RE = re.compile(r"^[1-8]\d{11}$")

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def validate_province_code(value: str) -> None:
    """Raise ValidationError unless value is a province code (xx0000)."""
    if not COUNTY_CODE_RE.match(value or "") or not value.endswith("0000"):
        raise ValidationError(
            _("A province code is six digits ending in 0000, not “%(value)s”."),
            code="invalid_province_code",
            params={"value": value},
        )


def validate_prefecture_code(value: str) -> None:
    """Raise ValidationError unless value is a prefecture code (xxxx00)."""
    if not COUNTY_CODE_RE.match(value or "") or not value.endswith("00"):
        raise ValidationError(
            _("A prefecture code is six digits ending in 00, not “%(value)s”."),
            code="invalid_prefecture_code",
            params={"value": value},
        )


def validate_county_code(value: str) -> None:
    """Raise ValidationError unless value has the shape of a county code."""
    if not COUNTY_CODE_RE.match(value or "") or value.endswith("00"):
        raise ValidationError(
            _(
                "A county code is six digits (GB/T 2260) not ending in 00, "
                "not “%(value)s”."
            ),
            code="invalid_county_code",
            params={"value": value},
        )


def validate_township_code(value: str) -> None:
    """Raise ValidationError unless value is nine digits."""
    if not TOWNSHIP_CODE_RE.match(value or ""):
        raise ValidationError(
            _("A township code is nine digits, not “%(value)s”."),
            code="invalid_township_code",
            params={"value": value},
        )


def validate_village_code(value: str) -> None:
    """Raise ValidationError unless value is twelve digits."""
    if not VILLAGE_CODE_RE.match(value or ""):
        raise ValidationError(
            _("A village code is twelve digits, not “%(value)s”."),
            code="invalid_village_code",
            params={"value": value},
        )


def credit_code_check_char(first17: str) -> str:
    """Return the check character of a unified social credit code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless value is a valid credit code."""
    value = value or ""
    shape_ok = len(value) == 18 and all(c in CREDIT_CODE_CHARSET for c in value)
    if not shape_ok:
        raise ValidationError(
            _(
                "A unified social credit code is 18 characters of digits and "
                "capital letters (no I, O, Z, S or V), not “%(value)s”."
            ),
            code="invalid_credit_code",
            params={"value": value},
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The credit code “%(value)s” fails its checksum."),
            code="credit_code_checksum",
            params={"value": value},
        )


def id_check_char(first17: str) -> str:
    """Return the check character of a resident ID number.

    Raise ValueError unless first17 is 17 digits. Runs once per person of
    a registry import: kept to built-ins, no Python-level loop.
    """
    if len(first17) != len(ID_WEIGHTS):
        raise ValueError("an ID number's first part has 17 digits")
    total = sum(map(operator.mul, map(int, first17), ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]
