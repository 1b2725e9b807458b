"""Which queue the caller chose, in which language. Pure functions of plain values."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.core.parsing import whole_number
from hotline.models import QueueName

CRISIS = "crisis"


@dataclass(frozen=True)
class Choice:
    queue: QueueName
    crisis: bool = False


class InvalidMenu(ValueError):
    pass


def parse_need_menu(text: str) -> dict[str, str]:
    """'1=psychologist,2=medical,…,9=crisis' → {'1': 'psychologist', …, '9': 'crisis'}."""
    menu: dict[str, str] = {}
    allowed = {q.value for q in QueueName} | {CRISIS}
    for item in text.split(","):
        digit, _, need = item.strip().partition("=")
        if whole_number(digit, max_digits=1) is None or need not in allowed:
            raise InvalidMenu(f"cannot read need menu item {item.strip()!r}")
        if digit in menu:
            raise InvalidMenu(f"digit {digit} appears twice in the need menu")
        menu[digit] = need
    return menu


def choose_queue(digits: str | None, menu: dict[str, str]) -> Choice | None:
    """The caller's choice from the keypad, or None if the digits mean nothing."""
    need = menu.get((digits or "").strip())
    if need is None:
        return None
    if need == CRISIS:
        return Choice(QueueName.PSYCHOLOGIST, crisis=True)
    return Choice(QueueName(need))


def fallback_choice() -> Choice:
    """After the last failed attempt, a person in the general queue sorts it out."""
    return Choice(QueueName.GENERAL)


def choose_language(digits: str | None, languages: list[str]) -> str | None:
    """1 for the first configured language, 2 for the second …; None if unknown."""
    number = whole_number((digits or "").strip(), max_digits=1)
    if number is not None and 1 <= number <= len(languages):
        return languages[number - 1]
    return None
