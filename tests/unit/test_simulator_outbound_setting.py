"""SIMULATOR_OUTBOUND, read strictly: every value of its grammar gives back the
numbers and outcomes written, anything else is a RuntimeError that names the
setting and never the number; the app refuses to start with such a value."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline import create_app
from telephony.simulator import outbound

# Possible numbers in E.164 from every region phonenumbers knows, the way the hotline writes them.
NUMBERS = sorted(
    {
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        for region in phonenumbers.SUPPORTED_REGIONS
        if (example := phonenumbers.example_number(region)) is not None
    }
)
outcomes = st.lists(st.sampled_from(outbound.OUTCOMES), min_size=1, max_size=6).map(tuple)
plans = st.dictionaries(st.sampled_from(NUMBERS), outcomes, max_size=5)


def written(plan: dict[str, tuple[str, ...]]) -> str:
    return ";".join(f"{number}={','.join(said)}" for number, said in plan.items())


@settings(deadline=None)  # phonenumbers loads a region's metadata on first use
@given(plans)
def test_every_value_of_the_grammar_reads_back_as_written(plan):
    assert dict(outbound.parse(written(plan))) == plan


def test_the_examples_read_as_the_setting_says():
    assert dict(outbound.parse("+77015551234=no-answer,busy,answer;+77015550000=machine")) == {
        "+77015551234": ("no-answer", "busy", "answer"),
        "+77015550000": ("machine",),
    }
    assert dict(outbound.parse("")) == {}


MALFORMED = [
    " ",
    ";",
    "+77015551234",
    "+77015551234=",
    "+77015551234=answer;",
    ";+77015551234=answer",
    "+77015551234=answer,",
    "+77015551234=Answer",
    "+77015551234=answered",
    "+77015551234= answer",
    "+77015551234=answer ",
    " +77015551234=answer",
    "+77015551234=answer\n",
    "77015551234=answer",
    "87015551234=answer",
    "+7 701 555 12 34=answer",
    "+7701555123٤=answer",  # an Arabic-Indic digit
    "+７７０１５５５１２３４=answer",  # full-width digits
    "+77015551234=answer,,busy",
    "+77015551234:answer",
    "+77015551234=answer;+77015551234=busy",  # the same number twice
    "+1=answer",  # no possible number
    "+7701555123456789=answer",  # too long
    "+266696687=answer",  # what Twilio sends for a withheld number
]


@pytest.mark.parametrize("text", MALFORMED)
def test_a_malformed_value_is_refused_naming_the_setting_not_the_number(text):
    with pytest.raises(RuntimeError) as refused:
        outbound.parse(text)
    message = str(refused.value)
    assert message.startswith("SIMULATOR_OUTBOUND: entry ")
    assert "5551234" not in message and "555123" not in message


@settings(deadline=None)  # phonenumbers loads a region's metadata on first use
@given(plans, st.integers(min_value=0, max_value=200), st.text(min_size=1, max_size=4))
def test_any_text_inserted_into_a_value_is_read_or_refused_and_never_repeats_a_number(plan, at, extra):
    text = written(plan)
    text = text[: at % (len(text) + 1)] + extra + text[at % (len(text) + 1) :]
    try:
        read = outbound.parse(text)
    except RuntimeError as refused:
        message = str(refused)
        assert message.startswith("SIMULATOR_OUTBOUND: entry ")
        assert not any(number[1:] in message for number in (*plan, *NUMBERS[:3]))
        return
    assert written(dict(read)) == text, "what was read is exactly what was written"


@settings(deadline=None)  # phonenumbers loads a region's metadata on first use
@given(st.text(max_size=40))
def test_any_text_at_all_is_read_or_refused_with_a_runtime_error(text):
    try:
        read = outbound.parse(text)
    except RuntimeError as refused:
        assert str(refused).startswith("SIMULATOR_OUTBOUND: entry ")
    else:
        assert written(dict(read)) == text


@pytest.mark.parametrize(
    ("outcome", "detection", "answered_by"),
    [
        ("answer", "", ""),
        ("machine", "", ""),
        ("answer", "Enable", "human"),
        ("machine", "Enable", "machine_start"),
        ("answer", "DetectMessageEnd", "human"),
        ("machine", "DetectMessageEnd", "machine_end_beep"),
    ],
)
def test_answered_by_is_what_twilio_sends_for_each_detection(outcome, detection, answered_by):
    assert outbound.answered_by(outcome, detection) == answered_by


def test_the_app_does_not_start_with_a_malformed_value(redis_url):
    with pytest.raises(RuntimeError, match=r"^SIMULATOR_OUTBOUND: entry 1 ") as refused:
        create_app({"REDIS_URL": redis_url, "SIMULATOR_OUTBOUND": "+77015551234=maybe"})
    assert "5551234" not in str(refused.value)


@pytest.mark.parametrize("name", ["SIMULATOR_RING_SECONDS", "SIMULATOR_TALK_SECONDS"])
def test_the_app_does_not_start_with_seconds_out_of_range(redis_url, name):
    with pytest.raises(RuntimeError, match=f"^{name} must be"):
        create_app({"REDIS_URL": redis_url, name: -1.0})
