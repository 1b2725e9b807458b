"""The callbacks' time policy (hotline/callbacks/policy.py): exact boundaries in the
hotline's zone, daylight saving in Europe/London, the preferred window's parser,
retries, what the person is told, the settings; and properties over random hours,
zones with clock changes and moments near them. No clock is read: every moment is passed in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import config
from hotline.callbacks.policy import (
    WINDOW_MAX_CHARS,
    CallbackPolicy,
    Expectation,
    ExpectationKind,
    InvalidPolicy,
    InvalidWindow,
    Window,
    due_after_failure,
    due_within,
    expectation,
    next_opening,
    parse_window,
    window_fits,
)

ALMATY = "Asia/Almaty"
LONDON = "Europe/London"


def make_policy(
    hours: str = "09:00-20:00", zone: str = ALMATY, attempts=3, gaps="900,7200"
) -> CallbackPolicy:
    return CallbackPolicy.from_config(
        {
            "HOTLINE_CALLBACK_ATTEMPTS": attempts,
            "HOTLINE_CALLBACK_RETRY_SECONDS": gaps,
            "HOTLINE_CALLBACK_HOURS": hours,
            "HOTLINE_TIMEZONE": zone,
        }
    )


def local(text: str, zone: str = ALMATY, fold: int = 0) -> datetime:
    """A local wall time in `zone`, as the UTC moment."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


DEFAULT = make_policy()
# Wednesday 25 November 2026 in Almaty (UTC+5, no daylight saving).
WEDNESDAY = "2026-11-25"


# --- next_opening: exact boundaries ---


def test_a_request_at_19_59_stays_and_at_20_00_moves_to_9_the_next_morning():
    assert next_opening(DEFAULT, local(f"{WEDNESDAY}T19:59")) == local(f"{WEDNESDAY}T19:59")
    last = local(f"{WEDNESDAY}T19:59:59.999999")
    assert next_opening(DEFAULT, last) == last
    assert next_opening(DEFAULT, local(f"{WEDNESDAY}T20:00")) == local("2026-11-26T09:00")


def test_the_opening_itself_is_open_and_a_moment_before_it_is_not():
    assert next_opening(DEFAULT, local(f"{WEDNESDAY}T09:00")) == local(f"{WEDNESDAY}T09:00")
    assert next_opening(DEFAULT, local(f"{WEDNESDAY}T08:59:59.999999")) == local(f"{WEDNESDAY}T09:00")


@pytest.mark.parametrize(
    ("at", "due"),
    [
        (f"{WEDNESDAY}T23:30", "2026-11-26T09:00"),
        (f"{WEDNESDAY}T23:59:59", "2026-11-26T09:00"),
        ("2026-11-26T00:00", "2026-11-26T09:00"),
        ("2026-11-26T00:10", "2026-11-26T09:00"),
        ("2026-12-31T22:00", "2027-01-01T09:00"),  # across the year's end
    ],
)
def test_across_midnight_the_callback_waits_for_the_morning(at, due):
    assert next_opening(DEFAULT, local(at)) == local(due)


def test_a_week_of_closed_days():
    weekly = make_policy("mon 09:00-10:00")
    # Monday 23 November 2026, 10:00: the next opening is the Monday after.
    assert next_opening(weekly, local("2026-11-23T10:00")) == local("2026-11-30T09:00")
    assert next_opening(weekly, local("2026-11-23T09:59")) == local("2026-11-23T09:59")
    assert next_opening(weekly, local("2026-11-29T23:59")) == local("2026-11-30T09:00")


def test_weekday_and_saturday_hours():
    policy = make_policy("mon-fri 09:00-18:00; sat 10:00-14:00")
    assert next_opening(policy, local("2026-11-27T18:00")) == local("2026-11-28T10:00")  # Friday evening
    assert next_opening(policy, local("2026-11-28T14:00")) == local("2026-11-30T09:00")  # Saturday afternoon
    assert next_opening(policy, local("2026-11-29T12:00")) == local("2026-11-30T09:00")  # Sunday


def test_always_is_any_hour():
    policy = make_policy("always")
    assert next_opening(policy, local(f"{WEDNESDAY}T03:00")) == local(f"{WEDNESDAY}T03:00")


def test_moments_come_back_in_utc_from_any_zone():
    moment = datetime(2026, 11, 25, 23, 0, tzinfo=ZoneInfo(ALMATY))
    due = next_opening(DEFAULT, moment)
    assert due.tzinfo is UTC
    assert due == local("2026-11-26T09:00")
    with pytest.raises(ValueError):
        next_opening(DEFAULT, datetime(2026, 11, 25, 12, 0))


# --- Europe/London: the clocks go forward on 29 March 2026 (01:00 GMT -> 02:00 BST) and back
# on 25 October 2026 (02:00 BST -> 01:00 GMT) ---


def test_the_morning_after_the_clocks_go_forward_opens_at_9_summer_time():
    policy = make_policy(zone=LONDON)
    assert next_opening(policy, local("2026-03-28T20:00", LONDON)) == utc("2026-03-29T08:00")
    assert next_opening(policy, local("2026-03-29T19:59", LONDON)) == utc("2026-03-29T18:59")


def test_the_morning_after_the_clocks_go_back_opens_at_9_winter_time():
    policy = make_policy(zone=LONDON)
    assert next_opening(policy, local("2026-10-24T20:00", LONDON)) == utc("2026-10-25T09:00")


def test_a_start_the_clocks_skip_opens_when_they_jump():
    policy = make_policy("01:30-03:00", zone=LONDON)
    # 00:30 GMT; the clocks go from 01:00 straight to 02:00 BST, inside the hours.
    assert next_opening(policy, utc("2026-03-29T00:30")) == utc("2026-03-29T01:00")


def test_a_start_the_clocks_repeat_opens_the_first_time_and_again_the_second():
    policy = make_policy("01:15-01:45", zone=LONDON)
    assert next_opening(policy, utc("2026-10-25T00:00")) == utc("2026-10-25T00:15")  # 01:15 BST
    # 01:50 BST is after the hours; the clocks go back, and 01:15 comes again in GMT.
    assert next_opening(policy, local("2026-10-25T01:50", LONDON)) == local(
        "2026-10-25T01:15", LONDON, fold=1
    )
    assert local("2026-10-25T01:15", LONDON, fold=1) == utc("2026-10-25T01:15")


def test_hours_reopen_when_the_clocks_go_back_into_them():
    policy = make_policy("00:30-01:30", zone=LONDON)
    # 01:45 BST is closed; at 01:00 UTC the clocks read 01:00 GMT, open again.
    assert next_opening(policy, utc("2026-10-25T00:45")) == utc("2026-10-25T01:00")


# --- the preferred window ---


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("18:00-19:00", Window(time(18), time(19))),
        ("9:30-12:00", Window(time(9, 30), time(12))),
        ("18:00 - 19:00", Window(time(18), time(19))),
        (" 00:00-23:59 ", Window(time(0), time(23, 59))),
    ],
)
def test_windows_that_read(text, window):
    assert parse_window(text) == window


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("18-19", "format"),
        ("18:00", "format"),
        ("18:00–19:00", "format"),  # an en dash
        ("１８:00-19:00", "format"),  # fullwidth digits
        ("١٨:00-19:00", "format"),  # Arabic-Indic digits
        ("18:00-19:00\n", "format"),
        ("18:00-19:00\t", "format"),
        ("18:00-19:00x", "format"),
        ("18:000-19:00", "format"),
        (" " * (WINDOW_MAX_CHARS - 10) + "18:00-19:00", "format"),  # too long
        ("24:00-25:00", "time"),
        ("18:60-19:00", "time"),
        ("19:00-18:00", "order"),
        ("18:00-18:00", "order"),
    ],
)
def test_windows_that_are_refused_say_why_without_repeating_the_text(text, reason):
    with pytest.raises(InvalidWindow) as refused:
        parse_window(text)
    assert refused.value.reason == reason
    assert str(refused.value) == REFUSALS[reason]


def _refusal(text: str) -> str:
    with pytest.raises(InvalidWindow) as refused:
        parse_window(text)
    return str(refused.value)


# One message per reason, whatever was typed.
REFUSALS = {"format": _refusal("x"), "time": _refusal("00:00-99:00"), "order": _refusal("02:00-01:00")}


windows = st.tuples(st.integers(0, 23 * 60 + 58), st.integers(1, 24 * 60 - 1)).map(
    lambda pair: Window(_minute(pair[0]), _minute(min(pair[0] + pair[1], 24 * 60 - 1)))
)


def _minute(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@given(windows)
def test_every_window_reads_back_from_its_text(window):
    assert parse_window(str(window)) == window
    assert parse_window(f" {window.start:%H:%M} - {window.end:%H:%M} ") == window


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=40), st.text(alphabet="0123456789:- \n٣", max_size=20)))
@example("18:00-19:00")
@example("1٣:00-19:00")
def test_any_text_is_a_window_or_a_plain_refusal(text):
    try:
        window = parse_window(text)
    except InvalidWindow as refused:
        assert refused.reason in {"format", "time", "order"}
        return
    assert len(text) <= WINDOW_MAX_CHARS
    assert set(text) <= set("0123456789:- ")
    assert window.start < window.end
    assert parse_window(str(window)) == window


def test_a_window_that_never_meets_the_hours_is_refused_up_front():
    early = parse_window("06:00-08:00")
    assert not window_fits(DEFAULT, early)
    assert window_fits(DEFAULT, parse_window("19:30-22:00"))
    with pytest.raises(InvalidWindow) as refused:
        parse_window("06:00-08:00", DEFAULT)
    assert refused.value.reason == "outside_hours"
    with pytest.raises(InvalidWindow):
        due_within(DEFAULT, local(f"{WEDNESDAY}T10:00"), early)


def test_a_window_on_some_days_only_fits():
    policy = make_policy("mon-fri 09:00-18:00; sat 10:00-20:00")
    evening = parse_window("19:00-21:00")
    assert window_fits(policy, evening)
    # Wednesday 10:00: the window meets the hours only on Saturday, 19:00-20:00.
    assert due_within(policy, local(f"{WEDNESDAY}T10:00"), evening) == local("2026-11-28T19:00")


def test_due_within_the_window():
    window = parse_window("18:00-19:00")
    assert due_within(DEFAULT, local(f"{WEDNESDAY}T10:00"), window) == local(f"{WEDNESDAY}T18:00")
    assert due_within(DEFAULT, local(f"{WEDNESDAY}T18:30"), window) == local(f"{WEDNESDAY}T18:30")
    assert due_within(DEFAULT, local(f"{WEDNESDAY}T19:00"), window) == local("2026-11-26T18:00")
    assert due_within(DEFAULT, local(f"{WEDNESDAY}T10:00"), None) == local(f"{WEDNESDAY}T10:00")
    # The window past the hours' end is cut at 20:00.
    late = parse_window("19:30-23:00")
    assert due_within(DEFAULT, local(f"{WEDNESDAY}T20:00"), late) == local("2026-11-26T19:30")


# --- retries ---


def test_retries_follow_the_gaps_then_the_callback_fails():
    failed = local(f"{WEDNESDAY}T10:00")
    assert due_after_failure(DEFAULT, 1, failed, None) == failed + timedelta(minutes=15)
    assert due_after_failure(DEFAULT, 2, failed, None) == failed + timedelta(hours=2)
    assert due_after_failure(DEFAULT, 3, failed, None) is None
    assert due_after_failure(DEFAULT, 4, failed, None) is None


def test_the_last_gap_repeats():
    policy = make_policy(attempts=5, gaps="60")
    failed = local(f"{WEDNESDAY}T10:00")
    assert [due_after_failure(policy, n, failed, None) for n in range(1, 6)] == [
        failed + timedelta(minutes=1)
    ] * 4 + [None]


def test_a_retry_past_the_hours_waits_for_the_morning_and_the_window():
    assert due_after_failure(DEFAULT, 2, local(f"{WEDNESDAY}T18:30"), None) == local("2026-11-26T09:00")
    window = parse_window("18:00-19:00")
    assert due_after_failure(DEFAULT, 1, local(f"{WEDNESDAY}T18:50"), window) == local("2026-11-26T18:00")


def test_no_attempt_made_is_a_mistake():
    with pytest.raises(ValueError):
        due_after_failure(DEFAULT, 0, local(f"{WEDNESDAY}T10:00"), None)


# --- what the person is told ---


def expect(policy, due, now) -> Expectation:
    return expectation(policy, local(due), local(now))


def test_due_now_within_the_hours_is_soon():
    told = expect(DEFAULT, f"{WEDNESDAY}T12:00", f"{WEDNESDAY}T12:00")
    assert told.kind == ExpectationKind.SOON
    assert (told.local_date, told.local_time) == (date(2026, 11, 25), time(12))
    # Due a while ago and still waiting: soon, from now.
    assert expect(DEFAULT, f"{WEDNESDAY}T11:00", f"{WEDNESDAY}T12:00").due_at == local(f"{WEDNESDAY}T12:00")


def test_later_today_names_the_time():
    told = expect(DEFAULT, f"{WEDNESDAY}T18:00", f"{WEDNESDAY}T12:00")
    assert (told.kind, told.local_time) == (ExpectationKind.TODAY_AT, time(18))


def test_after_hours_is_tomorrow_after_the_opening():
    now = local(f"{WEDNESDAY}T20:00")
    told = expectation(DEFAULT, next_opening(DEFAULT, now), now)
    assert told.kind == ExpectationKind.TOMORROW_AFTER
    assert (told.local_date, told.local_time) == (date(2026, 11, 26), time(9))
    # Just after midnight, the morning is today.
    now = local("2026-11-26T00:30")
    assert expectation(DEFAULT, next_opening(DEFAULT, now), now).kind == ExpectationKind.TODAY_AT


def test_after_friday_hours_on_weekday_hours_is_monday():
    policy = make_policy("mon-fri 09:00-18:00")
    now = local("2026-11-27T18:30")
    told = expectation(policy, next_opening(policy, now), now)
    assert told.kind == ExpectationKind.ON_DAY
    assert (told.local_date, told.weekday, told.local_time) == (date(2026, 11, 30), 0, time(9))


def test_a_past_due_time_after_hours_is_told_from_the_next_opening():
    told = expect(DEFAULT, f"{WEDNESDAY}T19:00", f"{WEDNESDAY}T21:00")
    assert told.kind == ExpectationKind.TOMORROW_AFTER
    assert told.due_at == local("2026-11-26T09:00")


# --- the settings ---


def test_the_default_settings(monkeypatch):
    for name in CALLBACK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    settings_ = config.Config()
    settings_.check()
    policy = CallbackPolicy.from_config(vars(settings_))
    assert policy.attempts == 3
    assert policy.retry_gaps == (timedelta(seconds=900), timedelta(seconds=7200))
    assert policy.hours.text == "09:00-20:00"
    assert policy.timezone == ZoneInfo(ALMATY)
    assert settings_.HOTLINE_SHORT_ABANDON_SECONDS == 5
    assert settings_.HOTLINE_MISSED_CALL_CALLBACKS is True
    assert settings_.HOTLINE_DIAL_RATE == 1.0


CALLBACK_SETTINGS = [
    "HOTLINE_CALLBACK_ATTEMPTS",
    "HOTLINE_CALLBACK_RETRY_SECONDS",
    "HOTLINE_CALLBACK_HOURS",
    "HOTLINE_SHORT_ABANDON_SECONDS",
    "HOTLINE_MISSED_CALL_CALLBACKS",
    "HOTLINE_DIAL_RATE",
]


def test_settings_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("HOTLINE_CALLBACK_ATTEMPTS", "5")
    monkeypatch.setenv("HOTLINE_CALLBACK_RETRY_SECONDS", "60, 600")
    monkeypatch.setenv("HOTLINE_CALLBACK_HOURS", "mon-fri 09:00-18:00; sat 10:00-14:00")
    monkeypatch.setenv("HOTLINE_SHORT_ABANDON_SECONDS", "0")
    monkeypatch.setenv("HOTLINE_MISSED_CALL_CALLBACKS", "0")
    monkeypatch.setenv("HOTLINE_DIAL_RATE", "0.5")
    settings_ = config.Config()
    settings_.check()
    policy = CallbackPolicy.from_config(vars(settings_))
    assert (policy.attempts, policy.retry_gaps) == (5, (timedelta(seconds=60), timedelta(seconds=600)))
    assert settings_.HOTLINE_SHORT_ABANDON_SECONDS == 0
    assert settings_.HOTLINE_MISSED_CALL_CALLBACKS is False
    assert settings_.HOTLINE_DIAL_RATE == 0.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTLINE_CALLBACK_ATTEMPTS", "0"),
        ("HOTLINE_CALLBACK_ATTEMPTS", "three"),
        ("HOTLINE_CALLBACK_ATTEMPTS", "٣"),
        ("HOTLINE_CALLBACK_RETRY_SECONDS", ""),
        ("HOTLINE_CALLBACK_RETRY_SECONDS", "900,,7200"),
        ("HOTLINE_CALLBACK_RETRY_SECONDS", "900,0"),
        ("HOTLINE_CALLBACK_RETRY_SECONDS", "15m"),
        ("HOTLINE_CALLBACK_HOURS", ""),
        ("HOTLINE_CALLBACK_HOURS", "nine to eight"),
        ("HOTLINE_CALLBACK_HOURS", "20:00-08:00"),
        ("HOTLINE_CALLBACK_HOURS", "mon-fri 09:00-18:00; sat 22:00-02:00"),
        ("HOTLINE_CALLBACK_HOURS", "09:00-09:00"),
        ("HOTLINE_SHORT_ABANDON_SECONDS", "-1"),
        ("HOTLINE_SHORT_ABANDON_SECONDS", "5s"),
        ("HOTLINE_DIAL_RATE", "0"),
        ("HOTLINE_DIAL_RATE", "0.0"),
        ("HOTLINE_DIAL_RATE", "-1"),
        ("HOTLINE_DIAL_RATE", "nan"),
        ("HOTLINE_DIAL_RATE", "inf"),
        ("HOTLINE_DIAL_RATE", "1e3"),
        ("HOTLINE_TIMEZONE", "Mars/Olympus"),
    ],
)
def test_a_setting_that_cannot_work_is_refused_at_start_up_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        config.load("testing")


def test_overnight_callback_hours_are_refused_saying_why(monkeypatch):
    monkeypatch.setenv("HOTLINE_CALLBACK_HOURS", "20:00-08:00")
    with pytest.raises(InvalidPolicy, match="never dialled at night"):
        config.load("testing")


def test_the_policy_refuses_overrides_that_bypass_the_environment():
    with pytest.raises(InvalidPolicy, match="HOTLINE_CALLBACK_ATTEMPTS"):
        make_policy(attempts=True)
    with pytest.raises(InvalidPolicy, match="HOTLINE_CALLBACK_ATTEMPTS"):
        make_policy(attempts=-2)
    assert make_policy(attempts="4").attempts == 4


# --- properties over random hours, zones with clock changes and moments near the changes ---

ZONES = [ALMATY, LONDON, "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _changes(zone: str) -> list[datetime]:
    """The UTC midnights before each day, 2016-2029, on which `zone`'s clocks change."""
    tz = ZoneInfo(zone)
    days = [datetime(2016, 1, 1, tzinfo=UTC) + timedelta(days=n) for n in range(14 * 366)]
    return [
        day
        for day, after in pairwise(days)
        if day.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset()
    ]


CHANGES = {zone: _changes(zone) or [datetime(2026, 6, 1, tzinfo=UTC)] for zone in ZONES}


@st.composite
def rules(draw) -> str:
    start = draw(st.integers(0, 24 * 60 - 15)) // 15 * 15
    end = draw(st.integers(start + 1, 24 * 60))
    span = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    if draw(st.booleans()):
        return span
    first, last = draw(st.sampled_from(DAYS)), draw(st.sampled_from(DAYS))
    return f"{first}-{last} {span}" if first != last else f"{first} {span}"


@st.composite
def policies(draw) -> CallbackPolicy:
    hours = draw(st.one_of(st.just("always"), st.lists(rules(), min_size=1, max_size=3).map("; ".join)))
    return make_policy(hours, draw(st.sampled_from(ZONES)))


@st.composite
def moments_for(draw, policy: CallbackPolicy) -> datetime:
    """Any moment of 2016-2029, or one within days of a change of the policy's clocks."""
    if draw(st.booleans()):
        return draw(st.datetimes(datetime(2016, 1, 2), datetime(2029, 12, 1), timezones=st.just(UTC)))
    change = draw(st.sampled_from(CHANGES[policy.timezone.key]))
    seconds = draw(
        st.one_of(st.integers(-3 * 86400, 3 * 86400), st.integers(-3 * 1440, 3 * 1440).map(lambda m: m * 60))
    )
    return change + timedelta(seconds=seconds)


def in_window(moment: datetime, policy: CallbackPolicy, window: Window | None) -> bool:
    return window is None or window.start <= moment.astimezone(policy.timezone).time() < window.end


def assert_first_open(policy, at, due, window, fraction):
    """`due` is inside hours and window, not before `at`, and nothing between them is."""
    hours = policy.hours

    def usable(moment):
        return hours.is_open(moment) and in_window(moment, policy, window)

    assert due.tzinfo is UTC
    assert due >= at
    assert usable(due)
    if due > at:
        assert not usable(due - timedelta(microseconds=1))
        between = at + (due - at) * fraction  # rounded to the microsecond: may reach `due`
        assert between >= due or not usable(between)


SETTINGS = settings(max_examples=300, deadline=None)
fractions = st.floats(0, 1, exclude_max=True)


@SETTINGS
@given(st.data(), fractions)
def test_next_opening_is_the_first_open_moment(data, fraction):
    policy = data.draw(policies())
    at = data.draw(moments_for(policy))
    due = next_opening(policy, at)
    assert_first_open(policy, at, due, None, fraction)
    assert next_opening(policy, due) == due
    if policy.hours.is_open(at):
        assert due == at


@SETTINGS
@given(st.data(), st.integers(0, 10 * 86400 * 10**6))
def test_next_opening_is_monotone(data, micros):
    policy = data.draw(policies())
    at = data.draw(moments_for(policy))
    later = at + timedelta(microseconds=micros)
    assert next_opening(policy, at) <= next_opening(policy, later)


@SETTINGS
@given(st.data(), windows, fractions, st.integers(0, 3 * 86400))
def test_due_within_is_the_first_moment_in_hours_and_window(data, window, fraction, seconds):
    policy = data.draw(policies())
    at = data.draw(moments_for(policy))
    if not window_fits(policy, window):
        with pytest.raises(InvalidWindow):
            due_within(policy, at, window)
        return
    due = due_within(policy, at, window)
    assert_first_open(policy, at, due, window, fraction)
    assert due_within(policy, due, window) == due
    assert due_within(policy, at + timedelta(seconds=seconds), window) >= due


@SETTINGS
@given(st.data(), st.integers(1, 6), st.integers(1, 8), st.one_of(st.none(), windows))
def test_a_retry_is_after_its_gap_inside_the_hours_or_none_after_the_last(data, attempts, made, window):
    gaps = data.draw(st.lists(st.integers(1, 3 * 86400), min_size=1, max_size=4))
    policy = data.draw(policies())
    policy = make_policy(policy.hours.text, policy.timezone.key, attempts, ",".join(map(str, gaps)))
    assume(window is None or window_fits(policy, window))
    failed_at = data.draw(moments_for(policy))
    due = due_after_failure(policy, made, failed_at, window)
    if made >= attempts:
        assert due is None
        return
    gap = timedelta(seconds=gaps[min(made, len(gaps)) - 1])
    assert due == due_within(policy, failed_at + gap, window)
    assert due >= failed_at + gap
    assert policy.hours.is_open(due) and in_window(due, policy, window)


@SETTINGS
@given(st.data(), st.integers(-2 * 86400, 9 * 86400))
def test_what_the_person_is_told_matches_the_due_time(data, seconds):
    policy = data.draw(policies())
    now = data.draw(moments_for(policy))
    told = expectation(policy, now + timedelta(seconds=seconds), now)
    assert told.due_at >= now
    assert policy.hours.is_open(told.due_at)
    here = told.due_at.astimezone(policy.timezone)
    assert (told.local_date, told.local_time) == (here.date(), here.time())
    days_ahead = (told.local_date - now.astimezone(policy.timezone).date()).days
    expected = {0: ExpectationKind.TODAY_AT, 1: ExpectationKind.TOMORROW_AFTER}.get(
        days_ahead, ExpectationKind.ON_DAY
    )
    if told.due_at == now:
        expected = ExpectationKind.SOON
    assert told.kind == expected
    assert (told.kind == ExpectationKind.SOON) == (seconds <= 0 and policy.hours.is_open(now))
