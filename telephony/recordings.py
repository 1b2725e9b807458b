"""The recordings the hotline lacks, said once: by the web process as it
starts (config/gunicorn.py) and by `flask doctor`, not by every process and
command that builds the app.

Twilio cannot speak Kazakh: a Kazakh prompt with no recording is spoken in
Russian (telephony/prompts.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from telephony import prompts

log = logging.getLogger(__name__)

# In the words of this report, which is English like the rest of the logs.
LANGUAGE_NAMES = {"kk": "Kazakh", "ru": "Russian"}


def missing(app: Flask) -> dict[str, list[str]]:
    """{language: prompts with no recording}, for each language that has some missing."""
    languages = app.config["HOTLINE_LANGUAGES"]
    recordings = prompts.find_recordings(Path(app.static_folder), languages)
    return {
        language: keys for language, keys in prompts.missing_recordings(languages, recordings).items() if keys
    }


def where(app: Flask, language: str) -> str:
    """The folder a language's recordings go in, as the person running the hotline would type it."""
    folder = Path(app.static_folder) / "prompts" / language
    try:
        return str(folder.relative_to(Path.cwd()))
    except ValueError:
        return str(folder)


def summary(app: Flask, language: str, keys: list[str]) -> str:
    name = LANGUAGE_NAMES.get(language, language)
    return (
        f"{len(keys)} of {len(prompts.TEXTS) - len(prompts.SPOKEN_ONLY)} prompts have no {name} recording, "
        f"so {name}-speaking callers hear them in {LANGUAGE_NAMES[prompts.FALLBACK]}: record them as "
        f"{where(app, language)}/<prompt>.mp3 (or .wav)"
    )


def report_missing(app: Flask) -> None:
    """One warning line per language with prompts missing their recording."""
    for language, keys in missing(app).items():
        log.warning("%s; `flask --app hotline doctor` names them", summary(app, language, keys))
