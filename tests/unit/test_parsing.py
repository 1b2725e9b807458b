"""decimal_number: a rate from the environment is ASCII digits with one optional point."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.core.parsing import decimal_number

NOT_DECIMALS = [
    "",
    ".5",
    "5.",
    "1.2.3",
    "+1",
    "-1",
    " 1",
    "1 ",
    "1\n",
    "1_0",
    "1e3",
    "nan",
    "inf",
    "١",
    "１",
    "1" * 13,
]


@pytest.mark.parametrize("text", NOT_DECIMALS)
def test_only_ascii_digits_and_one_point_are_a_decimal(text):
    assert decimal_number(text) is None


@pytest.mark.parametrize(("text", "value"), [("1", 1.0), ("0.5", 0.5), ("0", 0.0), ("12.25", 12.25)])
def test_decimals_read(text, value):
    assert decimal_number(text) == value


@given(st.integers(0, 10**6), st.integers(0, 10**4))
def test_every_decimal_reads_back(whole, fraction):
    text = f"{whole}.{fraction}"
    assert decimal_number(text) == float(text)


@settings(max_examples=300)
@given(st.text(max_size=14))
def test_a_decimal_is_exactly_digits_with_at_most_one_inner_point(text):
    whole, _, fraction = text.partition(".")
    digits = set("0123456789")
    readable = (
        0 < len(text) <= 12
        and whole != ""
        and set(whole) <= digits
        and (fraction == "" if "." not in text else fraction != "" and set(fraction) <= digits)
    )
    assert decimal_number(text) == (float(text) if readable else None)
