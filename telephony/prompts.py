"""What the caller hears, per language.

Each prompt is spoken with <Say> or, where the hotline provides a recording
(`hotline/static/prompts/<language>/<key>.mp3` or `.wav`), played with <Play>.
Twilio has no Kazakh voice: Kazakh prompts must be recordings. The Kazakh text
here is the script to record; a Kazakh prompt with no recording falls back to
Russian speech (the web process, as it starts, and `flask doctor` say how many are missing).
"""

from __future__ import annotations

from pathlib import Path

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
    "callback_confirmed": {
        "kk": "Рахмет. Біз сізге мүмкіндігінше тез қоңырау шаламыз. Сау болыңыз.",
        "ru": "Спасибо. Мы перезвоним вам как можно скорее. До свидания.",
    },
    "callback_impossible": {
        "kk": "Нөміріңіз жасырын, сондықтан кері қоңырау шала алмаймыз.",
        "ru": "Ваш номер скрыт, поэтому мы не сможем перезвонить.",
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
    "goodbye": {
        "kk": "Қоңырауыңызға рахмет. Сау болыңыз.",
        "ru": "Спасибо за звонок. До свидания.",
    },
}

# A recording replaces the whole prompt, with the digit, number or hours it
# mentions: record it for the hotline's own menu. The queue position changes
# from call to call, so it is always spoken.
SPOKEN_ONLY = frozenset({"position"})

DAYS = {"ru": ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]}


# How each language names the languages on offer, for "language_option".
LANGUAGE_NAMES = {
    "kk": {"kk": "Қазақ", "ru": "Орыс"},
    "ru": {"kk": "казахского", "ru": "русского"},
}


def text(key: str, language: str, **values) -> str:
    """The prompt's words in `language`. For "language_option", `option` is the
    language offered, named in the words of the language speaking."""
    if "option" in values:
        values["name"] = LANGUAGE_NAMES[language][values.pop("option")]
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
