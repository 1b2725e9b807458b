"""What the caller hears, per language.

Each prompt is spoken with <Say> or, where the hotline provides a recording
(`hotline/static/prompts/<language>/<key>.mp3` or `.wav`), played with <Play>.
Twilio has no Kazakh voice: Kazakh prompts must be recordings. The Kazakh text
here is the script to record; a Kazakh prompt with no recording falls back to
Russian speech (the web process, as it starts, and `flask doctor` say how many are missing).
"""

from __future__ import annotations

from pathlib import Path

from hotline.callbacks.policy import Expectation, ExpectationKind

LANGUAGES = ("kk", "ru")
# Languages Twilio can speak, with the BCP-47 tag for <Say language=…>.
SPOKEN = {"ru": "ru-RU"}
FALLBACK = "ru"
RECORDING_SUFFIXES = (".mp3", ".wav")

TEXTS: dict[str, dict[str, str]] = {
    "notice": {
        "kk": "Сәлеметсіз бе, сенім телефонына қоңырау шалдыңыз. Әңгіме құпия: айтқаныңыз тек сізге көмектесетін маманда қалады.",
        "ru": "Здравствуйте, вы позвонили на горячую линию. Разговор конфиденциален: то, что вы скажете, останется только у специалиста, который вам помогает.",
    },
    "language_option": {
        "kk": "{name} тілі үшін {digit} басыңыз.",
        "ru": "Для {name} языка нажмите {digit}.",
    },
    "need_psychologist": {
        "kk": "Психолог керек болса, {digit} басыңыз.",
        "ru": "Чтобы поговорить с психологом, нажмите {digit}.",
    },
    "need_medical": {
        "kk": "Дәрігер кеңесі керек болса, {digit} басыңыз.",
        "ru": "Чтобы получить консультацию врача, нажмите {digit}.",
    },
    "need_legal": {
        "kk": "Заңгер кеңесі керек болса, {digit} басыңыз.",
        "ru": "Чтобы получить консультацию юриста, нажмите {digit}.",
    },
    "need_general": {
        "kk": "Басқа сұрақтар бойынша {digit} басыңыз.",
        "ru": "По другим вопросам нажмите {digit}.",
    },
    "crisis_option": {
        "kk": "Қазір қауіп төніп тұрса, {digit} басыңыз.",
        "ru": "Если вы сейчас в опасности, нажмите {digit}.",
    },
    "not_understood": {
        "kk": "Кешіріңіз, түсінбедім.",
        "ru": "Извините, я не поняла.",
    },
    "emergency": {
        "kk": "Өміріңізге қауіп төнсе, дереу {number} нөміріне қоңырау шалыңыз. Қазір сізді психологқа қосамыз.",
        "ru": "Если вашей жизни угрожает опасность, сразу звоните {number}. Сейчас мы соединим вас с психологом.",
    },
    "connecting": {
        "kk": "Маманға қосып жатырмыз, күте тұрыңыз.",
        "ru": "Соединяем со специалистом, пожалуйста, подождите.",
    },
    "position": {
        "kk": "Кезектегі орныңыз: {position}.",
        "ru": "Ваше место в очереди: {position}.",
    },
    "offer_callback": {
        "kk": "Күткіңіз келмесе, 1 басыңыз, біз сізге кері қоңырау шаламыз.",
        "ru": "Если не хотите ждать, нажмите 1, и мы вам перезвоним.",
    },
    "callback_number": {
        "kk": "Қазір қоңырау шалып тұрған нөміріңізге кері қоңырау керек болса, 1 басыңыз. Басқа нөмірге керек болса, сол нөмірді теріп, тор белгісін басыңыз.",
        "ru": "Чтобы мы перезвонили на номер, с которого вы звоните, нажмите 1. Чтобы мы перезвонили на другой номер, наберите его и нажмите решётку.",
    },
    "callback_number_withheld": {
        "kk": "Нөміріңіз жасырын. Кері қоңырау керек болса, телефон нөмірін теріп, тор белгісін басыңыз.",
        "ru": "Ваш номер скрыт. Чтобы мы вам перезвонили, наберите номер телефона и нажмите решётку.",
    },
    "number_not_callable": {
        "kk": "Кешіріңіз, бұл нөмірге қоңырау шала алмаймыз.",
        "ru": "Извините, на этот номер мы не сможем позвонить.",
    },
    # When to expect the call (hotline.callbacks.policy.expectation), never naming the topic.
    "callback_soon": {
        "kk": "Біз сізге бүгін жұмыс уақытында қоңырау шаламыз.",
        "ru": "Мы перезвоним вам сегодня в рабочее время.",
    },
    "callback_today_at": {
        "kk": "Біз сізге бүгін сағат {time} өткен соң қоңырау шаламыз.",
        "ru": "Мы перезвоним вам сегодня после {time}.",
    },
    "callback_tomorrow_after": {
        "kk": "Біз сізге ертең сағат {time} өткен соң қоңырау шаламыз.",
        "ru": "Мы перезвоним вам завтра после {time}.",
    },
    "callback_on_day": {
        "kk": "Біз сізге {day} сағат {time} өткен соң қоңырау шаламыз.",
        "ru": "Мы перезвоним вам {day} после {time}.",
    },
    "callback_confirmed": {
        "kk": "Рахмет. Қоңырауымызды күтіңіз. Сау болыңыз.",
        "ru": "Спасибо. Ждите нашего звонка. До свидания.",
    },
    "closed": {
        "kk": "Қазір жұмыс уақыты емес. Жұмыс уақыты: {hours}.",
        "ru": "Сейчас мы не работаем. Часы работы: {hours}.",
    },
    "after_hours_options": {
        "kk": "Кері қоңырау үшін 1 басыңыз. Қысқа хабар қалдыру үшін 2 басыңыз.",
        "ru": "Чтобы мы вам перезвонили, нажмите 1. Чтобы оставить короткое сообщение, нажмите 2.",
    },
    "record_message": {
        "kk": "Дыбыстық сигналдан кейін хабарыңызды айтыңыз, аяқтаған соң тор белгісін басыңыз.",
        "ru": "Говорите после сигнала. Когда закончите, нажмите решётку.",
    },
    "message_saved": {
        "kk": "Рахмет, хабарыңыз сақталды. Сау болыңыз.",
        "ru": "Спасибо, ваше сообщение сохранено. До свидания.",
    },
    "sorry_error": {
        "kk": "Кешіріңіз, ақаулық болды. Қайта қоңырау шалыңыз.",
        "ru": "Извините, произошла ошибка. Пожалуйста, перезвоните.",
    },
    # A blocked caller (hotline.cases.blocks): the line is closed to them, not in danger.
    "blocked": {
        "kk": "Бұл нөмірден сенім телефонына уақытша қоңырау шалуға болмайды. Қазір өміріңізге қауіп төніп тұрса, 9 басыңыз.",
        "ru": "С этого номера сейчас нельзя дозвониться на горячую линию. Если вы сейчас в опасности, нажмите 9.",
    },
    "goodbye": {
        "kk": "Қоңырауыңызға рахмет. Сау болыңыз.",
        "ru": "Спасибо за звонок. До свидания.",
    },
}

# A recording replaces the whole prompt, with the digit, number or hours it
# mentions: record it for the hotline's own menu. The queue position and the
# time a callback is due change from call to call, so they are always spoken.
SPOKEN_ONLY = frozenset({"position", "callback_today_at", "callback_tomorrow_after", "callback_on_day"})

DAYS = {"ru": ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]}
# "On Monday" and so on, for "callback_on_day".
ON_DAYS = {
    "kk": [
        "дүйсенбі күні",
        "сейсенбі күні",
        "сәрсенбі күні",
        "бейсенбі күні",
        "жұма күні",
        "сенбі күні",
        "жексенбі күні",
    ],
    "ru": ["в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу", "в воскресенье"],
}


# How each language names the languages on offer, for "language_option".
LANGUAGE_NAMES = {
    "kk": {"kk": "Қазақ", "ru": "Орыс"},
    "ru": {"kk": "казахского", "ru": "русского"},
}


def text(key: str, language: str, **values) -> str:
    """The prompt's words in `language`. For "language_option", `option` is the
    language offered, named in the words of the language speaking; likewise a
    `weekday` (0 is Monday) for "callback_on_day"."""
    if "option" in values:
        values["name"] = LANGUAGE_NAMES[language][values.pop("option")]
    if "weekday" in values:
        values["day"] = ON_DAYS[language][values.pop("weekday")]
    return TEXTS[key][language].format(**values)


def find_recordings(static_folder: Path, languages: list[str]) -> dict[tuple[str, str], str]:
    """{(language, key): static path} for every recording the hotline provides."""
    found = {}
    for language in languages:
        for key in TEXTS:
            if key in SPOKEN_ONLY:
                continue
            for suffix in RECORDING_SUFFIXES:
                if (static_folder / "prompts" / language / f"{key}{suffix}").is_file():
                    found[(language, key)] = f"prompts/{language}/{key}{suffix}"
                    break
    return found


def missing_recordings(languages: list[str], recordings: dict[tuple[str, str], str]) -> dict[str, list[str]]:
    """Per unspeakable language, the prompts with no recording."""
    return {
        language: [key for key in TEXTS if key not in SPOKEN_ONLY and (language, key) not in recordings]
        for language in languages
        if language not in SPOKEN
    }


def spoken_hours(hours, language: str) -> str:
    """Working hours as a sentence, e.g. "понедельник–пятница 09:00–18:00"."""
    names = DAYS.get(language, DAYS["ru"])
    parts = []
    for opening in hours.openings:
        days = sorted(opening.days)
        span = names[days[0]] if len(days) == 1 else f"{names[days[0]]} – {names[days[-1]]}"
        parts.append(f"{span}, {opening.start:%H:%M} – {opening.end:%H:%M}")
    return "; ".join(parts)


def expected_call(expectation: Expectation) -> tuple[str, dict]:
    """The prompt (key and values) that tells the person when to expect the call,
    e.g. ("callback_tomorrow_after", {"time": "09:00"}); a later day is given as
    its `weekday`, which `text` names in the words of the language speaking."""
    if expectation.kind == ExpectationKind.SOON:
        return "callback_soon", {}
    values: dict = {"time": f"{expectation.local_time:%H:%M}"}
    if expectation.kind == ExpectationKind.ON_DAY:
        values["weekday"] = expectation.weekday
    return f"callback_{expectation.kind.value}", values
