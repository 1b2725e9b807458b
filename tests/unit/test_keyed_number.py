"""keyed_number: a number keyed in on the keypad is ASCII digits, the whole text,
read in the default region; anything else is refused without repeating it."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotline.core.phones import KEYED_MAX_DIGITS, InvalidNumber, keyed_number, normalise

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
NOT_KEYED = [
    "",
    "1",
    "0",
    "112",
    "266696687",
    "+77015551234",
    "8701555123#",
    " 87015551234",
    "87015551234\n",
    "８７０１５５５１２３４",
    "٨٧٠١٥٥٥١٢٣٤",
    "8-701-555-12-34",
    "8" * (KEYED_MAX_DIGITS + 1),
    "*",
]
# What a refusal may say: never the text itself.
MESSAGES = {
    "not keypad digits",
    "not a phone number",
    "not a possible phone number",
    "not a number to call",
    "not a number in use",
}
ASCII_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=KEYED_MAX_DIGITS)


@pytest.mark.parametrize("digits", NOT_KEYED)
def test_what_is_no_number_to_call_is_refused(digits):
    with pytest.raises(InvalidNumber) as refused:
        keyed_number(digits, "KZ")
    assert str(refused.value) in MESSAGES


@given(
    national=st.text(alphabet="0123456789", min_size=7, max_size=7),
    operator=st.sampled_from(["701", "747", "777"]),
)
def test_a_national_number_keyed_with_or_without_its_prefix_is_one_number(national, operator):
    number = f"+7{operator}{national}"
    assert keyed_number(f"8{operator}{national}", "KZ") == number
    assert keyed_number(f"7{operator}{national}", "KZ") == number
    assert keyed_number(f"{operator}{national}", "KZ") == number


@settings(max_examples=300)
@given(
    text=st.one_of(ASCII_DIGITS, st.text(max_size=KEYED_MAX_DIGITS + 4)),
    region=st.sampled_from(["KZ", "RU", "GB"]),
)
@example(text="810447911123456", region="KZ")
def test_any_text_is_a_number_in_e164_or_refused_without_repeating_it(text, region):
    try:
        number = keyed_number(text, region)
    except InvalidNumber as refused:
        assert str(refused) in MESSAGES
        return
    assert re.fullmatch(f"[0-9]{{1,{KEYED_MAX_DIGITS}}}", text)
    assert E164.fullmatch(number)
    assert number == normalise(text, region)
    assert phonenumbers.is_valid_number(phonenumbers.parse(number))


def test_a_number_of_a_possible_length_that_no_plan_assigns_is_refused():
    # +7 799 is no Kazakh or Russian range; +1 555 01xx is fiction's.
    for digits, region in [("87991234567", "KZ"), ("0015555550100", "GB")]:
        with pytest.raises(InvalidNumber, match="not a number in use"):
            keyed_number(digits, region)
