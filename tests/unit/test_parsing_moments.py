"""calendar_date and aware_moment: a day and a moment from outside, in ASCII,
read whole; a moment only with its offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.core.parsing import aware_moment, calendar_date

NOT_DAYS = [
    "",
    "2026-1-01",
    "2026-02-30",
    "20260101",
    "2026-01-01 ",
    " 2026-01-01",
    "2026-01-01\n",
    "٢٠٢٦-01-01",
]
NOT_MOMENTS = [
    "",
    "2026-01-01",
    "2026-01-01T10:00",  # naive
    "2026-01-01T10:00:00",
    "2026-01-01 10:00:00+05:00",
    "2026-01-01t10:00z",
    "20260101T100000+0500",
    "2026-01-01T10:00:00+05:00\n",
    "2026-01-01T10:00:00+24:00",
    "2026-01-01T24:00:00Z",
    "0001-01-01T00:00:00+05:00",  # before UTC's first moment
    "٢٠٢٦-01-01T10:00:00Z",
    "2026-01-01T10:00:00.1234567Z",
    "tomorrow",
]


@pytest.mark.parametrize("text", NOT_DAYS)
def test_only_a_whole_ascii_day_is_a_day(text):
    assert calendar_date(text) is None


@pytest.mark.parametrize("text", NOT_MOMENTS)
def test_only_a_whole_ascii_moment_with_its_offset_is_a_moment(text):
    assert aware_moment(text) is None


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-03-01T18:30:00+05:00", datetime(2026, 3, 1, 13, 30, tzinfo=UTC)),
        ("2026-03-01T18:30Z", datetime(2026, 3, 1, 18, 30, tzinfo=UTC)),
        ("2026-03-01T18:30:00.250-03:30", datetime(2026, 3, 1, 22, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_moments_read_in_utc(text, moment):
    assert aware_moment(text) == moment
    assert aware_moment(text).utcoffset() == timedelta(0)


@given(st.dates())
def test_every_day_reads_back(day):
    assert calendar_date(day.isoformat()) == day


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9000, 1, 1)),
    st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
)
def test_every_moment_with_an_offset_reads_back(naive, offset):
    moment = naive.replace(tzinfo=offset)
    assert aware_moment(moment.isoformat()) == moment


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_text_is_a_moment_in_utc_or_none(text):
    moment = aware_moment(text)
    if moment is not None:
        assert text.isascii() and moment.tzinfo is UTC
        assert moment == datetime.fromisoformat(text)
    day = calendar_date(text)
    if day is not None:
        assert text.isascii() and day == date.fromisoformat(text)
