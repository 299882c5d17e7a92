"""Checksums, shapes and masks of the codes the registry and producers carry.

The expected check characters are the worked examples published with the
standards: 91350100M000100Y43 (GB 32100) and 11010519491231002X (GB 11643).
"""

import datetime
import hashlib
import hmac

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from catalog.registry import codes
from catalog.registry.identity import (
    InvalidIdNumber,
    id_number_hmac,
    mask_id_number,
    mask_name,
    normalise_id_number,
    quick_id_number,
)
from catalog.registry.importer import mask_raw_id


@pytest.fixture(autouse=True)
def _english():
    """Check messages against their English source text."""
    with translation.override("en"):
        yield


def test_credit_code_check_char_of_the_standard_example():
    assert codes.credit_code_check_char("91350100M000100Y4") == "3"


def test_valid_credit_code_passes():
    codes.validate_credit_code("91350100M000100Y43")


def test_credit_code_with_wrong_check_char_fails_its_checksum():
    with pytest.raises(ValidationError) as raised:
        codes.validate_credit_code("91350100M000100Y44")

    assert raised.value.code == "credit_code_checksum"


@pytest.mark.parametrize(
    "value", ["91350100M000100I43", "91350100m000100Y43", "91350100M000100Y4", ""]
)
def test_credit_code_of_the_wrong_shape_is_invalid(value):
    with pytest.raises(ValidationError) as raised:
        codes.validate_credit_code(value)

    assert raised.value.code == "invalid_credit_code"


def test_id_check_char_of_the_standard_example():
    assert codes.id_check_char("11010519491231002") == "X"


def test_normalise_id_number_upper_cases_and_strips():
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11010519491231002Y", "ID number must be 17 digits and a digit or X"),
        ("1101051949123100", "ID number must be 17 digits and a digit or X"),
        ("110105194902300021", "ID number holds an impossible birth date"),
        ("110105194912310021", "ID number fails its checksum"),
    ],
)
def test_bad_id_number_is_refused_without_repeating_it(value, message):
    with pytest.raises(InvalidIdNumber) as raised:
        normalise_id_number(value)

    assert str(raised.value) == message


# GB 11643's weights, as the standard lists them, and its check characters.
STANDARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
STANDARD_CHECKS = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]


def standard_valid(value: str) -> bool:
    total = 0
    for digit, weight in zip(value[:17], STANDARD_WEIGHTS, strict=True):
        total += int(digit) * weight
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return STANDARD_CHECKS[total % 11] == value[17]


BIRTHS = st.dates(datetime.date(1900, 1, 1), datetime.date(2025, 12, 31)).map(
    lambda day: day.strftime("%Y%m%d")
)


@given(
    place=st.text("0123456789", min_size=6, max_size=6),
    birth=st.one_of(BIRTHS, st.text("0123456789", min_size=8, max_size=8)),
    serial=st.text("0123456789", min_size=3, max_size=3),
    check=st.one_of(st.none(), st.sampled_from("0123456789X")),
)
def test_the_quick_id_check_agrees_with_the_standard(place, birth, serial, check):
    # None stands for the right check character, so that valid numbers are
    # among the examples and not one in eleven.
    first = place + birth + serial
    if check is None:
        weighted = sum(int(d) * w for d, w in zip(first, STANDARD_WEIGHTS, strict=True))
        check = STANDARD_CHECKS[weighted % 11]
    value = first + check

    assert quick_id_number(value) == (value if standard_valid(value) else None)


@pytest.mark.parametrize(
    "value", ["11010519491231002x", " 11010519491231002X", "１１010519491231002X"]
)
def test_the_quick_id_check_leaves_unusual_forms_to_the_full_one(value):
    assert quick_id_number(value) is None


def test_id_number_hmac_is_keyed_sha256(settings):
    settings.REGISTRY_HMAC_KEY = "k"

    digest = id_number_hmac("11010519491231002X")

    assert digest == hmac.new(b"k", b"11010519491231002X", hashlib.sha256).hexdigest()


def test_mask_id_number_keeps_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110105194912310021", "110105********0021"),
        ("1101051949123", "110105***9123"),
        ("1101051949", "**********"),
        ("", ""),
    ],
)
def test_mask_raw_id_never_shows_a_whole_number(raw, masked):
    assert mask_raw_id(raw) == masked


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张**"), ("李梅", "李*"), ("王", "王*"), ("", "")]
)
def test_mask_name_keeps_the_surname(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (codes.validate_province_code, "520000"),
        (codes.validate_prefecture_code, "522600"),
        (codes.validate_county_code, "522636"),
        (codes.validate_township_code, "522636100"),
        (codes.validate_village_code, "522636100201"),
    ],
)
def test_division_codes_of_the_right_shape_pass(validator, value):
    validator(value)


@pytest.mark.parametrize(
    ("validator", "value", "code"),
    [
        (codes.validate_province_code, "522600", "invalid_province_code"),
        (codes.validate_prefecture_code, "522636", "invalid_prefecture_code"),
        (codes.validate_county_code, "522600", "invalid_county_code"),
        (codes.validate_county_code, "52263", "invalid_county_code"),
        (codes.validate_county_code, "922636", "invalid_county_code"),
        (codes.validate_township_code, "52263610", "invalid_township_code"),
        (codes.validate_village_code, "52263610020", "invalid_village_code"),
        (codes.validate_village_code, "52263610020A", "invalid_village_code"),
    ],
)
def test_division_codes_of_the_wrong_shape_fail(validator, value, code):
    with pytest.raises(ValidationError) as raised:
        validator(value)

    assert raised.value.code == code
