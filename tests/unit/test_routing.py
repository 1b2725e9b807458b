import pytest

from hotline.calls import routing
from hotline.calls.routing import Choice
from hotline.cases.priority import Priority, priority
from hotline.models import QueueName

MENU = routing.parse_need_menu("1=psychologist,2=medical,3=legal,4=general,9=crisis")


@pytest.mark.parametrize(
    ("digits", "queue"),
    [
        ("1", QueueName.PSYCHOLOGIST),
        ("2", QueueName.MEDICAL),
        ("3", QueueName.LEGAL),
        ("4", QueueName.GENERAL),
    ],
)
def test_each_digit_chooses_its_queue(digits, queue):
    assert routing.choose_queue(digits, MENU) == Choice(queue)


def test_danger_digit_goes_to_psychologist_as_crisis():
    assert routing.choose_queue("9", MENU) == Choice(QueueName.PSYCHOLOGIST, crisis=True)


@pytest.mark.parametrize("digits", ["", None, "5", "0", "12", "*", "#"])
def test_unknown_or_missing_digits_choose_nothing(digits):
    assert routing.choose_queue(digits, MENU) is None


def test_fallback_is_general():
    assert routing.fallback_choice() == Choice(QueueName.GENERAL)


def test_menu_is_configurable():
    menu = routing.parse_need_menu("7=legal,0=crisis")
    assert routing.choose_queue("7", menu) == Choice(QueueName.LEGAL)
    assert routing.choose_queue("0", menu).crisis
    assert routing.choose_queue("1", menu) is None


@pytest.mark.parametrize("text", ["1=psychologist,1=legal", "x=legal", "1=plumber", "12=legal", "1"])
def test_bad_menus_are_refused(text):
    with pytest.raises(routing.InvalidMenu):
        routing.parse_need_menu(text)


def test_language_choice_by_position():
    assert routing.choose_language("1", ["kk", "ru"]) == "kk"
    assert routing.choose_language("2", ["kk", "ru"]) == "ru"
    assert routing.choose_language("3", ["kk", "ru"]) is None
    assert routing.choose_language("", ["kk", "ru"]) is None


def test_priority_order_crisis_then_callback_then_repeat_then_normal():
    assert priority(crisis=True, callback_return=True, open_case=True) == Priority.CRISIS
    assert priority(callback_return=True, open_case=True) == Priority.CALLBACK_RETURN
    assert priority(open_case=True) == Priority.REPEAT_CALLER_OPEN_CASE
    assert priority() == Priority.NORMAL
    assert Priority.CRISIS > Priority.CALLBACK_RETURN > Priority.REPEAT_CALLER_OPEN_CASE > Priority.NORMAL
