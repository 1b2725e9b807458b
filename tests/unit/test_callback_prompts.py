"""What a caller hears of when the callback will come, in each language of the line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from hotline.callbacks.policy import Expectation, ExpectationKind
from telephony import prompts

AT = datetime(2026, 1, 5, 4, 0, tzinfo=UTC)
MONDAY = date(2026, 1, 5)


def said(kind: ExpectationKind, language: str, day: date = MONDAY, at: time = time(9, 0)) -> str:
    key, values = prompts.expected_call(Expectation(kind, AT, day, at))
    return prompts.text(key, language, **values)


@pytest.mark.parametrize(
    ("kind", "ru", "kk"),
    [
        (ExpectationKind.SOON, "сегодня в рабочее время", "бүгін жұмыс уақытында"),
        (ExpectationKind.TODAY_AT, "сегодня после 09:00", "бүгін сағат 09:00 өткен соң"),
        (ExpectationKind.TOMORROW_AFTER, "завтра после 09:00", "ертең сағат 09:00 өткен соң"),
        (ExpectationKind.ON_DAY, "в понедельник после 09:00", "дүйсенбі күні сағат 09:00 өткен соң"),
    ],
)
def test_each_kind_is_said_in_each_language(kind, ru, kk):
    assert ru in said(kind, "ru")
    assert kk in said(kind, "kk")


def test_a_later_day_is_named_in_the_words_of_the_language_speaking():
    days = [said(ExpectationKind.ON_DAY, "ru", date(2026, 1, 5 + offset)) for offset in range(7)]
    assert [day.split(" после")[0].removeprefix("Мы перезвоним вам ") for day in days] == prompts.ON_DAYS[
        "ru"
    ]
    assert "во вторник после 18:30" in said(ExpectationKind.ON_DAY, "ru", date(2026, 1, 6), time(18, 30))


def test_every_prompt_is_written_in_every_language_of_the_line():
    for key, texts in prompts.TEXTS.items():
        assert set(texts) == set(prompts.LANGUAGES), key


def test_the_moment_of_a_callback_is_always_spoken_never_a_recording():
    moments = {"callback_today_at", "callback_tomorrow_after", "callback_on_day"}
    assert moments <= prompts.SPOKEN_ONLY and "callback_soon" not in prompts.SPOKEN_ONLY
